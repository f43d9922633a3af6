/* provenance.h — what produced a file.
 *
 * The host records the recipe (path and text) and its parameters once;
 * readers record every input file they open. Every writer then stores
 * the provenance with its output: as the HDF5 attribute
 * "tomolith_provenance" (JSON text) on the file's root group, in TIFF
 * ImageDescription or PNG iTXt "tomolith_provenance" where the format has
 * a place, otherwise in a sidecar "<file>.provenance.json".
 *
 * JSON shape:
 *   {"tomolith_version": "0.1.0", "created_utc": "2026-11-21T16:30:00Z",
 *    "recipe": {"path": "...", "text": "..."},
 *    "parameters": {"name": "value", ...},
 *    "inputs": [{"path": "...", "sha256": "..."}, ...]} */
#ifndef TL_PROVENANCE_H
#define TL_PROVENANCE_H

#include <stdint.h>

#include "../tl_error.h"

void tl_prov_set_recipe(const char *path, const char *text);
void tl_prov_set_param(const char *name, const char *value);
/* Record an input file (absolute or as given); hashed when first needed. */
void tl_prov_add_input(const char *path);
/* Forget inputs and parameters (a fresh REPL session or a test). */
void tl_prov_reset(void);
/* The JSON text above, malloc'ed; hashes inputs not yet hashed. */
char *tl_prov_json(tl_error *err);
/* Write "<path>.provenance.json" (atomically). */
int tl_prov_write_sidecar(const char *path, tl_error *err);

#endif
