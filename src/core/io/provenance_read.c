/* provenance_read.c — tl.provenance(path): the JSON that provenance.c
 * wrote, found where each format keeps it, turned into a record. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_internal.h"
#include "json.h"

/* JSON value -> record field. Objects become records; arrays of numbers
 * become numbers; other arrays become records keyed "1", "2", ... */
static int add_value(tl_record *r, const char *name, const tl_json *j);

static tl_record *object_record(const tl_json *j)
{
    tl_record *r = tl_record_new();
    if (!r) return NULL;
    for (size_t i = 0; i < j->n; i++) {
        char key[32];
        const char *k = j->keys ? j->keys[i] : (snprintf(key, sizeof key, "%zu", i + 1), key);
        if (add_value(r, k, j->items[i])) { tl_record_free(r); return NULL; }
    }
    return r;
}

static int add_value(tl_record *r, const char *name, const tl_json *j)
{
    switch (j->type) {
    case TL_JSON_NULL: return tl_rec_string(r, name, "");
    case TL_JSON_BOOL: return tl_rec_bool(r, name, j->num != 0);
    case TL_JSON_NUMBER: return tl_rec_number(r, name, j->num);
    case TL_JSON_STRING: return tl_rec_string(r, name, j->str);
    case TL_JSON_ARRAY: {
        int nums = 1;
        for (size_t i = 0; i < j->n; i++) nums &= j->items[i]->type == TL_JSON_NUMBER;
        if (nums && j->n) {
            double *x = malloc(j->n * sizeof *x);
            if (!x) return -1;
            for (size_t i = 0; i < j->n; i++) x[i] = j->items[i]->num;
            int rc = tl_rec_numbers(r, name, x, j->n);
            free(x);
            return rc;
        }
    } /* fall through: a mixed array becomes a record keyed "1".. */
    /* FALLTHROUGH */
    case TL_JSON_OBJECT: {
        tl_record *sub = object_record(j);
        return sub ? tl_rec_record(r, name, sub) : -1;
    }
    }
    return -1;
}

static char *find_text(const char *path, tl_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) return tl_err(err, "provenance: '%s' does not exist", path), NULL;
    char *side = S_ISDIR(st.st_mode) ? NULL : tl_io_read_sidecar(path);
    if (side) return side;
    switch (tl_io_format(path, 0)) {
    case TL_FMT_H5: return tl_h5_read_provenance(path, err);
    case TL_FMT_TIFF: case TL_FMT_TIFF_DIR: return tl_tiff_read_description(path, err);
    case TL_FMT_PNG: return tl_png_read_provenance(path, err);
    default:
        return tl_err(err, "provenance: '%s' has no sidecar '%s.provenance.json' (not written by tomolith?)", path, path), NULL;
    }
}

tl_record *tl_io_provenance(const char *path, tl_error *err)
{
    if (!path || !path[0]) return tl_err(err, "provenance: argument 'path' is empty"), NULL;
    char *text = find_text(path, err);
    if (!text) return NULL;
    char what[4200];
    snprintf(what, sizeof what, "provenance of '%s'", path);
    tl_json *j = tl_json_parse(text, what, err);
    free(text);
    if (!j) return NULL;
    const tl_json *ver = tl_json_get(j, "tomolith_version");
    if (j->type != TL_JSON_OBJECT || !ver || ver->type != TL_JSON_STRING) {
        tl_json_free(j);
        return tl_err(err, "provenance: '%s' holds JSON without \"tomolith_version\" (not tomolith provenance)", path), NULL;
    }
    tl_record *r = tl_record_new();
    int rc = r ? 0 : -1;
    /* the documented fields first, under short names; then anything else */
    static const char *order[][2] = {{"tomolith_version", "version"}, {"created_utc", "created_utc"},
                                     {"recipe", "recipe"}, {"parameters", "parameters"},
                                     {"inputs", "inputs"}, {"voxel_um", "voxel_um"}};
    for (size_t k = 0; k < sizeof order / sizeof order[0] && !rc; k++) {
        const tl_json *x = tl_json_get(j, order[k][0]);
        if (x) rc = add_value(r, order[k][1], x);
        else if (k == 3 || k == 4) { /* always present as tables, even when empty */
            tl_record *e = tl_record_new();
            rc = e ? tl_rec_record(r, order[k][1], e) : -1;
        }
    }
    for (size_t i = 0; i < j->n && !rc; i++) {
        int listed = 0;
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) listed |= strcmp(j->keys[i], order[k][0]) == 0;
        if (!listed) rc = add_value(r, j->keys[i], j->items[i]);
    }
    tl_json_free(j);
    if (rc) { tl_record_free(r); return tl_err(err, "provenance: out of memory reading '%s'", path), NULL; }
    return r;
}
