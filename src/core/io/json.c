/* json.c — recursive-descent JSON reader (RFC 8259), small and strict. */
#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
    const char *s, *p, *what;
    tl_error *err;
    int failed;
} parser;

static void fail(parser *ps, const char *why)
{
    if (ps->failed) return;
    ps->failed = 1;
    tl_err(ps->err, "%s: bad JSON at byte %zu: %s", ps->what, (size_t)(ps->p - ps->s), why);
}

static void skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') ps->p++;
}

static tl_json *node(tl_json_type t)
{
    tl_json *j = calloc(1, sizeof *j);
    if (j) j->type = t;
    return j;
}

void tl_json_free(tl_json *j)
{
    if (!j) return;
    for (size_t i = 0; i < j->n; i++) {
        if (j->keys) free(j->keys[i]);
        tl_json_free(j->items[i]);
    }
    free(j->keys);
    free(j->items);
    free(j->str);
    free(j);
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string starting at the opening quote; returns malloc'ed UTF-8.
 * Escapes never make the text longer, so the input length bounds the output. */
static char *parse_string(parser *ps)
{
    const char *start = ++ps->p;
    size_t len = 0;
    while (start[len] && start[len] != '"') {
        if (start[len] == '\\' && start[len + 1]) len++;
        len++;
    }
    if (!start[len]) { fail(ps, "unterminated string"); return NULL; }
    char *out = malloc(len + 1), *o = out;
    if (!out) { fail(ps, "out of memory"); return NULL; }
    while (*ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) { fail(ps, "control character in string"); free(out); return NULL; }
        if (c != '\\') { *o++ = (char)c; ps->p++; continue; }
        ps->p++;
        switch (*ps->p) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(ps->p + 1, &cp)) { fail(ps, "bad \\u escape"); free(out); return NULL; }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->p[1] == '\\' && ps->p[2] == 'u' &&
                hex4(ps->p + 3, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->p += 6;
            }
            o += put_utf8(o, cp);
            break;
        }
        default: fail(ps, "bad escape in string"); free(out); return NULL;
        }
        ps->p++;
    }
    ps->p++;
    *o = 0;
    return out;
}

static int push(parser *ps, tl_json *j, char *key, tl_json *item)
{
    char **nk = NULL;
    tl_json **ni = realloc(j->items, (j->n + 1) * sizeof *ni);
    if (ni) j->items = ni;
    if (ni && key) {
        nk = realloc(j->keys, (j->n + 1) * sizeof *nk);
        if (nk) j->keys = nk;
    }
    if (!ni || (key && !nk)) { fail(ps, "out of memory"); free(key); tl_json_free(item); return -1; }
    if (key) j->keys[j->n] = key;
    j->items[j->n++] = item;
    return 0;
}

static tl_json *parse_value(parser *ps, int depth)
{
    skip_ws(ps);
    if (depth > MAX_DEPTH) { fail(ps, "nested too deeply"); return NULL; }
    char c = *ps->p;
    tl_json *j = NULL;
    if (c == '{' || c == '[') {
        int obj = c == '{';
        j = node(obj ? TL_JSON_OBJECT : TL_JSON_ARRAY);
        if (!j) { fail(ps, "out of memory"); return NULL; }
        ps->p++;
        skip_ws(ps);
        if (*ps->p == (obj ? '}' : ']')) { ps->p++; return j; }
        for (;;) {
            char *key = NULL;
            if (obj) {
                skip_ws(ps);
                if (*ps->p != '"') { fail(ps, "expected a member name"); break; }
                key = parse_string(ps);
                if (!key) break;
                skip_ws(ps);
                if (*ps->p != ':') { fail(ps, "expected ':'"); free(key); break; }
                ps->p++;
            }
            tl_json *item = parse_value(ps, depth + 1);
            if (!item) { free(key); break; }
            if (push(ps, j, key, item)) break;
            skip_ws(ps);
            if (*ps->p == ',') { ps->p++; continue; }
            if (*ps->p == (obj ? '}' : ']')) { ps->p++; return j; }
            fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            break;
        }
        tl_json_free(j);
        return NULL;
    }
    if (c == '"') {
        j = node(TL_JSON_STRING);
        if (!j) { fail(ps, "out of memory"); return NULL; }
        j->str = parse_string(ps);
        if (!j->str) { tl_json_free(j); return NULL; }
        return j;
    }
    if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
        j = node(TL_JSON_BOOL);
        if (!j) { fail(ps, "out of memory"); return NULL; }
        j->num = c == 't';
        ps->p += c == 't' ? 4 : 5;
        return j;
    }
    if (strncmp(ps->p, "null", 4) == 0) {
        ps->p += 4;
        j = node(TL_JSON_NULL);
        if (!j) fail(ps, "out of memory");
        return j;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        errno = 0;
        double x = strtod(ps->p, &end);
        if (end == ps->p) { fail(ps, "bad number"); return NULL; }
        ps->p = end;
        j = node(TL_JSON_NUMBER);
        if (!j) { fail(ps, "out of memory"); return NULL; }
        j->num = x;
        return j;
    }
    fail(ps, c ? "unexpected character" : "unexpected end of text");
    return NULL;
}

tl_json *tl_json_parse(const char *text, const char *what, tl_error *err)
{
    parser ps = {text, text, what ? what : "JSON", err, 0};
    tl_json *j = parse_value(&ps, 0);
    if (!j) return NULL;
    skip_ws(&ps);
    if (*ps.p) { fail(&ps, "text after the value"); tl_json_free(j); return NULL; }
    return j;
}

const tl_json *tl_json_get(const tl_json *obj, const char *key)
{
    if (!obj || obj->type != TL_JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}
