/* check_util.c — shared test helpers and the error/record utilities. */
#include "tl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tl_test_shared(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("TL_SHARED");
    snprintf(buf, sizeof buf, "%s/data/%s", root ? root : "../shared", rel);
    if (access(buf, R_OK) == 0) return buf;
    fprintf(stderr, "skip: %s not found (../shared/data is absent)\n", buf);
    return NULL;
}

START_TEST(test_err_prefix)
{
    tl_error e;
    tl_err(&e, "dataset '%s' not found", "/exchange/data");
    tl_err_prefix(&e, "reading '%s': ", "a.h5");
    ck_assert_str_eq(e.msg, "reading 'a.h5': dataset '/exchange/data' not found");
}
END_TEST

START_TEST(test_record)
{
    tl_record *r = tl_record_new();
    double xs[3] = {1, 2, 3};
    ck_assert_int_eq(tl_rec_number(r, "area_mm2", 0.42), 0);
    ck_assert_int_eq(tl_rec_numbers(r, "xs", xs, 3), 0);
    ck_assert_int_eq(tl_rec_string(r, "name", "top"), 0);
    const tl_value *v = tl_record_get(r, "xs");
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->type, TL_T_NUMBERS);
    ck_assert_uint_eq(v->u.nums.n, 3);
    ck_assert_ptr_null(tl_record_get(r, "missing"));
    tl_record_free(r);
}
END_TEST

Suite *suite_util(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_err_prefix);
    tcase_add_test(tc, test_record);
    suite_add_tcase(s, tc);
    return s;
}
