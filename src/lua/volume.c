/* volume.c — volumes as Lua userdata: lifetime, printing, accessors and
 * arithmetic. The maths itself is in src/core/vol. */
#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "tl_lua.h"
#include "util/bigbuf.h"

typedef struct { tl_volume *v; } vol_box;

/* Lua's GC sees only the small box, not the voxels behind it: when live
 * C memory doubles since the last full collection, collect now. */
static size_t gc_threshold = (size_t)256 << 20;

void tl_lua_gc_pace(lua_State *L)
{
    if (tl_vol_live_bytes() <= gc_threshold) return;
    lua_gc(L, LUA_GCCOLLECT);
    tl_big_trim(); /* memory is short: the freed volumes' cached buffers go back too */
    size_t live = tl_vol_live_bytes();
    gc_threshold = live * 2 > ((size_t)256 << 20) ? live * 2 : ((size_t)256 << 20);
}

void tl_lua_push_volume(lua_State *L, tl_volume *v)
{
    vol_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->v = v;
    luaL_setmetatable(L, TL_VOLUME_MT);
    tl_lua_gc_pace(L);
}

tl_volume *tl_lua_to_volume(lua_State *L, int idx)
{
    vol_box *b = luaL_testudata(L, idx, TL_VOLUME_MT);
    return b ? b->v : NULL;
}

tl_volume *tl_lua_check_volume(lua_State *L, int idx)
{
    vol_box *b = luaL_checkudata(L, idx, TL_VOLUME_MT);
    if (!b->v) luaL_argerror(L, idx, "attempt to use a closed volume");
    return b->v;
}

static int vol_gc(lua_State *L)
{
    vol_box *b = luaL_checkudata(L, 1, TL_VOLUME_MT);
    if (b->v) { tl_vol_unref(b->v); b->v = NULL; }
    return 0;
}

/* lua_pushfstring has no %g: format numbers ourselves. */
static int vol_tostring_fmt(lua_State *L)
{
    vol_box *b = luaL_checkudata(L, 1, TL_VOLUME_MT);
    if (!b->v) { lua_pushliteral(L, "volume (closed)"); return 1; }
    const tl_volume *v = b->v;
    char buf[256];
    double mb = (double)tl_vol_bytes(v) / 1e6;
    char size[32];
    if (mb >= 1000) snprintf(size, sizeof size, "%.2f GB", mb / 1000);
    else if (mb >= 0.1) snprintf(size, sizeof size, "%.1f MB", mb);
    else snprintf(size, sizeof size, "%.1f kB", mb * 1000);
    if (v->nz == 1 && v->ny == 1 && v->dtype == TL_F64)
        snprintf(buf, sizeof buf, "series of %zu values (f64)", v->nx);
    else if (v->nz == 1)
        snprintf(buf, sizeof buf, "map (%zu, %zu) %s, pixel %g x %g µm, %s", v->ny, v->nx,
                 tl_dtype_name(v->dtype), v->voxel_um[1], v->voxel_um[2], size);
    else
        snprintf(buf, sizeof buf, "volume (%zu, %zu, %zu) %s, voxel %g x %g x %g µm, %s", v->nz, v->ny,
                 v->nx, tl_dtype_name(v->dtype), v->voxel_um[0], v->voxel_um[1], v->voxel_um[2], size);
    lua_pushstring(L, buf);
    return 1;
}

static int vol_shape(lua_State *L)
{
    tl_volume *v = tl_lua_check_volume(L, 1);
    lua_pushinteger(L, (lua_Integer)v->nz);
    lua_pushinteger(L, (lua_Integer)v->ny);
    lua_pushinteger(L, (lua_Integer)v->nx);
    return 3;
}

static int vol_dtype(lua_State *L)
{
    lua_pushstring(L, tl_dtype_name(tl_lua_check_volume(L, 1)->dtype));
    return 1;
}

/* v:voxel() -> z, y, x in µm; v:voxel(z, y, x) or v:voxel(s) sets them. */
static int vol_voxel(lua_State *L)
{
    tl_volume *v = tl_lua_check_volume(L, 1);
    int n = lua_gettop(L);
    if (n >= 2) {
        double z = luaL_checknumber(L, 2);
        double y = n >= 3 ? luaL_checknumber(L, 3) : z, x = n >= 4 ? luaL_checknumber(L, 4) : y;
        luaL_argcheck(L, z > 0 && y > 0 && x > 0 && isfinite(z + y + x), 2, "voxel sizes must be positive µm");
        tl_vol_set_voxel(v, z, y, x);
        lua_settop(L, 1);
        return 1;
    }
    for (int i = 0; i < 3; i++) lua_pushnumber(L, v->voxel_um[i]);
    return 3;
}

static size_t check_index(lua_State *L, int idx, size_t n, const char *axis)
{
    lua_Integer i = luaL_checkinteger(L, idx);
    if (i < 1 || (size_t)i > n)
        luaL_error(L, "%s index %d is outside 1..%d", axis, (int)i, (int)n);
    return (size_t)(i - 1);
}

/* v:get(z, y, x), or v:get(y, x) for a map, or v:get(i) for a series; 1-based. */
static void check_zyx(lua_State *L, tl_volume *v, int nidx, size_t *z, size_t *y, size_t *x)
{
    if (nidx == 3) {
        *z = check_index(L, 2, v->nz, "z"); *y = check_index(L, 3, v->ny, "y"); *x = check_index(L, 4, v->nx, "x");
    } else if (nidx == 2 && v->nz == 1) {
        *z = 0; *y = check_index(L, 2, v->ny, "y"); *x = check_index(L, 3, v->nx, "x");
    } else if (nidx == 1 && v->nz == 1 && v->ny == 1) {
        *z = *y = 0; *x = check_index(L, 2, v->nx, "x");
    } else {
        luaL_error(L, "volume (%d, %d, %d) needs %s indices", (int)v->nz, (int)v->ny, (int)v->nx,
                   v->nz > 1 ? "z, y, x" : v->ny > 1 ? "y, x (or z, y, x)" : "one");
    }
}

static int vol_get(lua_State *L)
{
    tl_volume *v = tl_lua_check_volume(L, 1);
    size_t z, y, x;
    check_zyx(L, v, lua_gettop(L) - 1, &z, &y, &x);
    double d = tl_vol_get(v, z, y, x);
    if (v->dtype == TL_F32 || v->dtype == TL_F64) lua_pushnumber(L, d);
    else lua_pushinteger(L, (lua_Integer)d);
    return 1;
}

static int vol_set(lua_State *L)
{
    tl_volume *v = tl_lua_check_volume(L, 1);
    int n = lua_gettop(L);
    double value = luaL_checknumber(L, n);
    size_t z, y, x;
    lua_settop(L, n - 1);
    check_zyx(L, v, n - 2, &z, &y, &x);
    tl_vol_put(v, z, y, x, value);
    return 0;
}

/* v:meta() -> table; v:meta(key) -> value; v:meta(key, value) sets. */
static int vol_meta(lua_State *L)
{
    tl_volume *v = tl_lua_check_volume(L, 1);
    if (lua_gettop(L) == 1) {
        lua_createtable(L, 0, (int)v->nmeta);
        for (size_t i = 0; i < v->nmeta; i++) {
            lua_pushstring(L, v->meta[i].value);
            lua_setfield(L, -2, v->meta[i].key);
        }
        return 1;
    }
    const char *key = luaL_checkstring(L, 2);
    if (lua_gettop(L) == 2) {
        const char *val = tl_vol_meta_get(v, key);
        if (val) lua_pushstring(L, val); else lua_pushnil(L);
        return 1;
    }
    const char *val = luaL_checkstring(L, 3);
    tl_error err;
    if (tl_vol_meta_set(v, key, val, &err)) return luaL_error(L, "%s", err.msg);
    return 0;
}

static int vol_close(lua_State *L) { return vol_gc(L); }

/* Element-wise maths: volume op volume, volume op number, number op volume. */
static int arith(lua_State *L, tl_binop op)
{
    tl_volume *a = tl_lua_to_volume(L, 1), *b = tl_lua_to_volume(L, 2), *r;
    tl_error err;
    if (a && b) r = tl_vol_binop(a, b, op, &err);
    else if (a && lua_type(L, 2) == LUA_TNUMBER) r = tl_vol_binop_scalar(a, lua_tonumber(L, 2), op, 0, &err);
    else if (b && lua_type(L, 1) == LUA_TNUMBER) r = tl_vol_binop_scalar(b, lua_tonumber(L, 1), op, 1, &err);
    else return luaL_error(L, "volume arithmetic needs volumes or numbers, got %s and %s",
                           luaL_typename(L, 1), luaL_typename(L, 2));
    if (!r) return luaL_error(L, "%s", err.msg);
    tl_lua_push_volume(L, r);
    return 1;
}

static int vol_add(lua_State *L) { return arith(L, TL_OP_ADD); }
static int vol_sub(lua_State *L) { return arith(L, TL_OP_SUB); }
static int vol_mul(lua_State *L) { return arith(L, TL_OP_MUL); }
static int vol_div(lua_State *L) { return arith(L, TL_OP_DIV); }
static int vol_unm(lua_State *L)
{
    tl_error err;
    tl_volume *r = tl_vol_binop_scalar(tl_lua_check_volume(L, 1), 0, TL_OP_SUB, 1, &err);
    if (!r) return luaL_error(L, "%s", err.msg);
    tl_lua_push_volume(L, r);
    return 1;
}
/* Lua turns the result of __lt/__le into a boolean, so masks come from
 * methods: v:lt(x), v:le(x), v:gt(x), v:ge(x), v:eq(x), v:ne(x). */
static int vol_lt(lua_State *L) { luaL_checkany(L, 2); return arith(L, TL_OP_LT); }
static int vol_le(lua_State *L) { luaL_checkany(L, 2); return arith(L, TL_OP_LE); }
static int vol_gt(lua_State *L) { luaL_checkany(L, 2); return arith(L, TL_OP_GT); }
static int vol_ge(lua_State *L) { luaL_checkany(L, 2); return arith(L, TL_OP_GE); }
static int vol_eq(lua_State *L) { luaL_checkany(L, 2); return arith(L, TL_OP_EQ); }
static int vol_ne(lua_State *L) { luaL_checkany(L, 2); return arith(L, TL_OP_NE); }

static int vol_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tl_vol_count(tl_lua_check_volume(L, 1)));
    return 1;
}

static const luaL_Reg vol_methods[] = {
    {"shape", vol_shape}, {"dtype", vol_dtype}, {"voxel", vol_voxel}, {"get", vol_get},
    {"set", vol_set}, {"meta", vol_meta}, {"close", vol_close},
    {"lt", vol_lt}, {"le", vol_le}, {"gt", vol_gt}, {"ge", vol_ge}, {"eq", vol_eq}, {"ne", vol_ne},
    {NULL, NULL},
};

static const luaL_Reg vol_meta_fns[] = {
    {"__gc", vol_gc}, {"__close", vol_gc}, {"__tostring", vol_tostring_fmt},
    {"__add", vol_add}, {"__sub", vol_sub}, {"__mul", vol_mul}, {"__div", vol_div}, {"__unm", vol_unm},
    {"__len", vol_len},
    {NULL, NULL},
};

int tl_lua_open_volume(lua_State *L)
{
    luaL_newmetatable(L, TL_VOLUME_MT);
    luaL_setfuncs(L, vol_meta_fns, 0);
    lua_newtable(L);
    luaL_setfuncs(L, vol_methods, 0);
    /* registry operators flagged as methods of their first argument */
    for (const tl_op *const *p = tl_registry_all(); *p; p++) {
        const tl_op *op = *p;
        if (!(op->flags & TL_OP_METHOD) || !op->args || op->args[0].type != TL_T_VOLUME) continue;
        tl_lua_push_op(L, op);
        lua_setfield(L, -2, op->name);
    }
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    return 0;
}
