/* scratch.c — memory owned by a userdata, so a Lua error (which longjmps)
 * during argument conversion leaks nothing: the GC frees it. */
#include <lauxlib.h>
#include <stdlib.h>

#include "tl_lua.h"

#define SCRATCH_MT "tomolith.scratch"

typedef struct scratch {
    void **ptrs;
    size_t n, cap;
    tl_record **recs;
    size_t nrec, caprec;
} scratch;

static int scratch_gc(lua_State *L)
{
    scratch *s = luaL_checkudata(L, 1, SCRATCH_MT);
    for (size_t i = 0; i < s->n; i++) free(s->ptrs[i]);
    for (size_t i = 0; i < s->nrec; i++) tl_record_free(s->recs[i]);
    free(s->ptrs);
    free(s->recs);
    s->ptrs = NULL; s->recs = NULL;
    s->n = s->nrec = 0;
    return 0;
}

int tl_lua_new_scratch(lua_State *L)
{
    scratch *s = lua_newuserdatauv(L, sizeof *s, 0);
    *s = (scratch){0};
    if (luaL_newmetatable(L, SCRATCH_MT)) {
        lua_pushcfunction(L, scratch_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, scratch_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return lua_gettop(L);
}

void tl_lua_scratch_keep(lua_State *L, int idx, void *p)
{
    scratch *s = luaL_checkudata(L, idx, SCRATCH_MT);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        void **q = realloc(s->ptrs, cap * sizeof *q);
        if (!q) { free(p); luaL_error(L, "out of memory"); }
        s->ptrs = q; s->cap = cap;
    }
    s->ptrs[s->n++] = p;
}

void tl_lua_scratch_keep_record(lua_State *L, int idx, tl_record *r)
{
    scratch *s = luaL_checkudata(L, idx, SCRATCH_MT);
    if (s->nrec == s->caprec) {
        size_t cap = s->caprec ? 2 * s->caprec : 4;
        tl_record **q = realloc(s->recs, cap * sizeof *q);
        if (!q) { tl_record_free(r); luaL_error(L, "out of memory"); }
        s->recs = q; s->caprec = cap;
    }
    s->recs[s->nrec++] = r;
}
