/* tl_error.h — how core functions report failure.
 *
 * Every core function that can fail returns 0 on success and -1 on
 * failure, after filling a tl_error with a message that names the file,
 * dataset, argument or shape involved. No longjmp, no exit: the caller
 * (a C program or the Lua binding) decides how to raise it. */
#ifndef TL_ERROR_H
#define TL_ERROR_H

#include <stddef.h>

#define TL_ERRMSG_MAX 1024

typedef struct tl_error {
    char msg[TL_ERRMSG_MAX];
} tl_error;

/* Fill err with a printf-style message; returns -1 so callers can write
 * `return tl_err(err, "...");`. err may be NULL. */
int tl_err(tl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix an existing message ("reading 'a.h5': " + old message). */
int tl_err_prefix(tl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Ctrl-C support: the host sets this flag from a signal handler; long
 * loops call tl_interrupted() at safe points and stop with an error. */
extern volatile int tl_interrupt_flag;
/* Returns -1 with "interrupted" in err if the flag is set (and clears it). */
int tl_check_interrupt(tl_error *err);

/* Progress on stderr: the host chooses the mode once. Core operators call
 * tl_progress(label, done, total) from one thread only; it prints at most
 * a few times a second and ends the line when done == total. */
typedef enum { TL_PROGRESS_AUTO = 0, TL_PROGRESS_ON, TL_PROGRESS_OFF } tl_progress_mode;
void tl_progress_set_mode(tl_progress_mode mode);
int tl_progress_enabled(void);
void tl_progress(const char *label, size_t done, size_t total);

#endif
