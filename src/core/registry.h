/* registry.h — every operator described once.
 *
 * An operator is a plain C function over tagged values plus a description
 * of its arguments and results (name, type, unit, default, range, doc).
 * One description drives argument checking (here, in the core, so a C
 * caller gets the same checks), help() in the REPL, and docs/operators.md.
 * The Lua binding only converts Lua values to tl_value and back.
 *
 * Each science module defines one table in its own file,
 *     const tl_op tl_ops_<module>[] = { {...}, {...}, { 0 } };
 * and registry_modules.c lists the tables. */
#ifndef TL_REGISTRY_H
#define TL_REGISTRY_H

#include <math.h>
#include <stddef.h>

#include "tl_error.h"
#include "vol/vol.h"

typedef enum {
    TL_T_NONE = 0,
    TL_T_VOLUME,  /* tl_volume* */
    TL_T_NUMBER,  /* double */
    TL_T_INT,     /* long long */
    TL_T_BOOL,    /* int 0/1 */
    TL_T_STRING,  /* char* */
    TL_T_CHOICE,  /* char*, one of arg->choices (space separated) */
    TL_T_RANGE,   /* index range: Lua {a, b} 1-based inclusive -> lo, hi 0-based half-open */
    TL_T_NUMBERS, /* array of doubles (Lua array of numbers) */
    TL_T_STRINGS, /* array of strings */
    TL_T_OBJECT,  /* tl_object* of arg->cls */
    TL_T_RECORD,  /* named values (results only; Lua table with named fields) */
    TL_T_ANY      /* volume or object: the op inspects u.vol / u.obj (args only) */
} tl_type;

/* Argument flags. */
#define TL_POSITIONAL 0x01u /* passed positionally before the options table */
#define TL_REQUIRED 0x02u   /* no default: must be given */
#define TL_OPTIONAL 0x04u   /* no default: may be absent (value.set == 0) */
#define TL_VOL_2D 0x08u     /* volume must be a 2D map (nz == 1) */
#define TL_VOL_3D 0x10u     /* volume must have nz > 1 */
#define TL_MIN_EXCL 0x20u   /* number must be > min rather than >= min */
#define TL_FINITE 0x40u     /* volume must hold no NaN/inf */

/* Operator flags. */
#define TL_OP_METHOD 0x01u  /* also a method of its first positional argument's type */

struct tl_object;
struct tl_record;
struct tl_op;

/* Objects: opaque handles (a Data Exchange file, a CNN) with a class that
 * knows how to free and describe them and which operators are its methods. */
typedef struct tl_class {
    const char *name;                       /* "dxchange", "cnn" */
    void (*free)(void *data);
    void (*describe)(const void *data, char *buf, size_t n); /* for tostring */
    const struct tl_op *methods;            /* table like a module's, {0}-ended */
} tl_class;

typedef struct tl_object {
    const tl_class *cls;
    int refcount;
    void *data;
} tl_object;

tl_object *tl_object_new(const tl_class *cls, void *data, tl_error *err);
tl_object *tl_object_ref(tl_object *o);
void tl_object_unref(tl_object *o);

typedef struct tl_value {
    tl_type type;
    int set; /* 1 if the caller gave it (or a default was filled in) */
    union {
        double num;
        long long i;
        int b;
        char *str;
        tl_volume *vol;
        struct { long long lo, hi; } range;
        struct { double *v; size_t n; } nums;
        struct { char **v; size_t n; } strs;
        tl_object *obj;
        struct tl_record *rec;
    } u;
} tl_value;

/* A record: ordered named values. Results are a record; nested records
 * become nested Lua tables. A record owns its values. */
typedef struct tl_record {
    size_t n, cap;
    char **names;
    tl_value *vals;
} tl_record;

tl_record *tl_record_new(void);
void tl_record_free(tl_record *r);
void tl_value_clear(tl_value *v); /* free what an owned value holds */
const tl_value *tl_record_get(const tl_record *r, const char *name);

/* An axis argument (TL_T_CHOICE of "z y x", checked by tl_op_prepare) as
 * an index into (nz, ny, nx): z = 0, y = 1, x = 2. */
static inline int tl_axis_arg(const tl_value *a) { return a->u.str[0] == 'z' ? 0 : a->u.str[0] == 'y' ? 1 : 2; }
/* Adders take ownership (volume/object: the reference; arrays: copied). */
int tl_rec_volume(tl_record *r, const char *name, tl_volume *v);
int tl_rec_number(tl_record *r, const char *name, double x);
int tl_rec_int(tl_record *r, const char *name, long long x);
int tl_rec_bool(tl_record *r, const char *name, int b);
int tl_rec_string(tl_record *r, const char *name, const char *s);
int tl_rec_numbers(tl_record *r, const char *name, const double *v, size_t n);
int tl_rec_strings(tl_record *r, const char *name, const char *const *v, size_t n);
int tl_rec_object(tl_record *r, const char *name, tl_object *o);
int tl_rec_record(tl_record *r, const char *name, tl_record *sub);

typedef struct tl_arg {
    const char *name;
    tl_type type;
    unsigned flags;
    const char *unit;     /* "µm", "mA/cm²", "voxels", "" */
    const char *doc;      /* one line */
    double def;           /* default for NUMBER/INT/BOOL */
    const char *def_str;  /* default for STRING/CHOICE */
    double min, max;      /* allowed range for NUMBER/INT; min == max == 0: unbounded */
    const char *choices;  /* CHOICE: space-separated names */
    unsigned dtypes;      /* VOLUME: accepted dtypes (TL_DT bits), 0 = any */
    const tl_class *cls;  /* OBJECT: its class */
} tl_arg;

typedef struct tl_ret {
    const char *name;
    tl_type type;
    const char *unit;
    const char *doc;
    const tl_class *cls;  /* OBJECT results: the class (for docs of its methods) */
} tl_ret;

/* args[i] corresponds to op->args[i], defaults already filled in and
 * checked. The op adds its results to `out`. */
typedef int (*tl_op_fn)(const tl_value *args, tl_record *out, tl_error *err);

typedef struct tl_op {
    const char *name;    /* "contact_map", or "phantom.cell" for tl.phantom.cell */
    const char *group;   /* "volume", "io", "recon", "seg", "interface", ... */
    const char *summary; /* one line */
    const char *doc;     /* a paragraph or two: method, conventions, references */
    const tl_arg *args;  /* {0}-ended (name == NULL) */
    const tl_ret *rets;  /* {0}-ended; one result -> returned as is, several -> a table */
    const char *example; /* Lua, one or a few lines */
    tl_op_fn run;
    unsigned flags;
} tl_op;

/* All operators, in registry order, NULL-ended; and lookup by name. */
const tl_op *const *tl_registry_all(void);
const tl_op *tl_registry_find(const char *name);
/* Classes reachable from operators' arguments and results, NULL-ended. */
const tl_class *const *tl_registry_classes(void);

size_t tl_op_nargs(const tl_op *op);
size_t tl_op_nrets(const tl_op *op);
/* Index of an argument by name, or -1. */
int tl_op_arg_index(const tl_op *op, const char *name);

/* Fill defaults into unset args and check every value against its
 * description (type, range, choices, dtype, 2D/3D, finiteness). Messages
 * read "contact_map: argument 'depth' must be >= 1 (got 0)". */
int tl_op_prepare(const tl_op *op, tl_value *args, tl_error *err);
/* prepare + run; the record is filled on success. */
int tl_op_call(const tl_op *op, tl_value *args, tl_record *out, tl_error *err);

/* Text for help("name") and docs: Markdown-ish plain text. */
size_t tl_op_format_help(const tl_op *op, char *buf, size_t n);
const char *tl_type_name(tl_type t);

/* Convenience accessors used inside operators (args are already checked). */
static inline double tl_arg_num(const tl_value *a, size_t i) { return a[i].u.num; }
static inline long long tl_arg_int(const tl_value *a, size_t i) { return a[i].u.i; }

#endif
