/* util.c — small host facilities for recipes and benchmarks: wall clock,
 * OpenMP thread count, memory held by volumes, provenance parameters. */
#include <lauxlib.h>
#include <omp.h>
#include <stdlib.h>
#include <time.h>

#include "io/provenance.h"
#include "tl_lua.h"

static int l_clock(lua_State *L)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    lua_pushnumber(L, (double)t.tv_sec + 1e-9 * (double)t.tv_nsec);
    return 1;
}

/* tl.threads() -> n; tl.threads(n) sets the OpenMP thread count. */
static int l_threads(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) {
        lua_Integer n = luaL_checkinteger(L, 1);
        luaL_argcheck(L, n >= 1 && n <= 1024, 1, "thread count must be 1..1024");
        omp_set_num_threads((int)n);
    }
    lua_pushinteger(L, omp_get_max_threads());
    return 1;
}

static int l_memory(lua_State *L)
{
    lua_pushnumber(L, (double)tl_vol_live_bytes() / 1e6);
    return 1;
}

/* Recorded in every output's provenance (used by tl.params). */
static int l_record_param(lua_State *L)
{
    tl_prov_set_param(luaL_checkstring(L, 1), luaL_checkstring(L, 2));
    return 0;
}

/* The provenance JSON that outputs carry, and a sidecar for files written
 * from Lua (reports, CSV tables). */
static int l_prov_json(lua_State *L)
{
    tl_error err;
    char *j = tl_prov_json(&err);
    if (!j) return luaL_error(L, "%s", err.msg);
    lua_pushstring(L, j);
    free(j);
    return 1;
}

static int l_prov_sidecar(lua_State *L)
{
    tl_error err;
    if (tl_prov_write_sidecar(luaL_checkstring(L, 1), &err)) return luaL_error(L, "%s", err.msg);
    return 0;
}

static int l_prov_input(lua_State *L)
{
    tl_prov_add_input(luaL_checkstring(L, 1));
    return 0;
}

static const luaL_Reg fns[] = {
    {"_provenance_json", l_prov_json}, {"_provenance_sidecar", l_prov_sidecar}, {"_provenance_input", l_prov_input},
    {"clock", l_clock}, {"threads", l_threads}, {"memory_mb", l_memory}, {"_record_param", l_record_param},
    {NULL, NULL},
};

int tl_lua_open_util(lua_State *L)
{
    lua_getglobal(L, "tl");
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
    return 0;
}
