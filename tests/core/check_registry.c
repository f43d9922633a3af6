/* check_registry.c — every operator and argument is documented, names are
 * unique, defaults lie in their ranges and choices. */
#include "tl_test.h"

#include <string.h>

static void check_table(const tl_op *op)
{
    ck_assert_msg(op->summary && op->summary[0], "%s has no summary", op->name);
    ck_assert_msg(op->group && op->group[0], "%s has no group", op->name);
    ck_assert_msg(op->example && op->example[0], "%s has no example", op->name);
    ck_assert_msg(op->run != NULL, "%s has no function", op->name);
    for (size_t i = 0; op->args && op->args[i].name; i++) {
        const tl_arg *a = &op->args[i];
        ck_assert_msg(a->doc && a->doc[0], "%s: argument '%s' has no doc", op->name, a->name);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(op->args[j].name, a->name) != 0, "%s: argument '%s' twice", op->name, a->name);
        int has_default = !(a->flags & (TL_REQUIRED | TL_OPTIONAL));
        if (has_default && (a->type == TL_T_NUMBER || a->type == TL_T_INT) && !(a->min == 0 && a->max == 0)) {
            ck_assert_msg(a->def >= a->min && a->def <= a->max, "%s: default of '%s' (%g) outside [%g, %g]",
                          op->name, a->name, a->def, a->min, a->max);
            if (a->flags & TL_MIN_EXCL) ck_assert_msg(a->def > a->min, "%s: default of '%s' not > min", op->name, a->name);
        }
        if (a->type == TL_T_CHOICE) {
            ck_assert_msg(a->choices != NULL, "%s: choice '%s' lists no choices", op->name, a->name);
            if (has_default) {
                tl_value v = {.type = TL_T_CHOICE, .set = 1, .u.str = (char *)a->def_str};
                ck_assert_msg(a->def_str && strstr(a->choices, v.u.str), "%s: default of '%s' not a choice", op->name, a->name);
            }
        }
        if (has_default)
            ck_assert_msg(a->type == TL_T_NUMBER || a->type == TL_T_INT || a->type == TL_T_BOOL ||
                          a->type == TL_T_STRING || a->type == TL_T_CHOICE,
                          "%s: '%s' of type %s needs TL_REQUIRED or TL_OPTIONAL", op->name, a->name, tl_type_name(a->type));
        if (a->type == TL_T_OBJECT) ck_assert_msg(a->cls != NULL, "%s: object '%s' has no class", op->name, a->name);
    }
    for (size_t i = 0; op->rets && op->rets[i].name; i++)
        ck_assert_msg(op->rets[i].doc && op->rets[i].doc[0], "%s: result '%s' has no doc", op->name, op->rets[i].name);
    char buf[64];
    size_t need = tl_op_format_help(op, buf, sizeof buf);
    ck_assert_uint_gt(need, strlen(op->name));
}

START_TEST(test_all_documented)
{
    const tl_op *const *ops = tl_registry_all();
    size_t n = 0;
    for (; ops[n]; n++) {
        check_table(ops[n]);
        for (size_t j = 0; j < n; j++)
            ck_assert_msg(strcmp(ops[j]->name, ops[n]->name) != 0, "operator '%s' registered twice", ops[n]->name);
        ck_assert_ptr_eq(tl_registry_find(ops[n]->name), ops[n]);
    }
    ck_assert_uint_gt(n, 0);
    for (const tl_class *const *c = tl_registry_classes(); *c; c++)
        for (const tl_op *m = (*c)->methods; m && m->name; m++) check_table(m);
}
END_TEST

START_TEST(test_prepare_checks)
{
    const tl_op *op = tl_registry_find("astype");
    ck_assert_ptr_nonnull(op);
    tl_error e;
    tl_volume *v = tl_vol_new(TL_U8, 2, 2, 2, &e);
    tl_value args[4] = {{0}};
    args[0] = (tl_value){.type = TL_T_VOLUME, .set = 1, .u.vol = v};
    ck_assert_int_eq(tl_op_prepare(op, args, &e), -1);
    ck_assert_str_eq(e.msg, "astype: argument 'dtype' (string) is required");
    args[1] = (tl_value){.type = TL_T_CHOICE, .set = 1, .u.str = "f16"};
    ck_assert_int_eq(tl_op_prepare(op, args, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "must be one of: u8 u16 i32 f32 f64 (got 'f16')"));
    args[1].u.str = "f32";
    args[2] = (tl_value){.type = TL_T_NUMBER, .set = 1, .u.num = NAN};
    ck_assert_int_eq(tl_op_prepare(op, args, &e), -1);
    ck_assert_str_eq(e.msg, "astype: argument 'scale' is NaN");
    args[2].u.num = 2;
    tl_record *r = tl_record_new();
    ck_assert_int_eq(tl_op_call(op, args, r, &e), 0);
    ck_assert_double_eq(args[3].u.num, 0.0);
    const tl_value *out = tl_record_get(r, "volume");
    ck_assert_int_eq(out->u.vol->dtype, TL_F32);
    tl_record_free(r);
    tl_vol_unref(v);
}
END_TEST

Suite *suite_registry(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_all_documented);
    tcase_add_test(tc, test_prepare_checks);
    suite_add_tcase(s, tc);
    return s;
}
