/* label.c — connected components by runs and union-find.
 *
 * 1. Runs: each (z, y) row's foreground runs [x0, x1), counted then filled
 *    in parallel from the row's bits (edge words, count trailing zeros);
 *    the global run order is raster order.
 * 2. Unions: runs overlap runs of the causal neighbour rows (z, y-1),
 *    (z-1, y-1..y+1) — with x widened by one where the connectivity allows
 *    a diagonal step. Each thread joins the rows of its own z slab (its runs
 *    form a contiguous index range, so slabs never touch each other's
 *    parents); the slab seams are joined afterwards by one thread. Links
 *    always point to the smaller run index, so a component's root is its
 *    first run in raster order.
 * 3. Numbering: roots get 1, 2, 3 ... in raster order. Components are a
 *    property of the mask alone, so the labels are identical for any thread
 *    count. */
#include "seg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

static inline uint32_t uf_find(uint32_t *p, uint32_t a)
{
    uint32_t b = p[a];
    if (p[b] == b) return b; /* the common shallow case, without writes */
    while (p[a] != a) { p[a] = p[p[a]]; a = p[a]; }
    return a;
}

/* One row of the mask as bits (1 = foreground), 64 voxels per word; the
 * bits past nx are 0. SSE2 turns 16 bytes into 16 bits at once. */
static void row_bits(const uint8_t *p, size_t nx, uint64_t *bits)
{
    size_t nw = (nx + 63) / 64;
    for (size_t w = 0; w < nw; w++) {
        size_t x0 = w * 64, n = nx - x0 < 64 ? nx - x0 : 64;
        uint64_t b = 0;
#ifdef __SSE2__
        if (n == 64) {
            const __m128i zero = _mm_setzero_si128();
            for (int c = 0; c < 4; c++) {
                __m128i v = _mm_loadu_si128((const __m128i *)(p + x0 + 16 * c));
                uint64_t z = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero));
                b |= (~z & 0xFFFFull) << (16 * c);
            }
            bits[w] = b;
            continue;
        }
#endif
        for (size_t k = 0; k < n; k++) b |= (uint64_t)(p[x0 + k] != 0) << k;
        bits[w] = b;
    }
}

/* Rising edges (run starts) and falling edges (run ends) of word w. */
static inline uint64_t rises(const uint64_t *bits, size_t w) { return bits[w] & ~((bits[w] << 1) | (w ? bits[w - 1] >> 63 : 0)); }
static inline uint64_t falls(const uint64_t *bits, size_t w, size_t nw)
{
    return bits[w] & ~((bits[w] >> 1) | (w + 1 < nw ? (bits[w + 1] & 1) << 63 : 0));
}

static inline void uf_union(uint32_t *p, uint32_t a, uint32_t b)
{
    a = uf_find(p, a); b = uf_find(p, b);
    if (a < b) p[b] = a;
    else if (b < a) p[a] = b;
}

typedef struct {
    size_t nz, ny;
    const size_t *row0;       /* first run of each row; row0[nrows] = total */
    const int32_t *x0, *x1;
    uint32_t *parent;
} runs_t;

/* Join the runs of row r with those of row q, x widened by e (0 or 1). */
static void join_rows(const runs_t *R, size_t r, size_t q, int e)
{
    size_t i = R->row0[r], ie = R->row0[r + 1], j = R->row0[q], je = R->row0[q + 1];
    while (i < ie && j < je) {
        if (R->x0[j] < R->x1[i] + e && R->x0[i] < R->x1[j] + e) uf_union(R->parent, (uint32_t)i, (uint32_t)j);
        if (R->x1[i] < R->x1[j]) i++;
        else j++;
    }
}

/* Neighbour rows of (z, y) in the previous plane (dz = -1) or the same
 * plane (dz = 0, only y-1). e widens x for diagonal steps. */
static void join_row(const runs_t *R, size_t z, size_t y, int conn, int prev_plane)
{
    size_t r = z * R->ny + y;
    if (R->row0[r] == R->row0[r + 1]) return;
    if (!prev_plane) {
        if (y > 0) join_rows(R, r, r - 1, conn == 6 ? 0 : 1);
        return;
    }
    if (z == 0) return;
    size_t q = (z - 1) * R->ny + y;
    join_rows(R, r, q, conn == 6 ? 0 : 1);
    if (conn == 6) return;
    int e = conn == 26 ? 1 : 0;
    if (y > 0) join_rows(R, r, q - 1, e);
    if (y + 1 < R->ny) join_rows(R, r, q + 1, e);
}

/* Inside a slab: all causal neighbour rows of row (z, y) at once. Each run
 * of the row is still its own root here (later rows have not been seen), so
 * it simply adopts the smallest root among the runs it touches, merging
 * those roots on the way: one find per touched run, no find for the run. */
static void join_row_fresh(const runs_t *R, size_t z, size_t y, int conn, int prev_plane)
{
    size_t r = z * R->ny + y;
    if (R->row0[r] == R->row0[r + 1]) return;
    size_t q[4], j[4], je[4];
    int e[4], nq = 0;
    const int ediag = conn == 6 ? 0 : 1;
    if (y > 0) { q[nq] = r - 1; e[nq++] = ediag; }
    if (prev_plane && z > 0) {
        size_t c = (z - 1) * R->ny + y;
        q[nq] = c; e[nq++] = ediag;
        if (conn != 6) {
            int ec = conn == 26 ? 1 : 0;
            if (y > 0) { q[nq] = c - 1; e[nq++] = ec; }
            if (y + 1 < R->ny) { q[nq] = c + 1; e[nq++] = ec; }
        }
    }
    for (int k = 0; k < nq; k++) { j[k] = R->row0[q[k]]; je[k] = R->row0[q[k] + 1]; }
    uint32_t *p = R->parent;
    for (size_t i = R->row0[r]; i < R->row0[r + 1]; i++) {
        const int32_t a = R->x0[i], b = R->x1[i];
        uint32_t cur = UINT32_MAX;
        for (int k = 0; k < nq; k++) {
            const int ek = e[k];
            size_t jj = j[k];
            while (jj < je[k] && R->x1[jj] + ek <= a) jj++;
            j[k] = jj; /* the next run of this row starts further right */
            for (; jj < je[k] && R->x0[jj] < b + ek; jj++) {
                if (p[jj] == cur) continue; /* already in the current root's set */
                uint32_t rt = uf_find(p, (uint32_t)jj);
                if (cur == UINT32_MAX) cur = rt;
                else if (rt < cur) { p[cur] = rt; cur = rt; }
                else if (rt > cur) p[rt] = cur;
            }
        }
        if (cur != UINT32_MAX) p[i] = cur;
    }
}

tl_volume *tl_label(const tl_volume *mask, int connectivity, size_t *nlabels, tl_error *err)
{
    if (mask->dtype != TL_U8) { tl_err(err, "label: mask must be u8, got %s", tl_dtype_name(mask->dtype)); return NULL; }
    if (connectivity != 6 && connectivity != 18 && connectivity != 26) {
        tl_err(err, "label: connectivity must be 6, 18 or 26 (got %d)", connectivity);
        return NULL;
    }
    const size_t nz = mask->nz, ny = mask->ny, nx = mask->nx, nrows = nz * ny;
    if (nx > INT32_MAX - 1) { tl_err(err, "label: nx %zu too large", nx); return NULL; }
    const uint8_t *m = mask->data;
    size_t *row0 = malloc((nrows + 1) * sizeof *row0);
    if (!row0) { tl_err(err, "label: out of memory"); return NULL; }
    /* runs per row = rising edges, counted on the row's bits */
    const size_t nw = (nx + 63) / 64;
    int oom = 0;
    #pragma omp parallel reduction(| : oom)
    {
        uint64_t *bits = malloc(nw * sizeof *bits);
        if (!bits) oom = 1;
        #pragma omp for schedule(static)
        for (size_t r = 0; r < nrows; r++) {
            if (!bits) continue;
            row_bits(m + r * nx, nx, bits);
            size_t c = 0;
            for (size_t w = 0; w < nw; w++) c += (size_t)__builtin_popcountll(rises(bits, w));
            row0[r] = c;
        }
        free(bits);
    }
    if (oom) { free(row0); tl_err(err, "label: out of memory"); return NULL; }
    size_t total = 0;
    for (size_t r = 0; r < nrows; r++) { size_t c = row0[r]; row0[r] = total; total += c; }
    row0[nrows] = total;
    if (total >= UINT32_MAX) { free(row0); tl_err(err, "label: %zu runs exceed the 2^32 limit", total); return NULL; }
    int32_t *x0 = malloc((total + 1) * sizeof *x0), *x1 = malloc((total + 1) * sizeof *x1);
    uint32_t *parent = malloc((total + 1) * sizeof *parent);
    tl_volume *out = tl_vol_new_like(mask, TL_I32, err);
    if (!x0 || !x1 || !parent || !out) {
        free(row0); free(x0); free(x1); free(parent); tl_vol_unref(out);
        if (out) tl_err(err, "label: out of memory for %zu runs", total);
        return NULL;
    }
    /* run starts and ends from the edge bits (ctz walks only the edges) */
    #pragma omp parallel reduction(| : oom)
    {
        uint64_t *bits = malloc(nw * sizeof *bits);
        if (!bits) oom = 1;
        #pragma omp for schedule(static)
        for (size_t r = 0; r < nrows; r++) {
            if (!bits) continue;
            row_bits(m + r * nx, nx, bits);
            size_t a = row0[r], b = row0[r];
            for (size_t w = 0; w < nw; w++) {
                for (uint64_t e = rises(bits, w); e; e &= e - 1) x0[a++] = (int32_t)(w * 64 + (size_t)__builtin_ctzll(e));
                for (uint64_t e = falls(bits, w, nw); e; e &= e - 1) x1[b++] = (int32_t)(w * 64 + (size_t)__builtin_ctzll(e) + 1);
            }
            for (size_t k = row0[r]; k < row0[r + 1]; k++) parent[k] = (uint32_t)k;
        }
        free(bits);
    }
    if (oom) {
        free(row0); free(x0); free(x1); free(parent); tl_vol_unref(out);
        tl_err(err, "label: out of memory");
        return NULL;
    }
    runs_t R = {nz, ny, row0, x0, x1, parent};
    int nth = 1;
#ifdef _OPENMP
    nth = omp_get_max_threads();
#endif
    if ((size_t)nth > nz) nth = (int)nz;
    /* slabs: z in [nz*s/nth, nz*(s+1)/nth) */
    #pragma omp parallel for schedule(static, 1) num_threads(nth)
    for (int s = 0; s < nth; s++) {
        size_t za = nz * (size_t)s / (size_t)nth, zb = nz * (size_t)(s + 1) / (size_t)nth;
        for (size_t z = za; z < zb; z++)
            for (size_t y = 0; y < ny; y++) join_row_fresh(&R, z, y, connectivity, z > za);
    }
    /* seams: these runs already have parents, so general unions */
    for (int s = 1; s < nth; s++) {
        size_t za = nz * (size_t)s / (size_t)nth;
        for (size_t y = 0; y < ny; y++) join_row(&R, za, y, connectivity, 1);
    }
    /* links point to smaller indices, so one ascending pass resolves every
     * run to its root, and a second numbers roots in raster order and
     * rewrites each entry to its label (a root's entry is rewritten before
     * any of its members, which come later, read it) */
    for (size_t k = 0; k < total; k++) parent[k] = parent[parent[k]];
    uint32_t n = 0;
    for (size_t k = 0; k < total; k++) {
        uint32_t rt = parent[k];
        parent[k] = rt == k ? ++n : parent[rt];
    }
    int32_t *o = out->data;
    #pragma omp parallel for schedule(static)
    for (size_t r = 0; r < nrows; r++)
        for (size_t k = row0[r]; k < row0[r + 1]; k++) {
            int32_t lab = (int32_t)parent[k];
            for (int32_t x = x0[k]; x < x1[k]; x++) o[r * nx + (size_t)x] = lab;
        }
    free(row0); free(x0); free(x1); free(parent);
    if (n > INT32_MAX) { tl_vol_unref(out); tl_err(err, "label: %u components exceed the i32 range", n); return NULL; }
    if (nlabels) *nlabels = n;
    return out;
}

int tl_label_counts(const tl_volume *labels, size_t n, size_t *counts, tl_error *err)
{
    if (labels->dtype != TL_I32) return tl_err(err, "labels must be i32, got %s", tl_dtype_name(labels->dtype));
    memset(counts, 0, n * sizeof *counts);
    const int32_t *l = labels->data;
    size_t N = tl_vol_count(labels);
    for (size_t i = 0; i < N; i++) {
        int32_t v = l[i];
        if (v > 0 && (size_t)v <= n) counts[v - 1]++;
    }
    return 0;
}
