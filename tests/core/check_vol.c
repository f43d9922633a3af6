/* check_vol.c — volumes: allocation, access, crop/slice, dtype, stats, maths. */
#include "tl_test.h"

#include <stdlib.h>
#include <string.h>

static tl_volume *ramp(tl_dtype dt, size_t nz, size_t ny, size_t nx)
{
    tl_error e;
    tl_volume *v = tl_vol_new(dt, nz, ny, nx, &e);
    ck_assert_ptr_nonnull(v);
    for (size_t z = 0; z < nz; z++)
        for (size_t y = 0; y < ny; y++)
            for (size_t x = 0; x < nx; x++) tl_vol_put(v, z, y, x, (double)(z * 100 + y * 10 + x));
    return v;
}

START_TEST(test_new_aligned)
{
    tl_error e;
    for (int d = 0; d < TL_NDTYPES; d++)
        for (size_t n = 1; n < 32; n += 5) {
            tl_volume *v = tl_vol_new((tl_dtype)d, n, n + 1, n + 2, &e);
            ck_assert_ptr_nonnull(v);
            ck_assert_uint_eq((uintptr_t)v->data % 64, 0);
            ck_assert_double_eq(tl_vol_get(v, n - 1, n, n + 1), 0.0);
            tl_vol_unref(v);
        }
    ck_assert_ptr_null(tl_vol_new(TL_F32, 0, 3, 3, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "empty axis"));
}
END_TEST

START_TEST(test_live_bytes)
{
    tl_error e;
    size_t before = tl_vol_live_bytes();
    tl_volume *v = tl_vol_new(TL_F32, 4, 4, 4, &e);
    ck_assert_uint_ge(tl_vol_live_bytes(), before + 256);
    tl_vol_ref(v);
    tl_vol_unref(v);
    ck_assert_uint_ge(tl_vol_live_bytes(), before + 256);
    tl_vol_unref(v);
    ck_assert_uint_eq(tl_vol_live_bytes(), before);
}
END_TEST

START_TEST(test_put_clamps)
{
    tl_volume *v = ramp(TL_U8, 1, 1, 3);
    tl_vol_put(v, 0, 0, 0, 300);
    tl_vol_put(v, 0, 0, 1, -4);
    tl_vol_put(v, 0, 0, 2, 2.6);
    ck_assert_double_eq(tl_vol_get(v, 0, 0, 0), 255);
    ck_assert_double_eq(tl_vol_get(v, 0, 0, 1), 0);
    ck_assert_double_eq(tl_vol_get(v, 0, 0, 2), 3);
    tl_vol_unref(v);
}
END_TEST

START_TEST(test_crop_slice)
{
    tl_error e;
    tl_volume *v = ramp(TL_F32, 5, 6, 7);
    tl_vol_set_voxel(v, 1.7, 1.5, 1.3);
    tl_volume *c = tl_vol_crop(v, 1, 3, 2, 5, 3, 7, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->nz, 2); ck_assert_uint_eq(c->ny, 3); ck_assert_uint_eq(c->nx, 4);
    ck_assert_double_eq(tl_vol_get(c, 0, 0, 0), 123);
    ck_assert_double_eq(tl_vol_get(c, 1, 2, 3), 246);
    ck_assert_double_eq(c->voxel_um[0], 1.7);
    ck_assert_ptr_null(tl_vol_crop(v, 0, 6, 0, 1, 0, 1, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "outside the volume (5, 6, 7)"));
    tl_volume *sy = tl_vol_slice(v, 1, 2, &e);
    ck_assert_uint_eq(sy->ny, 5); ck_assert_uint_eq(sy->nx, 7);
    ck_assert_double_eq(tl_vol_get(sy, 0, 4, 6), 426);
    ck_assert_double_eq(sy->voxel_um[1], 1.7);
    tl_volume *sx = tl_vol_slice(v, 2, 6, &e);
    ck_assert_double_eq(tl_vol_get(sx, 0, 3, 5), 356);
    ck_assert_ptr_null(tl_vol_slice(v, 0, 5, &e));
    tl_vol_unref(c); tl_vol_unref(sy); tl_vol_unref(sx); tl_vol_unref(v);
}
END_TEST

START_TEST(test_astype_stats)
{
    tl_error e;
    tl_volume *v = ramp(TL_U16, 3, 4, 5);
    tl_volume *f = tl_vol_astype(v, TL_F32, 0.5, 1, &e);
    ck_assert_double_eq(tl_vol_get(f, 2, 3, 4), 234 * 0.5 + 1);
    tl_stats s;
    ck_assert_int_eq(tl_vol_stats(v, NULL, 10, &s, &e), 0);
    ck_assert_double_eq(s.min, 0);
    ck_assert_double_eq(s.max, 234);
    ck_assert_uint_eq(s.count, 60);
    double sum = 0, sq = 0;
    for (size_t i = 0; i < 60; i++) { double x = tl_vol_get(v, i / 20, (i / 5) % 4, i % 5); sum += x; }
    double mean = sum / 60;
    for (size_t i = 0; i < 60; i++) { double x = tl_vol_get(v, i / 20, (i / 5) % 4, i % 5); sq += (x - mean) * (x - mean); }
    ck_assert_close(s.mean, mean, 1e-12);
    ck_assert_close(s.std, sqrt(sq / 60), 1e-12);
    size_t tot = 0;
    for (size_t i = 0; i < 10; i++) tot += s.hist[i];
    ck_assert_uint_eq(tot, 60);
    free(s.hist);
    tl_volume *m = tl_vol_new_like(v, TL_U8, &e);
    ck_assert_int_eq(tl_vol_stats(v, m, 0, &s, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "empty mask"));
    tl_vol_unref(m); tl_vol_unref(f); tl_vol_unref(v);
}
END_TEST

START_TEST(test_binop)
{
    tl_error e;
    tl_volume *a = ramp(TL_U16, 2, 3, 4), *b = ramp(TL_F32, 2, 3, 4);
    tl_volume *s = tl_vol_binop(a, b, TL_OP_ADD, &e);
    ck_assert_int_eq(s->dtype, TL_F32);
    ck_assert_double_eq(tl_vol_get(s, 1, 2, 3), 246);
    tl_volume *m = tl_vol_binop_scalar(a, 100, TL_OP_GE, 0, &e);
    ck_assert_int_eq(m->dtype, TL_U8);
    ck_assert_double_eq(tl_vol_get(m, 0, 2, 3), 0);
    ck_assert_double_eq(tl_vol_get(m, 1, 0, 0), 1);
    tl_volume *d = tl_vol_binop_scalar(a, 1, TL_OP_DIV, 1, &e);
    ck_assert(isinf(tl_vol_get(d, 0, 0, 0)));
    tl_volume *c = ramp(TL_F32, 2, 3, 5);
    ck_assert_ptr_null(tl_vol_binop(a, c, TL_OP_MUL, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "shape mismatch"));
    tl_vol_unref(a); tl_vol_unref(b); tl_vol_unref(s); tl_vol_unref(m); tl_vol_unref(d); tl_vol_unref(c);
}
END_TEST

Suite *suite_vol(void)
{
    Suite *s = suite_create("vol");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_new_aligned);
    tcase_add_test(tc, test_live_bytes);
    tcase_add_test(tc, test_put_clamps);
    tcase_add_test(tc, test_crop_slice);
    tcase_add_test(tc, test_astype_stats);
    tcase_add_test(tc, test_binop);
    suite_add_tcase(s, tc);
    return s;
}
