/* atomic.c — temporary names and rename-on-success. */
#include "atomic.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_uint counter;

int tl_atomic_tmpname(const char *path, char *tmp, size_t n, tl_error *err)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    if (!*base) return tl_err(err, "output path '%s' names a folder, not a file", path);
    if (slash) {
        char dir[4096];
        if (dirlen >= sizeof dir) return tl_err(err, "output path '%s' is too long", path);
        memcpy(dir, path, dirlen);
        dir[dirlen] = 0;
        struct stat st;
        if (dirlen && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            return tl_err(err, "cannot write '%s': folder '%s' does not exist", path, dir);
    }
    int k = snprintf(tmp, n, "%.*s%s.%s.tmp-%ld-%u", (int)dirlen, path, slash ? "/" : "", base,
                     (long)getpid(), atomic_fetch_add(&counter, 1));
    if (k < 0 || (size_t)k >= n) return tl_err(err, "output path '%s' is too long", path);
    return 0;
}

int tl_atomic_commit(const char *tmp, const char *path, tl_error *err)
{
    if (rename(tmp, path) == 0) return 0;
    int e = errno;
    unlink(tmp);
    return tl_err(err, "cannot move finished output into place as '%s': %s", path, strerror(e));
}

void tl_atomic_abort(const char *tmp) { unlink(tmp); }
