/* registry.c — records, objects, argument checking and help text. */
#include "registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- objects ---- */

tl_object *tl_object_new(const tl_class *cls, void *data, tl_error *err)
{
    tl_object *o = malloc(sizeof *o);
    if (!o) {
        if (cls->free) cls->free(data);
        tl_err(err, "out of memory creating a %s object", cls->name);
        return NULL;
    }
    o->cls = cls; o->refcount = 1; o->data = data;
    return o;
}

tl_object *tl_object_ref(tl_object *o)
{
    if (o) o->refcount++;
    return o;
}

void tl_object_unref(tl_object *o)
{
    if (!o || --o->refcount > 0) return;
    if (o->cls->free) o->cls->free(o->data);
    free(o);
}

/* ---- records ---- */

tl_record *tl_record_new(void) { return calloc(1, sizeof(tl_record)); }

void tl_value_clear(tl_value *v)
{
    switch (v->type) {
    case TL_T_VOLUME: tl_vol_unref(v->u.vol); break;
    case TL_T_STRING: case TL_T_CHOICE: free(v->u.str); break;
    case TL_T_NUMBERS: free(v->u.nums.v); break;
    case TL_T_STRINGS:
        for (size_t i = 0; i < v->u.strs.n; i++) free(v->u.strs.v[i]);
        free(v->u.strs.v);
        break;
    case TL_T_OBJECT: tl_object_unref(v->u.obj); break;
    case TL_T_RECORD: tl_record_free(v->u.rec); break;
    default: break;
    }
    memset(v, 0, sizeof *v);
}

void tl_record_free(tl_record *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) { free(r->names[i]); tl_value_clear(&r->vals[i]); }
    free(r->names); free(r->vals); free(r);
}

const tl_value *tl_record_get(const tl_record *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0) return &r->vals[i];
    return NULL;
}

static tl_value *rec_slot(tl_record *r, const char *name)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        char **nn = realloc(r->names, cap * sizeof *nn);
        if (!nn) return NULL;
        r->names = nn;
        tl_value *nv = realloc(r->vals, cap * sizeof *nv);
        if (!nv) return NULL;
        r->vals = nv;
        r->cap = cap;
    }
    r->names[r->n] = strdup(name);
    if (!r->names[r->n]) return NULL;
    tl_value *v = &r->vals[r->n++];
    memset(v, 0, sizeof *v);
    v->set = 1;
    return v;
}

int tl_rec_volume(tl_record *r, const char *name, tl_volume *vol)
{
    tl_value *v = rec_slot(r, name);
    if (!v) { tl_vol_unref(vol); return -1; }
    v->type = TL_T_VOLUME; v->u.vol = vol;
    return 0;
}

int tl_rec_number(tl_record *r, const char *name, double x)
{
    tl_value *v = rec_slot(r, name);
    if (!v) return -1;
    v->type = TL_T_NUMBER; v->u.num = x;
    return 0;
}

int tl_rec_int(tl_record *r, const char *name, long long x)
{
    tl_value *v = rec_slot(r, name);
    if (!v) return -1;
    v->type = TL_T_INT; v->u.i = x;
    return 0;
}

int tl_rec_bool(tl_record *r, const char *name, int b)
{
    tl_value *v = rec_slot(r, name);
    if (!v) return -1;
    v->type = TL_T_BOOL; v->u.b = b != 0;
    return 0;
}

int tl_rec_string(tl_record *r, const char *name, const char *s)
{
    tl_value *v = rec_slot(r, name);
    if (!v) return -1;
    v->type = TL_T_STRING; v->u.str = strdup(s ? s : "");
    return v->u.str ? 0 : -1;
}

int tl_rec_numbers(tl_record *r, const char *name, const double *x, size_t n)
{
    tl_value *v = rec_slot(r, name);
    if (!v) return -1;
    v->type = TL_T_NUMBERS;
    v->u.nums.v = malloc((n ? n : 1) * sizeof(double));
    if (!v->u.nums.v) return -1;
    if (n) memcpy(v->u.nums.v, x, n * sizeof(double));
    v->u.nums.n = n;
    return 0;
}

int tl_rec_strings(tl_record *r, const char *name, const char *const *s, size_t n)
{
    tl_value *v = rec_slot(r, name);
    if (!v) return -1;
    v->type = TL_T_STRINGS;
    v->u.strs.v = calloc(n ? n : 1, sizeof(char *));
    if (!v->u.strs.v) return -1;
    for (size_t i = 0; i < n; i++) {
        v->u.strs.v[i] = strdup(s[i]);
        if (!v->u.strs.v[i]) return -1;
        v->u.strs.n = i + 1;
    }
    return 0;
}

int tl_rec_object(tl_record *r, const char *name, tl_object *o)
{
    tl_value *v = rec_slot(r, name);
    if (!v) { tl_object_unref(o); return -1; }
    v->type = TL_T_OBJECT; v->u.obj = o;
    return 0;
}

int tl_rec_record(tl_record *r, const char *name, tl_record *sub)
{
    tl_value *v = rec_slot(r, name);
    if (!v) { tl_record_free(sub); return -1; }
    v->type = TL_T_RECORD; v->u.rec = sub;
    return 0;
}

/* ---- operator descriptions ---- */

size_t tl_op_nargs(const tl_op *op)
{
    size_t n = 0;
    while (op->args && op->args[n].name) n++;
    return n;
}

size_t tl_op_nrets(const tl_op *op)
{
    size_t n = 0;
    while (op->rets && op->rets[n].name) n++;
    return n;
}

int tl_op_arg_index(const tl_op *op, const char *name)
{
    for (size_t i = 0; op->args && op->args[i].name; i++)
        if (strcmp(op->args[i].name, name) == 0) return (int)i;
    return -1;
}

const char *tl_type_name(tl_type t)
{
    switch (t) {
    case TL_T_VOLUME: return "volume";
    case TL_T_NUMBER: return "number";
    case TL_T_INT: return "integer";
    case TL_T_BOOL: return "boolean";
    case TL_T_STRING: return "string";
    case TL_T_CHOICE: return "string";
    case TL_T_RANGE: return "range {a, b}";
    case TL_T_NUMBERS: return "array of numbers";
    case TL_T_STRINGS: return "array of strings";
    case TL_T_OBJECT: return "object";
    case TL_T_RECORD: return "table";
    case TL_T_ANY: return "volume or object";
    default: return "nothing";
    }
}

static int choice_ok(const char *choices, const char *s)
{
    size_t n = strlen(s);
    const char *p = choices;
    while (*p) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        if ((size_t)(e - p) == n && strncmp(p, s, n) == 0) return 1;
        p = e;
    }
    return 0;
}

static int has_range(const tl_arg *a) { return !(a->min == 0 && a->max == 0); }

static int check_range(const tl_op *op, const tl_arg *a, double x, tl_error *err)
{
    if (isnan(x)) return tl_err(err, "%s: argument '%s' is NaN", op->name, a->name);
    if (!has_range(a)) {
        if (!isfinite(x) && a->type == TL_T_NUMBER)
            return tl_err(err, "%s: argument '%s' must be finite (got %g)", op->name, a->name, x);
        return 0;
    }
    int below = (a->flags & TL_MIN_EXCL) ? !(x > a->min) : !(x >= a->min);
    if (below)
        return tl_err(err, "%s: argument '%s' must be %s %g (got %.10g)", op->name, a->name,
                      (a->flags & TL_MIN_EXCL) ? ">" : ">=", a->min, x);
    if (!(x <= a->max))
        return tl_err(err, "%s: argument '%s' must be <= %g (got %.10g)", op->name, a->name, a->max, x);
    return 0;
}

int tl_op_prepare(const tl_op *op, tl_value *args, tl_error *err)
{
    for (size_t i = 0; op->args && op->args[i].name; i++) {
        const tl_arg *a = &op->args[i];
        tl_value *v = &args[i];
        if (!v->set) {
            if (a->flags & TL_REQUIRED)
                return tl_err(err, "%s: argument '%s' (%s) is required", op->name, a->name, tl_type_name(a->type));
            if (a->flags & TL_OPTIONAL) { v->type = a->type; continue; }
            v->type = a->type;
            v->set = 1;
            switch (a->type) {
            case TL_T_NUMBER: v->u.num = a->def; break;
            case TL_T_INT: v->u.i = (long long)a->def; break;
            case TL_T_BOOL: v->u.b = a->def != 0; break;
            case TL_T_STRING: case TL_T_CHOICE: v->u.str = (char *)(a->def_str ? a->def_str : ""); break;
            default:
                return tl_err(err, "%s: argument '%s' has no default (registry error)", op->name, a->name);
            }
            continue;
        }
        if (a->type == TL_T_ANY ? !(v->type == TL_T_VOLUME || v->type == TL_T_OBJECT)
                                : v->type != a->type)
            return tl_err(err, "%s: argument '%s' must be %s, got %s", op->name, a->name,
                          tl_type_name(a->type), tl_type_name(v->type));
        switch (v->type) {
        case TL_T_NUMBER:
            if (check_range(op, a, v->u.num, err)) return -1;
            break;
        case TL_T_INT:
            if (check_range(op, a, (double)v->u.i, err)) return -1;
            break;
        case TL_T_CHOICE:
            if (!choice_ok(a->choices, v->u.str))
                return tl_err(err, "%s: argument '%s' must be one of: %s (got '%s')", op->name, a->name,
                              a->choices, v->u.str);
            break;
        case TL_T_RANGE:
            if (v->u.range.lo < 0 || v->u.range.hi <= v->u.range.lo)
                return tl_err(err, "%s: argument '%s' range {%lld, %lld} must satisfy 1 <= a <= b",
                              op->name, a->name, v->u.range.lo + 1, v->u.range.hi);
            break;
        case TL_T_NUMBERS:
            for (size_t k = 0; k < v->u.nums.n; k++)
                if (isnan(v->u.nums.v[k]))
                    return tl_err(err, "%s: argument '%s' element %zu is NaN", op->name, a->name, k + 1);
            break;
        case TL_T_VOLUME: {
            const tl_volume *vol = v->u.vol;
            char s[64];
            if (a->dtypes && !(a->dtypes & TL_DT(vol->dtype))) {
                char allowed[64] = "";
                for (int d = 0; d < TL_NDTYPES; d++)
                    if (a->dtypes & TL_DT(d)) {
                        strcat(allowed, allowed[0] ? ", " : "");
                        strcat(allowed, tl_dtype_name((tl_dtype)d));
                    }
                return tl_err(err, "%s: argument '%s' must be a %s volume, got %s", op->name, a->name,
                              allowed, tl_dtype_name(vol->dtype));
            }
            if ((a->flags & TL_VOL_2D) && vol->nz != 1)
                return tl_err(err, "%s: argument '%s' must be a 2D map (nz = 1), got shape %s", op->name,
                              a->name, tl_vol_shape_str(vol, s, sizeof s));
            if ((a->flags & TL_VOL_3D) && vol->nz < 2)
                return tl_err(err, "%s: argument '%s' must be a 3D volume (nz > 1), got shape %s", op->name,
                              a->name, tl_vol_shape_str(vol, s, sizeof s));
            if ((a->flags & TL_FINITE) && tl_vol_check_finite(vol, a->name, err))
                return tl_err_prefix(err, "%s: ", op->name);
            break;
        }
        case TL_T_OBJECT:
            if (a->cls && v->u.obj->cls != a->cls)
                return tl_err(err, "%s: argument '%s' must be a %s, got a %s", op->name, a->name,
                              a->cls->name, v->u.obj->cls->name);
            break;
        default: break;
        }
    }
    return 0;
}

int tl_op_call(const tl_op *op, tl_value *args, tl_record *out, tl_error *err)
{
    if (tl_op_prepare(op, args, err)) return -1;
    err->msg[0] = 0;
    if (op->run(args, out, err) == 0) return 0;
    if (!err->msg[0]) tl_err(err, "%s failed", op->name);
    return -1;
}

/* ---- help text ---- */

typedef struct { char *p; size_t n, len; } sbuf;

__attribute__((format(printf, 2, 3)))
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->n ? b->n - b->len : 0;
    int k = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (k > 0) b->len += (size_t)k;
}

static void format_default(sbuf *b, const tl_arg *a)
{
    if (a->flags & TL_REQUIRED) { sb_printf(b, "required"); return; }
    if (a->flags & TL_OPTIONAL) {
        sb_printf(b, (a->type == TL_T_NUMBER || a->type == TL_T_INT) ? "optional (absent or \"auto\")" : "optional");
        return;
    }
    switch (a->type) {
    case TL_T_NUMBER: sb_printf(b, "default %g", a->def); break;
    case TL_T_INT: sb_printf(b, "default %lld", (long long)a->def); break;
    case TL_T_BOOL: sb_printf(b, "default %s", a->def != 0 ? "true" : "false"); break;
    case TL_T_STRING: case TL_T_CHOICE: sb_printf(b, "default \"%s\"", a->def_str ? a->def_str : ""); break;
    default: sb_printf(b, "optional"); break;
    }
}

size_t tl_op_format_help(const tl_op *op, char *buf, size_t n)
{
    sbuf b = {buf, n, 0};
    if (buf && n) buf[0] = 0;
    /* signature: tl.name(pos1, pos2, {opt = default, ...}) */
    sb_printf(&b, "tl.%s(", op->name);
    int first = 1, nopt = 0;
    for (size_t i = 0; op->args && op->args[i].name; i++) {
        if (op->args[i].flags & TL_POSITIONAL) {
            sb_printf(&b, "%s%s", first ? "" : ", ", op->args[i].name);
            first = 0;
        } else nopt++;
    }
    if (nopt) sb_printf(&b, "%s{...}", first ? "" : ", ");
    sb_printf(&b, ")\n    %s\n", op->summary);
    if (op->doc && op->doc[0]) sb_printf(&b, "\n%s\n", op->doc);
    if (op->args && op->args[0].name) {
        sb_printf(&b, "\nArguments:\n");
        for (size_t i = 0; op->args[i].name; i++) {
            const tl_arg *a = &op->args[i];
            sb_printf(&b, "  %-14s %s", a->name,
                      a->type == TL_T_OBJECT && a->cls ? a->cls->name : tl_type_name(a->type));
            if (a->unit && a->unit[0]) sb_printf(&b, " [%s]", a->unit);
            sb_printf(&b, ", ");
            format_default(&b, a);
            if (has_range(a) && (a->type == TL_T_NUMBER || a->type == TL_T_INT))
                sb_printf(&b, ", range %s%g..%g%s", (a->flags & TL_MIN_EXCL) ? "(" : "[", a->min, a->max, "]");
            if (a->type == TL_T_CHOICE && a->choices) sb_printf(&b, ", one of: %s", a->choices);
            if (a->type == TL_T_VOLUME && a->dtypes) {
                sb_printf(&b, ", dtype");
                for (int d = 0; d < TL_NDTYPES; d++)
                    if (a->dtypes & TL_DT(d)) sb_printf(&b, " %s", tl_dtype_name((tl_dtype)d));
            }
            if (a->flags & TL_VOL_2D) sb_printf(&b, ", 2D map");
            if (a->flags & TL_VOL_3D) sb_printf(&b, ", 3D");
            sb_printf(&b, "\n      %s\n", a->doc ? a->doc : "");
        }
    }
    size_t nr = tl_op_nrets(op);
    if (nr) {
        sb_printf(&b, "\nReturns%s:\n", nr > 1 ? " a table with fields" : "");
        for (size_t i = 0; i < nr; i++) {
            const tl_ret *r = &op->rets[i];
            sb_printf(&b, "  %-14s %s", r->name, r->type == TL_T_OBJECT && r->cls ? r->cls->name : tl_type_name(r->type));
            if (r->unit && r->unit[0]) sb_printf(&b, " [%s]", r->unit);
            sb_printf(&b, "\n      %s\n", r->doc ? r->doc : "");
        }
    }
    if (op->example && op->example[0]) sb_printf(&b, "\nExample:\n  %s\n", op->example);
    return b.len;
}
