/* bench_recon_stream.c — peak memory while streaming a reconstruction whose
 * output is >= 4 GB (issue 4: target < 1 GB with the default block).
 * Writes a synthetic Data Exchange scan to $TMPDIR (360 angles x 256 rows x
 * 2048 columns, u16, ~0.4 GB; chunked by 8 rows), reconstructs all rows to
 * an HDF5 file (256 x 2048 x 2048 f32 = 4.3 GB), reports VmHWM and the
 * time, and deletes both files. Built and run by bench_recon_stream.sh. */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "recon/phantom_radon.h"
#include "recon/reconstruct.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long vm_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key))) v = atol(line + strlen(key) + 1);
    if (f) fclose(f);
    return v;
}

static int write_scan(const char *path, size_t na, size_t rows, size_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return -1;
    hid_t g = H5Gcreate2(f, "/exchange", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char *names[3] = {"/exchange/data", "/exchange/data_white", "/exchange/data_dark"};
    size_t counts[3] = {na, 5, 2};
    const tl_ellipse *e;
    size_t ne;
    tl_phantom_get("shepp", &e, &ne);
    uint16_t *frame = malloc(sizeof(uint16_t) * rows * n);
    float *line = malloc(sizeof(float) * n);
    for (int d = 0; d < 3; d++) {
        hsize_t dims[3] = {counts[d], rows, n}, chunk[3] = {counts[d], 8, n};
        hid_t sp = H5Screate_simple(3, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 3, chunk);
        hid_t ds = H5Dcreate2(f, names[d], H5T_NATIVE_UINT16, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        for (size_t k = 0; k < counts[d]; k++) {
            double th = M_PI * (double)k / (double)na;
            if (d == 0)
                for (size_t c = 0; c < n; c++)
                    line[c] = (float)tl_phantom_radon(e, ne, 0.45 * (double)n, th, (double)c - (double)(n / 2) - 0.3);
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < n; c++)
                    frame[r * n + c] = d == 0 ? (uint16_t)lround(100 + 60000 * exp(-0.002 * line[c]))
                                              : d == 1 ? 60100 : 100;
            hsize_t start[3] = {k, 0, 0}, cnt[3] = {1, rows, n};
            hid_t ms = H5Screate_simple(3, cnt, NULL);
            H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, cnt, NULL);
            H5Dwrite(ds, H5T_NATIVE_UINT16, ms, sp, H5P_DEFAULT, frame);
            H5Sclose(ms);
        }
        H5Dclose(ds); H5Pclose(dcpl); H5Sclose(sp);
    }
    free(frame); free(line);
    H5Gclose(g);
    return H5Fclose(f) < 0 ? -1 : 0;
}

int main(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char scan[512], out[512];
    snprintf(scan, sizeof scan, "%s/tl_bench_scan_%ld.h5", tmp, (long)getpid());
    snprintf(out, sizeof out, "%s/tl_bench_rec_%ld.h5", tmp, (long)getpid());
    size_t na = 360, rows = getenv("TL_BENCH_ROWS") ? (size_t)atol(getenv("TL_BENCH_ROWS")) : 256, n = 2048;
    double t0 = now();
    if (write_scan(scan, na, rows, n)) { fprintf(stderr, "cannot write %s\n", scan); return 1; }
    printf("synthetic scan %zu x %zu x %zu u16 written in %.1f s (VmHWM so far %ld MB)\n", na, rows, n,
           now() - t0, vm_kb("VmHWM:") / 1024);
    tl_error err;
    tl_dxchange *d = tl_dxchange_open(scan, &err);
    if (!d) { fprintf(stderr, "%s\n", err.msg); unlink(scan); return 1; }
    tl_recon_source s = {.dx = d};
    tl_recon_opts o;
    tl_recon_defaults(&o);
    o.grid.center = (double)(n / 2) + 0.3;
    o.pixel_um = 1.0;
    o.output = out;
    tl_volume *v = NULL;
    double c;
    t0 = now();
    int rc = tl_reconstruct(&s, &o, &v, &c, &err);
    double dt = now() - t0;
    struct stat st;
    long long bytes = stat(out, &st) == 0 ? (long long)st.st_size : -1;
    if (rc) fprintf(stderr, "reconstruct: %s\n", err.msg);
    else
        printf("reconstructed %zu slices of %zu x %zu to %s (%.2f GB) in %.1f s (%.3f s/slice), block %zu\n", rows, n,
               n, out, (double)bytes / 1e9, dt, dt / (double)rows, o.block);
    printf("peak RSS (VmHWM): %ld MB\n", vm_kb("VmHWM:") / 1024);
    tl_dxchange_close(d);
    unlink(scan);
    unlink(out);
    return rc ? 1 : 0;
}
