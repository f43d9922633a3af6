/* mpt.h — BioLogic EC-Lab / BT-Lab ".mpt" text exports, read and written.
 *
 * Layout: line 1 "EC-Lab ASCII FILE" (or "BT-Lab ASCII FILE"); line 2
 * "Nb header lines : N", where N counts every header line including the
 * column-name line (line N); then tab-separated data rows. Bytes are
 * Latin-1 (µ is 0xB5), numbers use a decimal point or a decimal comma
 * depending on the Windows locale of the exporting PC. A file without
 * the two first lines (EC-Lab's "no header" export) starts directly with
 * the column names.
 *
 * In memory everything is UTF-8 and column-major doubles. */
#ifndef TL_MPT_H
#define TL_MPT_H

#include <stddef.h>

#include "../tl_error.h"

typedef struct tl_mpt {
    size_t ncols, nrows;
    char **names;     /* column names after aliasing, UTF-8 ("I/mA", "Ewe/V") */
    char **raw_names; /* as written in the file, UTF-8 ("<I>/mA") */
    char **units;     /* unit after the last '/' when it is a known unit, else "" */
    double **cols;    /* cols[c][r] */
    char *technique;  /* "Galvanostatic Cycling with Potential Limitation", "" if absent */
    char *header;     /* settings text: header lines after the technique line and
                         before the column line, UTF-8, '\n'-separated */
} tl_mpt;

void tl_mpt_free(tl_mpt *t); /* frees the contents; *t may be reused */
int tl_mpt_column(const tl_mpt *t, const char *name); /* index or -1 */

/* The canonical name for a column ("<Ewe>/V" -> "Ewe/V"), or the name
 * itself. Returns a pointer into a static table or to name. */
const char *tl_mpt_alias(const char *name);
/* The unit part of a column name ("" when none is recognised). */
const char *tl_mpt_unit(const char *name, char *buf, size_t n);

/* Read a file. Errors name the file and the line: "read_mpt: 'a.mpt'
 * line 65: field 8 (time/s) is 'abc', not a number". */
int tl_mpt_read(const char *path, tl_mpt *out, tl_error *err);
/* Same, from bytes in memory (name is used in messages). */
int tl_mpt_parse(const char *name, const char *buf, size_t len, tl_mpt *out, tl_error *err);

typedef struct tl_mpt_write_opts {
    int decimal_comma; /* 1: "3,42E+000" as a German/French locale exports */
    int digits;        /* digits after the decimal point, 1..17 (EC-Lab: 7 or 15) */
    int provenance;    /* 1: also write "<path>.provenance.json" */
} tl_mpt_write_opts;

/* Write a table (names, technique and header are used; units are part of
 * the names). Atomic: a temporary file renamed on success. */
int tl_mpt_write(const char *path, const tl_mpt *t, const tl_mpt_write_opts *o, tl_error *err);

/* Allocate an empty table of ncols x nrows (names set by the caller). */
int tl_mpt_alloc(tl_mpt *t, size_t ncols, size_t nrows, tl_error *err);
/* Set column c's name (copied; raw name, alias and unit derived). */
int tl_mpt_set_name(tl_mpt *t, size_t c, const char *name, tl_error *err);

#endif
