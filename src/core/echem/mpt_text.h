/* mpt_text.h — byte-level helpers shared by the .mpt reader and writer
 * (internal to src/core/echem). */
#ifndef TL_MPT_TEXT_H
#define TL_MPT_TEXT_H

#include <stddef.h>

/* Text from the file as UTF-8: kept when it already is valid UTF-8,
 * otherwise read as Latin-1 (each byte one code point). malloc'ed. */
char *tl_mpt_to_utf8(const char *s, size_t len);
/* UTF-8 back to Latin-1 for the file; code points above U+00FF become '?'.
 * malloc'ed. */
char *tl_mpt_to_latin1(const char *s);
/* Parse a whole field as a number, decimal point or comma, independent of
 * the C locale. Returns 0 and sets *x, or -1. */
int tl_mpt_parse_number(const char *s, double *x);

#endif
