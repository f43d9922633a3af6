/* mpt_read.c — parse a BioLogic .mpt text export into columns. */
#include "mpt.h"
#include "mpt_text.h"
#include "../io/provenance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *s; size_t len; } line_t;

/* Split buf in place into lines; '\r\n', '\n' and a lone '\r' all end a line. */
static line_t *split_lines(char *buf, size_t len, size_t *nlines)
{
    size_t cap = 64, n = 0;
    line_t *L = malloc(cap * sizeof *L);
    if (!L) return NULL;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && buf[j] != '\n' && buf[j] != '\r') j++;
        if (n == cap) {
            line_t *nl = realloc(L, 2 * cap * sizeof *L);
            if (!nl) { free(L); return NULL; }
            L = nl; cap *= 2;
        }
        L[n].s = buf + i; L[n].len = j - i; n++;
        size_t next = j + 1;
        if (j < len && buf[j] == '\r' && j + 1 < len && buf[j + 1] == '\n') next++;
        if (j < len) buf[j] = 0;
        i = next;
    }
    *nlines = n;
    return L;
}

/* Split a line on tabs in place; a trailing tab (EC-Lab ends the column
 * line with one) does not make an extra field. f has room for max fields,
 * and the caller sized it from the largest tab count in the file. */
static size_t split_tabs(char *s, char **f, size_t max)
{
    size_t n = 0;
    char *p = s;
    for (;;) {
        char *t = strchr(p, '\t');
        if (n < max) f[n] = p;
        n++;
        if (!t) break;
        *t = 0;
        p = t + 1;
    }
    if (n > 1 && n <= max && f[n - 1][0] == 0) n--;
    return n;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t') return 0;
    return 1;
}

/* Short, printable, UTF-8 copy of a field for messages. */
static void quote_field(const char *s, char *out, size_t n)
{
    char *u = tl_mpt_to_utf8(s, strlen(s));
    snprintf(out, n, "%.40s%s", u ? u : "?", u && strlen(u) > 40 ? "..." : "");
    free(u);
}

static int parse_header_count(const char *s, long *n)
{
    const char *p = strstr(s, "Nb header lines");
    if (!p) return -1;
    p = strchr(p, ':');
    if (!p) return -1;
    char *end;
    errno = 0;
    *n = strtol(p + 1, &end, 10);
    if (end == p + 1 || errno) return -1;
    while (*end == ' ' || *end == '\t') end++;
    return *end ? -1 : 0;
}

static int build_header(tl_mpt *t, line_t *L, size_t col_line)
{
    /* Lines 3 .. col_line-1 (1-based): the first non-blank one names the
     * technique, the rest is the settings text. */
    size_t k = 2;
    while (k + 1 < col_line && is_blank(L[k].s)) k++;
    if (k + 1 < col_line) {
        t->technique = tl_mpt_to_utf8(L[k].s, strlen(L[k].s));
        k++;
    } else t->technique = strdup("");
    while (k + 1 < col_line && is_blank(L[k].s)) k++;
    size_t total = 1;
    for (size_t j = k; j + 1 < col_line; j++) total += strlen(L[j].s) + 1;
    char *raw = malloc(total), *p = raw;
    if (!raw || !t->technique) { free(raw); return -1; }
    for (size_t j = k; j + 1 < col_line; j++) {
        size_t m = strlen(L[j].s);
        memcpy(p, L[j].s, m); p += m;
        *p++ = '\n';
    }
    *p = 0;
    t->header = tl_mpt_to_utf8(raw, (size_t)(p - raw));
    free(raw);
    return t->header ? 0 : -1;
}

static int name_columns(tl_mpt *t, char **f, const char *name, size_t col_line, tl_error *err)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (is_blank(f[c]))
            return tl_err(err, "read_mpt: '%s' line %zu: column %zu has no name", name, col_line, c + 1);
        char *u = tl_mpt_to_utf8(f[c], strlen(f[c]));
        if (!u) return tl_err(err, "out of memory");
        int rc = tl_mpt_set_name(t, c, u, err);
        free(u);
        if (rc) return -1;
    }
    /* An alias never hides a column that already has the canonical name. */
    for (size_t c = 0; c < t->ncols; c++) {
        if (strcmp(t->names[c], t->raw_names[c]) == 0) continue;
        for (size_t d = 0; d < t->ncols; d++)
            if (d != c && strcmp(t->names[d], t->names[c]) == 0) {
                char *r = strdup(t->raw_names[c]);
                if (!r) return tl_err(err, "out of memory");
                free(t->names[c]);
                t->names[c] = r;
                break;
            }
    }
    for (size_t c = 0; c < t->ncols; c++)
        for (size_t d = 0; d < c; d++)
            if (strcmp(t->names[d], t->names[c]) == 0)
                return tl_err(err, "read_mpt: '%s' line %zu: column name '%s' appears twice (columns %zu and %zu)",
                              name, col_line, t->names[c], d + 1, c + 1);
    return 0;
}

int tl_mpt_parse(const char *name, const char *src, size_t len, tl_mpt *out, tl_error *err)
{
    memset(out, 0, sizeof *out);
    char *buf = malloc(len + 1);
    if (!buf) return tl_err(err, "read_mpt: out of memory reading '%s'", name);
    memcpy(buf, src, len);
    buf[len] = 0;
    size_t nl = 0;
    line_t *L = split_lines(buf, len, &nl);
    char **f = NULL;
    int rc = -1;
    if (!L) { tl_err(err, "read_mpt: out of memory reading '%s'", name); goto done; }
    if (nl == 0) { tl_err(err, "read_mpt: '%s' is empty", name); goto done; }
    for (size_t k = 0; k < nl; k++)
        if (memchr(L[k].s, 0, L[k].len)) {
            tl_err(err, "read_mpt: '%s' line %zu holds a NUL byte: not a text export", name, k + 1);
            goto done;
        }

    /* Where are the column names? */
    size_t col_line; /* 1-based */
    char first[64];
    snprintf(first, sizeof first, "%s", L[0].s);
    for (size_t m = strlen(first); m && (first[m - 1] == ' ' || first[m - 1] == '\t'); m--) first[m - 1] = 0;
    if (strcmp(first, "EC-Lab ASCII FILE") == 0 || strcmp(first, "BT-Lab ASCII FILE") == 0) {
        long nh;
        if (nl < 2 || parse_header_count(L[1].s, &nh)) {
            char q[64];
            quote_field(nl < 2 ? "" : L[1].s, q, sizeof q);
            tl_err(err, "read_mpt: '%s' line 2: expected 'Nb header lines : N', got '%s'", name, q);
            goto done;
        }
        if (nh < 3) {
            tl_err(err, "read_mpt: '%s' line 2: header line count %ld is too small (the two first lines and "
                   "the column line alone make 3)", name, nh);
            goto done;
        }
        if ((size_t)nh > nl) {
            tl_err(err, "read_mpt: '%s' line 2 says 'Nb header lines : %ld' but the file ends at line %zu",
                   name, nh, nl);
            goto done;
        }
        col_line = (size_t)nh;
    } else if (strchr(L[0].s, '\t')) {
        col_line = 1; /* "no header" export: the first line names the columns */
    } else {
        char q[64];
        quote_field(L[0].s, q, sizeof q);
        tl_err(err, "read_mpt: '%s' line 1: expected 'EC-Lab ASCII FILE' or 'BT-Lab ASCII FILE' (or tab-separated "
               "column names), got '%s'", name, q);
        goto done;
    }

    /* Column names. */
    size_t maxf = 1;
    for (const char *p = L[col_line - 1].s; *p; p++) maxf += *p == '\t';
    for (size_t k = col_line; k < nl; k++) {
        size_t m = 1;
        for (const char *p = L[k].s; *p; p++) m += *p == '\t';
        if (m > maxf) maxf = m;
    }
    f = malloc((maxf + 1) * sizeof *f);
    if (!f) { tl_err(err, "read_mpt: out of memory reading '%s'", name); goto done; }
    size_t ncols = split_tabs(L[col_line - 1].s, f, maxf + 1);
    {
        size_t numeric = 0;
        double x;
        for (size_t c = 0; c < ncols; c++) numeric += tl_mpt_parse_number(f[c], &x) == 0;
        if (ncols == 1 && is_blank(f[0])) {
            tl_err(err, "read_mpt: '%s' line %zu should name the columns but is empty: is line 2's header line "
                   "count right?", name, col_line);
            goto done;
        }
        if (numeric == ncols) {
            tl_err(err, "read_mpt: '%s' line %zu should name the columns but holds numbers: is line 2's header "
                   "line count (%zu) right?", name, col_line, col_line);
            goto done;
        }
    }
    size_t last = nl; /* data lines are col_line+1 .. last (1-based); trailing blank lines dropped */
    while (last > col_line && is_blank(L[last - 1].s)) last--;
    if (last == col_line) {
        tl_err(err, "read_mpt: '%s' has no data rows after the column line (line %zu)", name, col_line);
        goto done;
    }
    if (tl_mpt_alloc(out, ncols, last - col_line, err)) goto done;
    if (name_columns(out, f, name, col_line, err)) goto done;
    if (col_line >= 3 && build_header(out, L, col_line)) { tl_err(err, "read_mpt: out of memory"); goto done; }
    if (col_line < 3) { out->technique = strdup(""); out->header = strdup(""); }
    if (!out->technique || !out->header) { tl_err(err, "read_mpt: out of memory"); goto done; }

    /* Data rows. The column line was split in place; its fields live in
     * out->names now, so f can be reused. */
    for (size_t k = col_line; k < last; k++) {
        size_t lineno = k + 1, r = k - col_line;
        if (is_blank(L[k].s)) {
            tl_err(err, "read_mpt: '%s' line %zu is empty but data rows follow it", name, lineno);
            goto done;
        }
        size_t nf = split_tabs(L[k].s, f, maxf + 1);
        /* One column name means the header count most likely points at a
         * settings line: say so. */
        const char *hint = ncols == 1 ? " (a single column name: is line 2's header line count right?)" : "";
        if (nf != ncols) {
            tl_err(err, "read_mpt: '%s' line %zu has %zu fields but the column line (line %zu) names %zu columns%s",
                   name, lineno, nf, col_line, ncols, hint);
            goto done;
        }
        for (size_t c = 0; c < ncols; c++) {
            if (tl_mpt_parse_number(f[c], &out->cols[c][r])) {
                char q[64];
                quote_field(f[c], q, sizeof q);
                if (is_blank(f[c]))
                    tl_err(err, "read_mpt: '%s' line %zu: field %zu (%s) is empty", name, lineno, c + 1,
                           out->names[c]);
                else
                    tl_err(err, "read_mpt: '%s' line %zu: field %zu (%s) is '%s', not a number%s", name, lineno,
                           c + 1, out->names[c], q, hint);
                goto done;
            }
        }
    }
    rc = 0;
done:
    if (rc) tl_mpt_free(out);
    free(f); free(L); free(buf);
    return rc;
}

int tl_mpt_read(const char *path, tl_mpt *out, tl_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) return tl_err(err, "read_mpt: cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + len, 1, cap - len, fp);
        len += k;
        if (len < cap) break;
        char *nb = realloc(buf, 2 * cap);
        if (!nb) { free(buf); buf = NULL; break; }
        buf = nb; cap *= 2;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!buf) return tl_err(err, "read_mpt: out of memory reading '%s'", path);
    if (bad) { free(buf); return tl_err(err, "read_mpt: error reading '%s'", path); }
    int rc = tl_mpt_parse(path, buf, len, out, err);
    free(buf);
    if (rc == 0) tl_prov_add_input(path);
    return rc;
}
