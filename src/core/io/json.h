/* json.h — a small JSON reader for the provenance tomolith writes (and
 * any well-formed JSON): objects keep their member order, strings are
 * UTF-8 with escapes decoded, numbers are doubles. Depth is limited so a
 * hostile file cannot exhaust the stack. */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <stddef.h>

#include "../tl_error.h"

typedef enum { TL_JSON_NULL, TL_JSON_BOOL, TL_JSON_NUMBER, TL_JSON_STRING, TL_JSON_ARRAY, TL_JSON_OBJECT } tl_json_type;

typedef struct tl_json {
    tl_json_type type;
    double num;               /* NUMBER; BOOL as 0/1 */
    char *str;                /* STRING */
    size_t n;                 /* ARRAY / OBJECT: number of items */
    char **keys;              /* OBJECT: member names */
    struct tl_json **items;   /* ARRAY / OBJECT: values */
} tl_json;

/* Parse text (whole input must be one value). NULL + message naming the
 * byte offset on error; `what` names the source in the message. */
tl_json *tl_json_parse(const char *text, const char *what, tl_error *err);
void tl_json_free(tl_json *j);
/* Member of an object by name, or NULL. */
const tl_json *tl_json_get(const tl_json *obj, const char *key);

#endif
