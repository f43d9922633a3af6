/* tl_test.h — helpers shared by the Check suites. */
#ifndef TL_TEST_H
#define TL_TEST_H

#include <check.h>
#include <math.h>
#include <stdint.h>

#include "registry.h"
#include "vol/vol.h"

/* |obs - exp| <= rtol * |exp| (or <= rtol when exp == 0); NaN only equals NaN. */
#define ck_assert_close(obs, exp, rtol) do { \
    double o_ = (double)(obs), e_ = (double)(exp), t_ = (double)(rtol); \
    int ok_ = (isnan(o_) && isnan(e_)) || fabs(o_ - e_) <= t_ * (e_ == 0 ? 1.0 : fabs(e_)); \
    ck_assert_msg(ok_, "%s = %.17g observed vs %.17g expected (rtol %g)", #obs, o_, e_, t_); \
} while (0)

/* Deterministic RNG for tests (splitmix64). */
static inline uint64_t tl_test_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline double tl_test_uniform(uint64_t *s) { return (double)(tl_test_rand(s) >> 11) * 0x1.0p-53; }

/* Path to ../shared/data/<rel> if present, else NULL (tests then skip with a message). */
const char *tl_test_shared(const char *rel);

#endif
