/* check_seg.c — labelling against a flood-fill reference, morphology,
 * filters, multi-Otsu and region statistics on hand-computable cases. */
#include "tl_test.h"
#include "seg/seg.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

static tl_volume *random_mask(size_t nz, size_t ny, size_t nx, double p, uint64_t seed)
{
    tl_error e;
    tl_volume *m = tl_vol_new(TL_U8, nz, ny, nx, &e);
    uint8_t *d = m->data;
    for (size_t i = 0; i < tl_vol_count(m); i++) d[i] = tl_test_uniform(&seed) < p;
    return m;
}

/* Reference: flood fill from each unlabelled voxel in raster order. */
static int32_t *flood_labels(const tl_volume *m, int conn, size_t *n)
{
    size_t nz = m->nz, ny = m->ny, nx = m->nx, N = tl_vol_count(m);
    const uint8_t *d = m->data;
    int32_t *L = calloc(N, sizeof *L);
    size_t *stack = malloc(N * sizeof *stack);
    int32_t next = 0;
    for (size_t s = 0; s < N; s++) {
        if (!d[s] || L[s]) continue;
        L[s] = ++next;
        size_t top = 0;
        stack[top++] = s;
        while (top) {
            size_t i = stack[--top];
            long z = (long)(i / (ny * nx)), y = (long)(i / nx % ny), x = (long)(i % nx);
            for (int dz = -1; dz <= 1; dz++)
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int k = abs(dz) + abs(dy) + abs(dx);
                        if (k == 0 || (conn == 6 && k > 1) || (conn == 18 && k > 2)) continue;
                        long zz = z + dz, yy = y + dy, xx = x + dx;
                        if (zz < 0 || yy < 0 || xx < 0 || zz >= (long)nz || yy >= (long)ny || xx >= (long)nx) continue;
                        size_t j = ((size_t)zz * ny + (size_t)yy) * nx + (size_t)xx;
                        if (d[j] && !L[j]) { L[j] = next; stack[top++] = j; }
                    }
        }
    }
    free(stack);
    *n = (size_t)next;
    return L;
}

START_TEST(test_label_matches_flood_fill)
{
    static const size_t shapes[][3] = {{1, 1, 1}, {1, 7, 9}, {3, 1, 17}, {5, 6, 7}, {9, 13, 11}, {16, 16, 16}, {4, 31, 2}};
    static const int conns[] = {6, 18, 26};
    tl_error e;
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int c = 0; c < 3; c++)
            for (double p = 0.2; p < 0.9; p += 0.3) {
                tl_volume *m = random_mask(shapes[s][0], shapes[s][1], shapes[s][2], p, 11 + s);
                size_t n, nref;
                int32_t *ref = flood_labels(m, conns[c], &nref);
                for (int t = 1; t <= 2; t++) {
                    omp_set_num_threads(t);
                    tl_volume *l = tl_label(m, conns[c], &n, &e);
                    ck_assert_ptr_nonnull(l);
                    ck_assert_uint_eq(n, nref);
                    ck_assert_msg(memcmp(l->data, ref, tl_vol_count(m) * 4) == 0, "labels differ: shape %zu conn %d p %.1f threads %d",
                                  s, conns[c], p, t);
                    tl_vol_unref(l);
                }
                free(ref);
                tl_vol_unref(m);
            }
    omp_set_num_threads(1);
}
END_TEST

START_TEST(test_label_threads_large)
{
    /* many slabs with components crossing the seams */
    tl_volume *m = random_mask(40, 30, 50, 0.35, 99);
    tl_error e;
    size_t n1, n4;
    omp_set_num_threads(1);
    tl_volume *a = tl_label(m, 26, &n1, &e);
    omp_set_num_threads(4);
    tl_volume *b = tl_label(m, 26, &n4, &e);
    omp_set_num_threads(1);
    ck_assert_uint_eq(n1, n4);
    ck_assert_int_eq(memcmp(a->data, b->data, tl_vol_bytes(a)), 0);
    ck_assert_int_eq(tl_label(m, 8, &n1, &e) == NULL, 1);
    ck_assert_ptr_nonnull(strstr(e.msg, "6, 18 or 26"));
    tl_vol_unref(a); tl_vol_unref(b); tl_vol_unref(m);
}
END_TEST

static size_t count_on(const tl_volume *m)
{
    size_t c = 0;
    const uint8_t *d = m->data;
    for (size_t i = 0; i < tl_vol_count(m); i++) c += d[i] != 0;
    return c;
}

START_TEST(test_morphology_ball)
{
    tl_error e;
    for (int r = 1; r <= 4; r++) {
        size_t n = 2 * (size_t)r + 5;
        tl_volume *m = tl_vol_new(TL_U8, n, n, n, &e);
        size_t c = n / 2;
        tl_vol_put(m, c, c, c, 1);
        tl_volume *d = tl_morphology(m, TL_MORPH_DILATE, r, &e);
        size_t lattice = 0;
        for (int z = -r; z <= r; z++) for (int y = -r; y <= r; y++) for (int x = -r; x <= r; x++) lattice += x * x + y * y + z * z <= r * r;
        ck_assert_uint_eq(count_on(d), lattice);
        ck_assert_int_eq((int)tl_vol_get(d, c, c, c + (size_t)r), 1);
        ck_assert_int_eq((int)tl_vol_get(d, c, c + 1, c + (size_t)r), 0);
        /* eroding the ball by the same ball leaves its centre */
        tl_volume *er = tl_morphology(d, TL_MORPH_ERODE, r, &e);
        ck_assert_uint_eq(count_on(er), 1);
        ck_assert_int_eq((int)tl_vol_get(er, c, c, c), 1);
        /* opening removes an object smaller than the ball and keeps the ball */
        tl_volume *op = tl_morphology(m, TL_MORPH_OPEN, r, &e), *ob = tl_morphology(d, TL_MORPH_OPEN, r, &e);
        ck_assert_uint_eq(count_on(op), 0);
        ck_assert_int_eq(memcmp(ob->data, d->data, tl_vol_bytes(d)), 0);
        tl_vol_unref(m); tl_vol_unref(d); tl_vol_unref(er); tl_vol_unref(op); tl_vol_unref(ob);
    }
    /* a full volume does not erode from the crop boundary */
    tl_volume *f = tl_vol_new(TL_U8, 6, 6, 6, &e);
    memset(f->data, 1, 216);
    tl_volume *fe = tl_morphology(f, TL_MORPH_ERODE, 2, &e);
    ck_assert_uint_eq(count_on(fe), 216);
    /* closing bridges a one-voxel gap between two slabs */
    tl_volume *two = tl_vol_new(TL_U8, 8, 8, 9, &e);
    for (size_t z = 0; z < 8; z++) for (size_t y = 0; y < 8; y++) for (size_t x = 0; x < 9; x++) tl_vol_put(two, z, y, x, x != 4);
    tl_volume *cl = tl_morphology(two, TL_MORPH_CLOSE, 1, &e);
    ck_assert_uint_eq(count_on(cl), 8 * 8 * 9);
    tl_vol_unref(f); tl_vol_unref(fe); tl_vol_unref(two); tl_vol_unref(cl);
}
END_TEST

START_TEST(test_fill_holes_remove_small)
{
    tl_error e;
    tl_volume *m = tl_vol_new(TL_U8, 9, 9, 9, &e);
    for (size_t z = 1; z < 8; z++) for (size_t y = 1; y < 8; y++) for (size_t x = 1; x < 8; x++)
        tl_vol_put(m, z, y, x, (z == 1 || z == 7 || y == 1 || y == 7 || x == 1 || x == 7));
    size_t shell = count_on(m);
    tl_volume *f = tl_fill_holes(m, &e);
    ck_assert_uint_eq(count_on(f), 7 * 7 * 7);
    ck_assert_uint_eq(shell, 7 * 7 * 7 - 5 * 5 * 5);
    /* a hole open to the boundary stays */
    tl_vol_put(m, 4, 4, 1, 0);
    tl_vol_put(m, 4, 4, 0, 0);
    tl_volume *g = tl_fill_holes(m, &e);
    ck_assert_uint_eq(count_on(g), shell - 1);
    /* remove_small: shell (218 voxels) stays, a lone voxel goes */
    tl_vol_put(m, 0, 8, 8, 1);
    size_t removed;
    tl_volume *r = tl_remove_small(m, 10, 6, &removed, &e); /* (26 would join it to the shell's corner) */
    ck_assert_uint_eq(removed, 1);
    ck_assert_uint_eq(count_on(r), shell - 1);
    tl_vol_unref(m); tl_vol_unref(f); tl_vol_unref(g); tl_vol_unref(r);
}
END_TEST

START_TEST(test_filters)
{
    tl_error e;
    tl_volume *v = tl_vol_new(TL_F32, 9, 10, 11, &e);
    float *d = v->data;
    for (size_t i = 0; i < tl_vol_count(v); i++) d[i] = 2.0f;
    tl_vol_put(v, 4, 5, 5, 100.0);
    tl_volume *m = tl_median3d(v, 1, -1, &e);
    for (size_t i = 0; i < tl_vol_count(m); i++) ck_assert_float_eq(((float *)m->data)[i], 2.0f);
    tl_vol_unref(m);
    /* Gaussian of an impulse: separable product of normalised 1D kernels; sum preserved */
    memset(d, 0, tl_vol_bytes(v));
    tl_vol_put(v, 4, 5, 5, 1.0);
    double sig[3] = {1.0, 1.0, 1.5};
    tl_volume *g = tl_gaussian(v, sig, &e);
    double s = 0;
    for (size_t i = 0; i < tl_vol_count(g); i++) s += ((float *)g->data)[i];
    ck_assert_double_eq_tol(s, 1.0, 2e-3); /* tails beyond the small box are replicated, not lost: near 1 */
    double k0 = 0;
    for (int i = -4; i <= 4; i++) k0 += exp(-0.5 * i * i);
    double k0x = 0;
    for (int i = -6; i <= 6; i++) k0x += exp(-0.5 * i * i / 2.25);
    ck_assert_double_eq_tol(tl_vol_get(g, 4, 5, 5), 1.0 / (k0 * k0 * k0x), 1e-6);
    ck_assert_double_eq_tol(tl_vol_get(g, 5, 5, 6), exp(-0.5) * exp(-0.5 / 2.25) / (k0 * k0 * k0x), 1e-6);
    double zero[3] = {0, 0, 0};
    tl_volume *g0 = tl_gaussian(v, zero, &e);
    ck_assert_int_eq(memcmp(g0->data, v->data, tl_vol_bytes(v)), 0);
    tl_vol_put(v, 1, 1, 1, NAN);
    ck_assert_ptr_null(tl_median3d(v, 1, -1, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "NaN"));
    tl_vol_unref(g); tl_vol_unref(g0); tl_vol_unref(v);
}
END_TEST

START_TEST(test_otsu_classes)
{
    tl_error e;
    static const float levels[4] = {0.2f, 1.0f, 3.0f, 8.0f};
    tl_volume *v = tl_vol_new(TL_F32, 8, 20, 20, &e);
    float *d = v->data;
    uint64_t seed = 3;
    for (size_t i = 0; i < tl_vol_count(v); i++) d[i] = levels[(i / 800) % 4] + (float)(0.05 * (tl_test_uniform(&seed) - 0.5));
    for (int K = 2; K <= 4; K++) {
        tl_otsu_opts o = {0, 8, 0, 20, 0, 20, NULL, K, 256};
        tl_otsu_result r;
        ck_assert_int_eq(tl_otsu(v, &o, &r, &e), 0);
        if (K == 4) {
            for (int k = 0; k < 3; k++)
                ck_assert_msg(r.thresholds[k] > levels[k] + 0.025 && r.thresholds[k] < levels[k + 1] - 0.025, "t%d = %g", k, r.thresholds[k]);
            for (int k = 0; k < 4; k++) ck_assert_double_eq_tol(r.means[k], levels[k], 0.02);
            ck_assert_double_eq_tol(r.weights[0], 0.25, 1e-12);
        }
        ck_assert(r.separability > 0.7);
    }
    /* roi: only the two low classes -> one threshold between them */
    tl_volume *roi = tl_vol_new(TL_U8, 8, 20, 20, &e);
    for (size_t i = 0; i < tl_vol_count(v); i++) ((uint8_t *)roi->data)[i] = (i / 800) % 4 < 2;
    tl_otsu_opts o = {0, 8, 0, 20, 0, 20, roi, 2, 256};
    tl_otsu_result r;
    ck_assert_int_eq(tl_otsu(v, &o, &r, &e), 0);
    ck_assert_msg(r.thresholds[0] > 0.225 && r.thresholds[0] < 0.975, "t = %g", r.thresholds[0]);
    memset(roi->data, 0, tl_vol_count(roi));
    ck_assert_int_eq(tl_otsu(v, &o, &r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "empty roi"));
    o.mask = NULL; o.classes = 5;
    ck_assert_int_eq(tl_otsu(v, &o, &r, &e), -1);
    tl_vol_unref(roi); tl_vol_unref(v);
}
END_TEST

START_TEST(test_region_stats)
{
    tl_error e;
    tl_volume *m = tl_vol_new(TL_U8, 6, 6, 6, &e);
    tl_vol_set_voxel(m, 2, 1, 1);
    for (size_t z = 1; z < 3; z++) for (size_t y = 1; y < 4; y++) for (size_t x = 2; x < 4; x++) tl_vol_put(m, z, y, x, 1);
    tl_vol_put(m, 5, 5, 5, 1);
    size_t n;
    tl_volume *l = tl_label(m, 6, &n, &e);
    tl_volume *in = tl_vol_new(TL_F32, 6, 6, 6, &e);
    for (size_t i = 0; i < 216; i++) ((float *)in->data)[i] = (float)(i % 6); /* = x */
    tl_regionstats s;
    ck_assert_int_eq(tl_region_stats(l, in, &s, &e), 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_uint_eq(s.voxels[0], 12);
    ck_assert_double_eq_tol(s.volume_um3[0], 24, 1e-12);
    ck_assert_double_eq_tol(s.centroid_um[0], 2.0 * 2, 1e-12);  /* z centre 2.0 voxels * 2 µm */
    ck_assert_double_eq_tol(s.centroid_um[1], 2.5, 1e-12);
    ck_assert_double_eq_tol(s.centroid_um[2], 3.0, 1e-12);
    ck_assert_int_eq(s.bbox[0], 1); ck_assert_int_eq(s.bbox[1], 3);
    ck_assert_int_eq(s.bbox[4], 2); ck_assert_int_eq(s.bbox[5], 4);
    ck_assert_double_eq_tol(s.mean_intensity[0], 2.5, 1e-12);
    ck_assert_double_eq_tol(s.mean_intensity[1], 5, 1e-12);
    tl_regionstats_free(&s);
    tl_volume *bad = tl_vol_new(TL_F32, 6, 6, 5, &e);
    ck_assert_int_eq(tl_region_stats(l, bad, &s, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "intensity"));
    tl_vol_unref(bad); tl_vol_unref(in); tl_vol_unref(l); tl_vol_unref(m);
}
END_TEST

Suite *suite_seg(void)
{
    Suite *s = suite_create("seg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_label_matches_flood_fill);
    tcase_add_test(tc, test_label_threads_large);
    tcase_add_test(tc, test_morphology_ball);
    tcase_add_test(tc, test_fill_holes_remove_small);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_otsu_classes);
    tcase_add_test(tc, test_region_stats);
    suite_add_tcase(s, tc);
    return s;
}
