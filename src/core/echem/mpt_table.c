/* mpt_table.c — the in-memory .mpt table: names, aliases, units, text. */
#include "mpt.h"
#include "mpt_text.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

void tl_mpt_free(tl_mpt *t)
{
    if (!t) return;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->names) free(t->names[c]);
        if (t->raw_names) free(t->raw_names[c]);
        if (t->units) free(t->units[c]);
        if (t->cols) free(t->cols[c]);
    }
    free(t->names); free(t->raw_names); free(t->units); free(t->cols);
    free(t->technique); free(t->header);
    memset(t, 0, sizeof *t);
}

int tl_mpt_column(const tl_mpt *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (t->names[c] && strcmp(t->names[c], name) == 0) return (int)c;
    return -1;
}

/* EC-Lab names the same quantity differently by technique and version:
 * averaged values in angle brackets, "Ecell" in two-electrode setups. */
static const char *const aliases[][2] = {
    {"<I>/mA", "I/mA"},
    {"<Ewe>/V", "Ewe/V"},
    {"<Ewe/V>", "Ewe/V"},
    {"Ecell/V", "Ewe/V"},
};

const char *tl_mpt_alias(const char *name)
{
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (strcmp(name, aliases[k][0]) == 0) return aliases[k][1];
    return name;
}

/* Units EC-Lab writes after the last '/'; anything else after a slash is
 * part of the name ("ox/red", "Q charge/discharge/mA.h"). */
static const char *const known_units[] = {
    "s", "h", "min", "V", "mV", "A", "mA", "µA", "nA", "C", "mC", "A.h", "mA.h", "µA.h",
    "W", "mW", "µW", "W.h", "mW.h", "F", "mF", "µF", "nF", "Ohm", "mOhm", "kOhm", "%",
    "Hz", "kHz", "mHz", "deg", "°C", "S", "mS", "cm²", "mm²", "g", "mg", "mol", "K",
    "mA/cm²", "mA.h/g", "Ohm.cm²", "W/kg", "W.h/kg",
};

const char *tl_mpt_unit(const char *name, char *buf, size_t n)
{
    /* Brackets around the whole name ("<Ewe/V>") do not belong to the unit. */
    const char *slash = strrchr(name, '/');
    if (!slash || n == 0) { if (n) buf[0] = 0; return buf; }
    size_t len = strlen(slash + 1);
    if (len && slash[len] == '>') len--;
    if (len >= n) len = n - 1;
    memcpy(buf, slash + 1, len);
    buf[len] = 0;
    for (size_t k = 0; k < sizeof known_units / sizeof known_units[0]; k++)
        if (strcmp(buf, known_units[k]) == 0) return buf;
    buf[0] = 0;
    return buf;
}

int tl_mpt_alloc(tl_mpt *t, size_t ncols, size_t nrows, tl_error *err)
{
    memset(t, 0, sizeof *t);
    t->names = calloc(ncols ? ncols : 1, sizeof(char *));
    t->raw_names = calloc(ncols ? ncols : 1, sizeof(char *));
    t->units = calloc(ncols ? ncols : 1, sizeof(char *));
    t->cols = calloc(ncols ? ncols : 1, sizeof(double *));
    t->ncols = ncols;
    t->nrows = nrows;
    if (!t->names || !t->raw_names || !t->units || !t->cols) goto oom;
    for (size_t c = 0; c < ncols; c++)
        if (!(t->cols[c] = calloc(nrows ? nrows : 1, sizeof(double)))) goto oom;
    return 0;
oom:
    tl_mpt_free(t);
    return tl_err(err, "out of memory for a %zu x %zu .mpt table", nrows, ncols);
}

int tl_mpt_set_name(tl_mpt *t, size_t c, const char *name, tl_error *err)
{
    char unit[64];
    free(t->names[c]); free(t->raw_names[c]); free(t->units[c]);
    t->raw_names[c] = strdup(name);
    t->names[c] = strdup(tl_mpt_alias(name));
    t->units[c] = strdup(tl_mpt_unit(t->names[c] ? t->names[c] : name, unit, sizeof unit));
    if (!t->raw_names[c] || !t->names[c] || !t->units[c]) return tl_err(err, "out of memory");
    return 0;
}

/* ---- text helpers ---- */

static int valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char b = s[i];
        size_t k = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : 9;
        if (k == 9 || (k && (b < 0xC2 || i + k >= len))) return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return 0;
        i += k + 1;
    }
    return 1;
}

char *tl_mpt_to_utf8(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (valid_utf8(u, len)) {
        char *o = malloc(len + 1);
        if (o) { memcpy(o, s, len); o[len] = 0; }
        return o;
    }
    char *o = malloc(2 * len + 1), *p = o;
    if (!o) return NULL;
    for (size_t i = 0; i < len; i++) {
        if (u[i] < 0x80) *p++ = (char)u[i];
        else { *p++ = (char)(0xC0 | (u[i] >> 6)); *p++ = (char)(0x80 | (u[i] & 0x3F)); }
    }
    *p = 0;
    return o;
}

char *tl_mpt_to_latin1(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    char *o = malloc(len + 1), *p = o;
    if (!o) return NULL;
    for (size_t i = 0; i < len;) {
        unsigned char b = u[i];
        if (b < 0x80) { *p++ = (char)b; i++; continue; }
        size_t k = (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : 0;
        unsigned cp = k == 1 ? (b & 0x1Fu) : k == 2 ? (b & 0x0Fu) : (b & 0x07u);
        size_t j = 1;
        for (; j <= k && i + j < len && (u[i + j] & 0xC0) == 0x80; j++) cp = (cp << 6) | (u[i + j] & 0x3Fu);
        *p++ = (k && j == k + 1 && cp <= 0xFF) ? (char)cp : '?';
        i += j;
    }
    *p = 0;
    return o;
}

int tl_mpt_parse_number(const char *s, double *x)
{
    /* strtod follows LC_NUMERIC, which a host may have changed: parse in
     * the C locale, after turning a decimal comma into a point. */
    static locale_t c_locale = (locale_t)0;
    if (!c_locale) c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    char buf[128];
    while (*s == ' ') s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\r')) len--;
    if (len == 0 || len >= sizeof buf) return -1;
    int seps = 0;
    for (size_t i = 0; i < len; i++) {
        buf[i] = s[i] == ',' ? '.' : s[i];
        if (buf[i] == '.') seps++;
    }
    buf[len] = 0;
    if (seps > 1) return -1;
    char *end;
    *x = c_locale ? strtod_l(buf, &end, c_locale) : strtod(buf, &end);
    return (end == buf || *end) ? -1 : 0;
}
