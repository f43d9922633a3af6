/* atomic.h — write to a temporary name beside the target, rename on
 * success, so a failed or interrupted write never leaves a partial file. */
#ifndef TL_ATOMIC_H
#define TL_ATOMIC_H

#include <stddef.h>

#include "../tl_error.h"

/* Fills tmp with "<dir>/.<name>.tmp-<pid>-<n>" for path; error if the
 * folder does not exist or the name is too long. */
int tl_atomic_tmpname(const char *path, char *tmp, size_t n, tl_error *err);
/* rename(tmp, path); on failure removes tmp. */
int tl_atomic_commit(const char *tmp, const char *path, tl_error *err);
/* Remove tmp (after a failed write). */
void tl_atomic_abort(const char *tmp);

#endif
