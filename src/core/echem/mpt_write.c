/* mpt_write.c — write a table as a BioLogic EC-Lab .mpt text export, in
 * the byte layout EC-Lab uses, so synthetic curves go through the same
 * reader as real ones. */
#include "mpt.h"
#include "mpt_text.h"
#include "../io/atomic.h"
#include "../io/provenance.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Columns EC-Lab writes as plain integers (flags, counters, indices). */
static const char *const integer_columns[] = {
    "mode", "ox/red", "error", "control changes", "Ns changes", "counter inc.", "Ns", "I Range", "half cycle",
};

static int is_integer_column(const tl_mpt *t, size_t c)
{
    int named = 0;
    for (size_t k = 0; k < sizeof integer_columns / sizeof integer_columns[0]; k++)
        named |= strcmp(t->names[c], integer_columns[k]) == 0;
    if (!named) return 0;
    for (size_t r = 0; r < t->nrows; r++) {
        double x = t->cols[c][r];
        if (x != floor(x) || fabs(x) > 1e15) return 0;
    }
    return 1;
}

/* "1,099979972212168E+001": EC-Lab's three-digit exponent. The printf
 * point is replaced whatever the C locale put there. */
static void format_number(double x, int digits, int comma, char *out, size_t n)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*E", digits, x);
    char *e = strchr(tmp, 'E');
    int exp10 = e ? atoi(e + 1) : 0;
    if (e) *e = 0;
    for (char *p = tmp; *p; p++)
        if (*p == '.' || *p == ',') *p = comma ? ',' : '.';
    snprintf(out, n, "%sE%c%03d", tmp, exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

static int write_body(FILE *fp, const tl_mpt *t, const tl_mpt_write_opts *o, tl_error *err)
{
    const char *tech = t->technique && t->technique[0] ? t->technique : "tomolith export";
    const char *hdr = t->header ? t->header : "";
    size_t hlines = 0;
    for (const char *p = hdr; *p; p++) hlines += *p == '\n';
    if (hdr[0] && hdr[strlen(hdr) - 1] != '\n') hlines++;
    size_t nh = 5 + hlines + 1; /* magic, count, blank, technique, blank, settings, column line */

    char *tech1 = tl_mpt_to_latin1(tech), *hdr1 = tl_mpt_to_latin1(hdr);
    if (!tech1 || !hdr1) { free(tech1); free(hdr1); return tl_err(err, "out of memory"); }
    fprintf(fp, "EC-Lab ASCII FILE\r\nNb header lines : %-28zu\r\n\r\n%s\r\n\r\n", nh, tech1);
    for (const char *p = hdr1; *p;) {
        const char *q = strchr(p, '\n');
        size_t m = q ? (size_t)(q - p) : strlen(p);
        fwrite(p, 1, m, fp);
        fputs("\r\n", fp);
        p += m + (q ? 1 : 0);
    }
    free(tech1); free(hdr1);

    for (size_t c = 0; c < t->ncols; c++) {
        char *n1 = tl_mpt_to_latin1(t->names[c]);
        if (!n1) return tl_err(err, "out of memory");
        fprintf(fp, "%s\t", n1);
        free(n1);
    }
    fputs("\r\n", fp);

    int *as_int = calloc(t->ncols ? t->ncols : 1, sizeof *as_int);
    if (!as_int) return tl_err(err, "out of memory");
    for (size_t c = 0; c < t->ncols; c++) as_int[c] = is_integer_column(t, c);
    char num[64];
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            double x = t->cols[c][r];
            if (as_int[c]) snprintf(num, sizeof num, "%.0f", x);
            else format_number(x, o->digits, o->decimal_comma, num, sizeof num);
            fputs(num, fp);
            if (c + 1 < t->ncols) fputc('\t', fp);
        }
        fputs("\r\n", fp);
    }
    free(as_int);
    return 0;
}

int tl_mpt_write(const char *path, const tl_mpt *t, const tl_mpt_write_opts *o, tl_error *err)
{
    if (t->ncols == 0) return tl_err(err, "write_mpt: '%s': no columns to write", path);
    if (t->nrows == 0) return tl_err(err, "write_mpt: '%s': columns hold no rows", path);
    if (o->digits < 1 || o->digits > 17) return tl_err(err, "write_mpt: digits must be 1..17 (got %d)", o->digits);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *nm = t->names[c];
        if (!nm || !nm[0]) return tl_err(err, "write_mpt: '%s': column %zu has no name", path, c + 1);
        if (strpbrk(nm, "\t\r\n"))
            return tl_err(err, "write_mpt: '%s': column name '%s' holds a tab or line break", path, nm);
        for (size_t r = 0; r < t->nrows; r++)
            if (!isfinite(t->cols[c][r]))
                return tl_err(err, "write_mpt: '%s': column '%s' row %zu is %g (EC-Lab files hold finite numbers)",
                              path, nm, r + 1, t->cols[c][r]);
    }
    char tmp[4096];
    if (tl_atomic_tmpname(path, tmp, sizeof tmp, err)) return tl_err_prefix(err, "write_mpt: ");
    FILE *fp = fopen(tmp, "wb");
    if (!fp) return tl_err(err, "write_mpt: cannot create '%s': %s", tmp, strerror(errno));
    int rc = write_body(fp, t, o, err);
    if (ferror(fp) && rc == 0) rc = tl_err(err, "write_mpt: error writing '%s'", tmp);
    if (fclose(fp) && rc == 0) rc = tl_err(err, "write_mpt: error closing '%s': %s", tmp, strerror(errno));
    if (rc) { tl_atomic_abort(tmp); return -1; }
    if (tl_atomic_commit(tmp, path, err)) return tl_err_prefix(err, "write_mpt: ");
    if (o->provenance && tl_prov_write_sidecar(path, err)) return tl_err_prefix(err, "write_mpt: '%s': ", path);
    return 0;
}
