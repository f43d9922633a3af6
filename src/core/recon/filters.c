/* filters.c — reconstruction filters with TomoPy's names and windows.
 *
 * TomoPy's gridrec multiplies the data's transform by |2x| · window(x),
 * x = j / P in [0, 1/2], and sets the zero frequency to 0, which loses
 * the mean of the slice (the bias of unpadded Gridrec). Here the ramp is
 * the DFT of the sampled band-limited Ram-Lak kernel (h0 = 1/4,
 * h_n = -1/(π n)² for odd n), which equals |x| up to a small positive
 * value at x = 0 that keeps the mean right; the windows are TomoPy's. */
#include "recon.h"

#include <math.h>
#include <string.h>

static const char *const filter_names[TL_NFILTERS] = {
    "shepp", "parzen", "hann", "hamming", "ramlak", "cosine", "butterworth", "none"};

int tl_filter_parse(const char *name, tl_filter *f, tl_error *err)
{
    for (int i = 0; i < TL_NFILTERS; i++)
        if (name && strcmp(name, filter_names[i]) == 0) { *f = (tl_filter)i; return 0; }
    return tl_err(err, "filter '%s' is unknown (one of: %s)", name ? name : "(null)", TL_FILTER_NAMES);
}

/* TomoPy's window: its filter value divided by |2x|. */
static double window(tl_filter f, double x, double cutoff, double order)
{
    switch (f) {
    case TL_FILTER_SHEPP: return x == 0 ? 1.0 : sin(M_PI * x) / (M_PI * x);
    case TL_FILTER_PARZEN: return pow(1.0 - fabs(x) / cutoff, 3);
    case TL_FILTER_HANN: return 0.5 * (1.0 + cos(2.0 * M_PI * x / cutoff));
    case TL_FILTER_HAMMING: return 0.54 + 0.46 * cos(2.0 * M_PI * x / cutoff);
    case TL_FILTER_RAMLAK: return 1.0;
    case TL_FILTER_COSINE: return cos(M_PI * x);
    case TL_FILTER_BUTTERWORTH: return 1.0 / (1.0 + pow(x / cutoff, 2.0 * order));
    default: return 1.0;
    }
}

int tl_filter_response(tl_filter f, double cutoff, double order, size_t P, double *H, tl_error *err)
{
    if (P < 2 || P % 2) return tl_err(err, "filter: transform length %zu must be even and >= 2", P);
    if (!(cutoff > 0)) return tl_err(err, "filter: cutoff must be > 0 (got %g)", cutoff);
    if (f == TL_FILTER_NONE) {
        /* TomoPy's "none" is a flat response equal to its ramp at Nyquist. */
        for (size_t j = 0; j <= P / 2; j++) H[j] = 0.5;
        return 0;
    }
    size_t half = P / 2;
    for (size_t j = 0; j <= half; j++) {
        double r = 0.25;
        /* lags n and -n for odd n < P/2; lag -P/2 (when odd) once */
        for (size_t n = 1; n <= half; n += 2) {
            double hn = -1.0 / (M_PI * M_PI * (double)n * (double)n);
            double c = cos(2.0 * M_PI * (double)((j * n) % P) / (double)P);
            r += (n == half ? 1.0 : 2.0) * hn * c;
        }
        H[j] = r * window(f, (double)j / (double)P, cutoff, order);
    }
    return 0;
}
