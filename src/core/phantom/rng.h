/* rng.h — counter-based random numbers for the phantom.
 *
 * Every random value is a pure function of (seed, stream, index): the
 * generator hashes the triple with splitmix64 instead of advancing a
 * shared state, so a voxel, pixel or pore gets the same number whatever
 * thread computes it and in whatever order. A small local state
 * (tl_rng) seeded from such a hash serves draws that need several
 * uniforms (Poisson rejection, a pore's position and radius). */
#ifndef TL_PHANTOM_RNG_H
#define TL_PHANTOM_RNG_H

#include <stdint.h>

/* Streams: one per kind of random choice, so adding draws of one kind
 * never shifts another. */
enum {
    TL_RNG_ROUGH = 1, TL_RNG_CONTACT, TL_RNG_PORES, TL_RNG_IMPURITY, TL_RNG_HOTSPOT,
    TL_RNG_GAIN, TL_RNG_GAIN_ERROR, TL_RNG_DATA, TL_RNG_WHITE, TL_RNG_DARK, TL_RNG_ZINGER,
    TL_RNG_RING_PHASE
};

static inline uint64_t tl_splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Hash of (seed, stream, index): the counter-based draw. */
static inline uint64_t tl_rng_hash(uint64_t seed, uint64_t stream, uint64_t index)
{
    return tl_splitmix64(tl_splitmix64(seed ^ tl_splitmix64(stream)) + index);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double tl_rng_u01(uint64_t h) { return (double)(h >> 11) * 0x1.0p-53; }

typedef struct { uint64_t s; } tl_rng;

static inline tl_rng tl_rng_at(uint64_t seed, uint64_t stream, uint64_t index)
{
    tl_rng r = {tl_rng_hash(seed, stream, index)};
    return r;
}
static inline uint64_t tl_rng_next(tl_rng *r) { r->s += 0x9e3779b97f4a7c15ull; return tl_splitmix64(r->s); }
static inline double tl_rng_uniform(tl_rng *r) { return tl_rng_u01(tl_rng_next(r)); }

/* Standard normal (Box–Muller, one value per call; deterministic). */
double tl_rng_normal(tl_rng *r);
/* Poisson(lambda): exact for every lambda (inversion below 10, Hörmann's
 * PTRS transformed rejection above). lambda <= 0 gives 0. */
uint64_t tl_rng_poisson(tl_rng *r, double lambda);

#endif
