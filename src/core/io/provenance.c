/* provenance.c — the process-wide provenance context and its JSON form. */
#include "provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../util/sha256.h"
#include "atomic.h"
#include "h5util.h"

#ifndef TL_VERSION
#define TL_VERSION "0.0.0"
#endif

typedef struct {
    char *path;
    char sha[65];
    long long size, mtime; /* rehash when the file changed since */
} input_rec;

static char *recipe_path, *recipe_text;
static char **param_names, **param_values;
static size_t nparams;
static input_rec *inputs;
static size_t ninputs;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

void tl_prov_set_recipe(const char *path, const char *text)
{
    free(recipe_path); free(recipe_text);
    recipe_path = dup_or_null(path);
    recipe_text = dup_or_null(text);
}

void tl_prov_set_param(const char *name, const char *value)
{
    for (size_t i = 0; i < nparams; i++)
        if (strcmp(param_names[i], name) == 0) {
            free(param_values[i]);
            param_values[i] = strdup(value);
            return;
        }
    char **nn = realloc(param_names, (nparams + 1) * sizeof *nn);
    if (!nn) return;
    param_names = nn;
    char **nv = realloc(param_values, (nparams + 1) * sizeof *nv);
    if (!nv) return;
    param_values = nv;
    param_names[nparams] = strdup(name);
    param_values[nparams] = strdup(value);
    nparams++;
}

void tl_prov_add_input(const char *path)
{
    char *abs = realpath(path, NULL);
    const char *p = abs ? abs : path;
    for (size_t i = 0; i < ninputs; i++)
        if (strcmp(inputs[i].path, p) == 0) { free(abs); return; }
    input_rec *n = realloc(inputs, (ninputs + 1) * sizeof *n);
    if (!n) { free(abs); return; }
    inputs = n;
    memset(&inputs[ninputs], 0, sizeof inputs[ninputs]);
    inputs[ninputs].path = abs ? abs : strdup(path);
    ninputs++;
}

void tl_prov_reset(void)
{
    for (size_t i = 0; i < nparams; i++) { free(param_names[i]); free(param_values[i]); }
    free(param_names); free(param_values);
    param_names = param_values = NULL;
    nparams = 0;
    for (size_t i = 0; i < ninputs; i++) free(inputs[i].path);
    free(inputs);
    inputs = NULL;
    ninputs = 0;
}

typedef struct { char *p; size_t len, cap; int oom; } jbuf;

static void jb_put(jbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024);
        while (cap < b->len + n + 1) cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) { b->oom = 1; return; }
        b->p = q; b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void jb_str(jbuf *b, const char *s)
{
    jb_put(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        char esc[8];
        switch (*c) {
        case '"': jb_put(b, "\\\"", 2); break;
        case '\\': jb_put(b, "\\\\", 2); break;
        case '\n': jb_put(b, "\\n", 2); break;
        case '\r': jb_put(b, "\\r", 2); break;
        case '\t': jb_put(b, "\\t", 2); break;
        default:
            if (*c < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", *c); jb_put(b, esc, 6); }
            else jb_put(b, (const char *)c, 1);
        }
    }
    jb_put(b, "\"", 1);
}

#define JB_LIT(b, s) jb_put((b), (s), sizeof(s) - 1)

char *tl_prov_json(tl_error *err)
{
    for (size_t i = 0; i < ninputs; i++) {
        struct stat st;
        if (stat(inputs[i].path, &st) != 0) continue; /* a deleted temp input keeps its old hash */
        if (inputs[i].sha[0] && st.st_size == inputs[i].size && st.st_mtime == inputs[i].mtime) continue;
        if (tl_sha256_file(inputs[i].path, inputs[i].sha, err)) return NULL;
        inputs[i].size = st.st_size;
        inputs[i].mtime = st.st_mtime;
    }
    char when[32];
    /* SOURCE_DATE_EPOCH (reproducible-builds.org) pins the time, so the same
     * recipe and inputs give byte-identical files */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    jbuf b = {0};
    JB_LIT(&b, "{\"tomolith_version\": ");
    jb_str(&b, TL_VERSION);
    JB_LIT(&b, ", \"created_utc\": ");
    jb_str(&b, when);
    JB_LIT(&b, ", \"recipe\": {\"path\": ");
    jb_str(&b, recipe_path ? recipe_path : "");
    JB_LIT(&b, ", \"text\": ");
    jb_str(&b, recipe_text ? recipe_text : "");
    JB_LIT(&b, "}, \"parameters\": {");
    for (size_t i = 0; i < nparams; i++) {
        if (i) JB_LIT(&b, ", ");
        jb_str(&b, param_names[i]);
        JB_LIT(&b, ": ");
        jb_str(&b, param_values[i]);
    }
    JB_LIT(&b, "}, \"inputs\": [");
    for (size_t i = 0; i < ninputs; i++) {
        if (i) JB_LIT(&b, ", ");
        JB_LIT(&b, "{\"path\": ");
        jb_str(&b, inputs[i].path);
        JB_LIT(&b, ", \"sha256\": ");
        jb_str(&b, inputs[i].sha);
        JB_LIT(&b, "}");
    }
    JB_LIT(&b, "]}");
    if (b.oom || !b.p) { free(b.p); tl_err(err, "out of memory writing provenance"); return NULL; }
    return b.p;
}

int tl_prov_write_sidecar(const char *path, tl_error *err)
{
    char side[4096], tmp[4200];
    if (snprintf(side, sizeof side, "%s.provenance.json", path) >= (int)sizeof side)
        return tl_err(err, "path '%s' is too long", path);
    if (tl_atomic_tmpname(side, tmp, sizeof tmp, err)) return -1;
    char *json = tl_prov_json(err);
    if (!json) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) { free(json); return tl_err(err, "cannot write '%s'", side); }
    int bad = fputs(json, f) < 0 || fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    free(json);
    if (bad) { tl_atomic_abort(tmp); return tl_err(err, "cannot write '%s'", side); }
    return tl_atomic_commit(tmp, side, err);
}
