/* tl_lua.h — the Lua binding of libtomolith.
 *
 * Converts Lua values to tl_value, calls registry operators, wraps the
 * results. No numerics here: every computation is a core function. */
#ifndef TL_LUA_H
#define TL_LUA_H

#include <lua.h>
#include <stdio.h>

#include "registry.h"

#define TL_VOLUME_MT "tomolith.volume"

/* Open the `tl` table (every operator, namespaces, volume type, help) as a
 * global and in package.loaded["tl"]; install the embedded Lua library. */
int tl_lua_open(lua_State *L);

/* Volumes as userdata. push takes over the caller's reference. */
void tl_lua_push_volume(lua_State *L, tl_volume *v);
tl_volume *tl_lua_check_volume(lua_State *L, int idx);
tl_volume *tl_lua_to_volume(lua_State *L, int idx); /* NULL if not a live volume */
int tl_lua_open_volume(lua_State *L);               /* metatable + methods */

/* Objects of registry classes. push takes over the reference. */
void tl_lua_push_object(lua_State *L, tl_object *o);
tl_object *tl_lua_to_object(lua_State *L, int idx); /* NULL if not an object */

/* Conversions used by the generic operator call. Values that need memory
 * are allocated in a scratch userdata at `scratch` (freed by the GC), so a
 * Lua error part-way through leaks nothing. */
void tl_lua_to_value(lua_State *L, int idx, const tl_op *op, const tl_arg *a, tl_value *v, int scratch);
void tl_lua_push_value(lua_State *L, tl_value *v);    /* steals volumes and objects */
void tl_lua_push_record(lua_State *L, tl_record *r); /* steals */
int tl_lua_new_scratch(lua_State *L);                 /* pushes it; returns its index */
void tl_lua_scratch_keep(lua_State *L, int scratch, void *p);         /* free(p) at GC */
void tl_lua_scratch_keep_record(lua_State *L, int scratch, tl_record *r);

/* Pushes a C closure calling op (positional args, then an options table). */
void tl_lua_push_op(lua_State *L, const tl_op *op);

/* help() and the Markdown reference (tomolith --docs). */
int tl_lua_open_help(lua_State *L);
int tl_lua_open_util(lua_State *L); /* tl.clock, tl.threads, ... (after tl exists) */
int tl_lua_write_docs(FILE *out);

/* Embedded lua/tl modules (lua/tl/NAME.lua), found by require. */
void tl_lua_install_embedded(lua_State *L);

/* Ask for a full collection when C memory behind volumes grew a lot. */
void tl_lua_gc_pace(lua_State *L);

#endif
