/* sha256.h — SHA-256 (FIPS 180-4), for provenance of input files. */
#ifndef TL_SHA256_H
#define TL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "../tl_error.h"

typedef struct {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t nbuf;
} tl_sha256;

void tl_sha256_init(tl_sha256 *s);
void tl_sha256_update(tl_sha256 *s, const void *data, size_t n);
void tl_sha256_final(tl_sha256 *s, uint8_t out[32]);
/* Hex digest of a buffer / of a whole file (65 bytes with the NUL). */
void tl_sha256_hex(const void *data, size_t n, char hex[65]);
int tl_sha256_file(const char *path, char hex[65], tl_error *err);

#endif
