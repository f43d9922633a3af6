/* check_dxchange.c — Data Exchange reading and the streamed HDF5 writer. */
#include "tl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/dxchange.h"
#include "io/h5_writer.h"

/* Writes a small scan: data[a][r][c] = a*1000 + r*10 + c, 3 flats, 2 darks. */
static void write_scan(const char *path, int with_theta, size_t ntheta_written)
{
    tl_error e;
    double vox[3] = {1, 1, 1};
    tl_h5_writer *w = tl_h5_writer_open(path, "/exchange/data", TL_U16, 6, 4, 5, vox, &e);
    ck_assert_msg(w != NULL, "%s", e.msg);
    tl_volume *b = tl_vol_new(TL_U16, 3, 4, 5, &e);
    for (size_t blk = 0; blk < 2; blk++) {
        for (size_t a = 0; a < 3; a++)
            for (size_t r = 0; r < 4; r++)
                for (size_t c = 0; c < 5; c++) tl_vol_put(b, a, r, c, (double)((blk * 3 + a) * 1000 + r * 10 + c));
        ck_assert_int_eq(tl_h5_writer_put(w, blk * 3, b, &e), 0);
    }
    tl_volume *fl = tl_vol_new(TL_U16, 3, 4, 5, &e), *dk = tl_vol_new(TL_U16, 2, 4, 5, &e);
    ck_assert_int_eq(tl_h5_writer_add(w, "/exchange/data_white", fl, &e), 0);
    ck_assert_int_eq(tl_h5_writer_add(w, "/exchange/data_dark", dk, &e), 0);
    if (with_theta) {
        tl_volume *th = tl_vol_new(TL_F64, 1, 1, ntheta_written, &e);
        for (size_t i = 0; i < ntheta_written; i++) tl_vol_put(th, 0, 0, i, 30.0 * (double)i);
        ck_assert_int_eq(tl_h5_writer_add(w, "/exchange/theta", th, &e), 0);
        tl_vol_unref(th);
    }
    tl_volume *px = tl_vol_new(TL_F64, 1, 1, 1, &e);
    tl_vol_put(px, 0, 0, 0, 1.7);
    ck_assert_int_eq(tl_h5_writer_add(w, "/measurement/instrument/detector/pixel_size", px, &e), 0);
    ck_assert_int_eq(tl_h5_writer_close(w, &e), 0);
    tl_vol_unref(b); tl_vol_unref(fl); tl_vol_unref(dk); tl_vol_unref(px);
}

START_TEST(test_roundtrip)
{
    char path[] = "/tmp/tl_dx_XXXXXX.h5";
    int fd = mkstemps(path, 3);
    close(fd);
    write_scan(path, 1, 6);
    tl_error e;
    tl_dxchange *d = tl_dxchange_open(path, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    const tl_dxchange_info *in = tl_dxchange_get_info(d);
    ck_assert_uint_eq(in->n_angles, 6); ck_assert_uint_eq(in->n_rows, 4); ck_assert_uint_eq(in->n_cols, 5);
    ck_assert_uint_eq(in->n_flat, 3); ck_assert_uint_eq(in->n_dark, 2);
    ck_assert_int_eq(in->dtype, TL_U16);
    ck_assert_double_eq(in->pixel_um, 1.7);
    ck_assert_double_eq(tl_dxchange_theta_deg(d)[5], 150.0);
    tl_volume *v = tl_dxchange_read_rows(d, TL_DX_DATA, 1, 3, &e);
    ck_assert_msg(v != NULL, "%s", e.msg);
    ck_assert_uint_eq(v->nz, 6); ck_assert_uint_eq(v->ny, 2);
    ck_assert_double_eq(tl_vol_get(v, 4, 1, 3), 4000 + 20 + 3);
    ck_assert_ptr_null(tl_dxchange_read_rows(d, TL_DX_DATA, 3, 5, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "outside the detector's 1..4 rows"));
    tl_vol_unref(v);
    tl_dxchange_close(d);
    unlink(path);
}
END_TEST

START_TEST(test_bad_files)
{
    tl_error e;
    ck_assert_ptr_null(tl_dxchange_open("/nonexistent/scan.h5", &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot open '/nonexistent/scan.h5'"));
    char path[] = "/tmp/tl_dx_XXXXXX.h5";
    int fd = mkstemps(path, 3);
    ck_assert_int_eq(write(fd, "not hdf5 at all", 15), 15);
    close(fd);
    ck_assert_ptr_null(tl_dxchange_open(path, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "is not an HDF5 file"));
    write_scan(path, 1, 5);
    ck_assert_ptr_null(tl_dxchange_open(path, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "/exchange/theta has 5 angles but /exchange/data has 6"));
    write_scan(path, 0, 0);
    tl_dxchange *d = tl_dxchange_open(path, &e);
    ck_assert_ptr_nonnull(d);
    ck_assert_double_eq(tl_dxchange_theta_deg(d)[3], 90.0);
    tl_dxchange_close(d);
    unlink(path);
}
END_TEST

START_TEST(test_writer_abort_leaves_nothing)
{
    tl_error e;
    const char *path = "/tmp/tl_dx_abort_test.h5";
    unlink(path);
    tl_h5_writer *w = tl_h5_writer_open(path, "/volume", TL_F32, 4, 3, 3, NULL, &e);
    ck_assert_ptr_nonnull(w);
    tl_volume *b = tl_vol_new(TL_U8, 1, 3, 3, &e);
    ck_assert_int_eq(tl_h5_writer_put(w, 0, b, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "block is u8 but the dataset is f32"));
    tl_h5_writer_abort(w);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_ptr_null(tl_h5_writer_open("/nonexistent-dir/x.h5", "/v", TL_F32, 1, 1, 1, NULL, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "folder '/nonexistent-dir' does not exist"));
    tl_vol_unref(b);
}
END_TEST

START_TEST(test_tooth)
{
    const char *p = tl_test_shared("tomo/tooth.h5");
    if (!p) return;
    tl_error e;
    tl_dxchange *d = tl_dxchange_open(p, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    const tl_dxchange_info *in = tl_dxchange_get_info(d);
    ck_assert_uint_eq(in->n_angles, 181); ck_assert_uint_eq(in->n_rows, 2); ck_assert_uint_eq(in->n_cols, 640);
    ck_assert_uint_eq(in->n_flat, 10); ck_assert_uint_eq(in->n_dark, 10);
    ck_assert_int_eq(in->dtype, TL_F32);
    ck_assert(in->theta_from_file);
    ck_assert_close(tl_dxchange_theta_deg(d)[180], 179.006, 1e-4);
    tl_volume *w = tl_dxchange_read_rows(d, TL_DX_WHITE, 0, 1, &e);
    ck_assert_msg(w != NULL, "%s", e.msg);
    ck_assert_uint_eq(w->nz, 10);
    tl_vol_unref(w);
    tl_dxchange_close(d);
}
END_TEST

Suite *suite_dxchange(void)
{
    Suite *s = suite_create("dxchange");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_bad_files);
    tcase_add_test(tc, test_writer_abort_leaves_nothing);
    tcase_add_test(tc, test_tooth);
    suite_add_tcase(s, tc);
    return s;
}
