/* error.c — error messages, the interrupt flag and progress lines. */
#include "../tl_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile int tl_interrupt_flag = 0;

int tl_err(tl_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int tl_err_prefix(tl_error *err, const char *fmt, ...)
{
    if (!err) return -1;
    char old[TL_ERRMSG_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, "%s", old);
    return -1;
}

int tl_check_interrupt(tl_error *err)
{
    if (!tl_interrupt_flag) return 0;
    tl_interrupt_flag = 0;
    return tl_err(err, "interrupted");
}

static tl_progress_mode progress_mode = TL_PROGRESS_AUTO;

void tl_progress_set_mode(tl_progress_mode mode) { progress_mode = mode; }

int tl_progress_enabled(void)
{
    if (progress_mode == TL_PROGRESS_ON) return 1;
    if (progress_mode == TL_PROGRESS_OFF) return 0;
    return isatty(STDERR_FILENO);
}

void tl_progress(const char *label, size_t done, size_t total)
{
    static struct timespec last;
    if (!tl_progress_enabled() || total == 0) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double dt = (double)(now.tv_sec - last.tv_sec) + 1e-9 * (double)(now.tv_nsec - last.tv_nsec);
    if (done < total && done != 0 && dt < 0.25) return;
    last = now;
    fprintf(stderr, "\r%s: %zu/%zu (%3.0f%%)%s", label, done, total,
            100.0 * (double)done / (double)total, done >= total ? "\n" : "");
    fflush(stderr);
}
