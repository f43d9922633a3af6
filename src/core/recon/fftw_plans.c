/* fftw_plans.c — FFTW plans made once per size, shared by every thread.
 *
 * FFTW's planner is not thread-safe, so every plan is made here under one
 * lock, before any parallel region uses it; execution with
 * fftwf_execute_dft on other (equally aligned) arrays is thread-safe.
 * Plans use FFTW_MEASURE and the wisdom is kept on disk, so the cost of
 * measuring is paid once per machine; TL_FFTW_ESTIMATE=1 switches to
 * FFTW_ESTIMATE (quick planning, for tests). */
#include "recon.h"

#include <errno.h>
#include <fftw3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct plan_entry {
    size_t n0, n1; /* n1 == 0: 1-D */
    size_t howmany, stride, dist; /* batched 1-D (howmany > 0) */
    int sign;
    fftwf_plan plan;
} plan_entry;

#define MAX_PLANS 64
static plan_entry plans[MAX_PLANS];
static int n_plans;
static int wisdom_loaded;
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

static int estimate_only(void)
{
    const char *e = getenv("TL_FFTW_ESTIMATE");
    return e && e[0] && strcmp(e, "0") != 0;
}

/* $XDG_CACHE_HOME/tomolith/fftwf-wisdom or ~/.cache/tomolith/fftwf-wisdom;
 * creates the folder when make_dir is set. 0 if no place is known. */
static int wisdom_path(char *buf, size_t n, int make_dir)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[4096];
    if (xdg && xdg[0]) snprintf(dir, sizeof dir, "%s/tomolith", xdg);
    else if (home && home[0]) snprintf(dir, sizeof dir, "%s/.cache/tomolith", home);
    else return 0;
    if (make_dir) {
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", dir);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) { *slash = 0; mkdir(parent, 0755); }
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) return 0;
    }
    return snprintf(buf, n, "%s/fftwf-wisdom", dir) < (int)n;
}

static void load_wisdom(void)
{
    char path[4200];
    if (wisdom_loaded) return;
    wisdom_loaded = 1;
    if (wisdom_path(path, sizeof path, 0)) fftwf_import_wisdom_from_filename(path);
}

/* Written to a temporary name and renamed, so two processes never leave a
 * torn file. Failure to save is not an error: wisdom is only a cache. */
static void save_wisdom(void)
{
    char path[4200], tmp[4300];
    if (!wisdom_path(path, sizeof path, 1)) return;
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    if (fftwf_export_wisdom_to_filename(tmp)) rename(tmp, path);
    else remove(tmp);
}

static void *get_plan(size_t n0, size_t n1, size_t howmany, size_t stride, size_t dist, int sign, tl_error *err)
{
    if (n0 == 0 || n0 > (1u << 20) || n1 > (1u << 20) || howmany > (1u << 24)) {
        tl_err(err, "fft: size %zu x %zu is out of range", n0, n1);
        return NULL;
    }
    pthread_mutex_lock(&plan_lock);
    for (int i = 0; i < n_plans; i++)
        if (plans[i].n0 == n0 && plans[i].n1 == n1 && plans[i].sign == sign && plans[i].howmany == howmany &&
            plans[i].stride == stride && plans[i].dist == dist) {
            pthread_mutex_unlock(&plan_lock);
            return plans[i].plan;
        }
    if (n_plans == MAX_PLANS) {
        pthread_mutex_unlock(&plan_lock);
        tl_err(err, "fft: more than %d different transform sizes in one session", MAX_PLANS);
        return NULL;
    }
    int est = estimate_only();
    if (!est) load_wisdom();
    /* the array the plan is measured on spans every element it touches */
    size_t total = howmany ? (n0 - 1) * stride + (howmany - 1) * dist + 1 : n1 ? n0 * n1 : n0;
    fftwf_complex *a = tl_fft_alloc(total);
    if (!a) {
        pthread_mutex_unlock(&plan_lock);
        tl_err(err, "fft: out of memory planning a transform of %zu points", total);
        return NULL;
    }
    unsigned flags = est ? FFTW_ESTIMATE : FFTW_MEASURE;
    fftwf_plan p;
    if (howmany) {
        int n = (int)n0;
        p = fftwf_plan_many_dft(1, &n, (int)howmany, a, NULL, (int)stride, (int)dist, a, NULL, (int)stride,
                                (int)dist, sign, flags);
    } else {
        p = n1 ? fftwf_plan_dft_2d((int)n0, (int)n1, a, a, sign, flags)
               : fftwf_plan_dft_1d((int)n0, a, a, sign, flags);
    }
    tl_fft_free(a);
    if (!p) {
        pthread_mutex_unlock(&plan_lock);
        tl_err(err, "fft: FFTW could not plan a transform of %zu x %zu", n0, n1 ? n1 : howmany);
        return NULL;
    }
    plans[n_plans++] = (plan_entry){n0, n1, howmany, stride, dist, sign, p};
    if (!est) save_wisdom();
    pthread_mutex_unlock(&plan_lock);
    return p;
}

void *tl_fft_plan_1d(size_t n, int sign, tl_error *err) { return get_plan(n, 0, 0, 0, 0, sign, err); }
void *tl_fft_plan_2d(size_t n0, size_t n1, int sign, tl_error *err)
{
    if (n1 == 0) { tl_err(err, "fft: 2-D size %zu x 0", n0); return NULL; }
    return get_plan(n0, n1, 0, 0, 0, sign, err);
}
void *tl_fft_plan_many(size_t n, size_t howmany, size_t stride, size_t dist, int sign, tl_error *err)
{
    if (howmany == 0) { tl_err(err, "fft: batch of 0 transforms"); return NULL; }
    return get_plan(n, 0, howmany, stride, dist, sign, err);
}

void tl_fft_exec(void *plan, void *data)
{
    fftwf_execute_dft((fftwf_plan)plan, data, data);
}

/* Large buffers (Gridrec's grid, the filtered lines) are 2 MB aligned and
 * asked to be backed by transparent huge pages: the column pass of the 2-D
 * FFT and the gridding jump a whole row (~20 KB) at a time, and with 4 KB
 * pages nearly every such step is a TLB miss. Small ones are 64-byte
 * aligned, enough for FFTW's SIMD (all arrays share that alignment, as the
 * plans require). */
#define HUGE_BYTES (2u << 20)
void *tl_fft_alloc(size_t n_complex)
{
    size_t bytes = n_complex * sizeof(fftwf_complex);
    void *p = NULL;
    size_t align = bytes >= 4 * (size_t)HUGE_BYTES ? HUGE_BYTES : 64;
    if (posix_memalign(&p, align, bytes ? bytes : 1)) return NULL;
#ifdef MADV_HUGEPAGE
    if (align == HUGE_BYTES) madvise(p, (bytes + HUGE_BYTES - 1) / HUGE_BYTES * HUGE_BYTES, MADV_HUGEPAGE);
#endif
    memset(p, 0, bytes);
    return p;
}

void tl_fft_free(void *p) { free(p); }

size_t tl_fft_good_size(size_t n)
{
    for (size_t m = n < 2 ? 2 : n;; m++) {
        size_t r = m;
        for (int f = 2; f <= 7; f++)
            while (r % (size_t)f == 0) r /= (size_t)f;
        if (r == 1) return m;
    }
}
