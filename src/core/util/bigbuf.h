/* bigbuf.h — large, 64-byte-aligned buffers that are reused.
 *
 * Streaming code allocates the same block sizes over and over (a slab of
 * sinograms, a block of slices). Fresh memory from the kernel costs a page
 * fault and a page clear per 4 kB, which on a virtual machine is a third
 * of a Gridrec's time: freed large buffers are kept (a few, up to a byte
 * budget) and handed back for the next request of the same size. */
#ifndef TL_BIGBUF_H
#define TL_BIGBUF_H

#include <stddef.h>

/* Like malloc, 64-byte aligned; zeroed when zero != 0. NULL when out of memory. */
void *tl_big_alloc(size_t bytes, int zero);
void tl_big_free(void *p);
/* Give cached buffers back to the system: the REPL at each prompt, and the
 * Lua GC pacer after a full collection (memory is short). A script keeps
 * up to the budget (1 GB) of freed buffers between its steps on purpose:
 * reconstructing scan after scan, or recycling a result, reuses them, and
 * fresh pages cost half of a Gridrec's speed on this VM. */
void tl_big_trim(void);

#endif
