/* bigbuf.c — an exact-size cache of large buffers in front of mmap. */
#include "bigbuf.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HEADER 64                       /* keeps the payload 64-byte aligned */
#define BIG ((size_t)1 << 20)           /* below this, the heap is fine */
#define SLOTS 8
#define BUDGET ((size_t)1 << 30)        /* bytes kept at most */

typedef struct { size_t total; int big; } header;

static struct { void *base; size_t total; } cache[SLOTS];
static size_t cached_bytes;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void *tl_big_alloc(size_t bytes, int zero)
{
    if (bytes > SIZE_MAX - 2 * HEADER) return NULL;
    size_t total = bytes + HEADER;
    void *base = NULL;
    int fresh = 0;
    if (total < BIG) {
        base = aligned_alloc(64, (total + 63) & ~(size_t)63);
        if (!base) return NULL;
    } else {
        total = (total + 4095) & ~(size_t)4095;
        pthread_mutex_lock(&lock);
        for (int i = 0; i < SLOTS; i++)
            if (cache[i].base && cache[i].total == total) {
                base = cache[i].base;
                cache[i].base = NULL;
                cached_bytes -= total;
                break;
            }
        pthread_mutex_unlock(&lock);
        if (!base) {
            base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (base == MAP_FAILED) return NULL;
            fresh = 1; /* the kernel's pages are zero */
        }
    }
    header *h = base;
    h->total = total;
    h->big = total >= BIG;
    void *p = (char *)base + HEADER;
    if (zero && !fresh) memset(p, 0, bytes);
    return p;
}

void tl_big_free(void *p)
{
    if (!p) return;
    void *base = (char *)p - HEADER;
    header *h = base;
    if (!h->big) { free(base); return; }
    size_t total = h->total;
    pthread_mutex_lock(&lock);
    int slot = -1;
    if (total <= BUDGET) {
        /* make room: drop entries, in slot order, until this one fits the budget */
        for (int i = 0; i < SLOTS && cached_bytes + total > BUDGET; i++)
            if (cache[i].base) {
                munmap(cache[i].base, cache[i].total);
                cached_bytes -= cache[i].total;
                cache[i].base = NULL;
            }
        for (int i = 0; i < SLOTS; i++) if (!cache[i].base) { slot = i; break; }
    }
    if (slot >= 0) {
        cache[slot].base = base;
        cache[slot].total = total;
        cached_bytes += total;
        base = NULL;
    }
    pthread_mutex_unlock(&lock);
    if (base) munmap(base, total);
}

void tl_big_trim(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < SLOTS; i++)
        if (cache[i].base) { munmap(cache[i].base, cache[i].total); cache[i].base = NULL; }
    cached_bytes = 0;
    pthread_mutex_unlock(&lock);
}
