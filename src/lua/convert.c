/* convert.c — Lua values <-> tl_value, as each argument's description asks.
 * Errors read like Lua's own: bad argument 'depth' to 'contact_map'
 * (integer expected, got string). */
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tl_lua.h"

static int bad_type(lua_State *L, const tl_op *op, const tl_arg *a, int idx, const char *expected)
{
    return luaL_error(L, "bad argument '%s' to '%s' (%s expected, got %s)", a->name, op->name, expected,
                      luaL_typename(L, idx));
}

static double check_num(lua_State *L, int idx, const tl_op *op, const tl_arg *a)
{
    if (lua_type(L, idx) != LUA_TNUMBER) bad_type(L, op, a, idx, "number");
    return lua_tonumber(L, idx);
}

static long long check_int(lua_State *L, int idx, const tl_op *op, const tl_arg *a)
{
    if (lua_type(L, idx) != LUA_TNUMBER) bad_type(L, op, a, idx, "integer");
    if (lua_isinteger(L, idx)) return (long long)lua_tointeger(L, idx);
    double d = lua_tonumber(L, idx);
    if (d != floor(d) || !isfinite(d) || fabs(d) > 9e15)
        luaL_error(L, "bad argument '%s' to '%s' (integer expected, got %f)", a->name, op->name, d);
    return (long long)d;
}

static size_t array_len(lua_State *L, int idx, const tl_op *op, const tl_arg *a)
{
    lua_Integer n = luaL_len(L, idx);
    /* a table with string keys is not an array: say so instead of reading 0 items */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
            lua_pop(L, 1);
            luaL_error(L, "bad argument '%s' to '%s' (array expected, the table has other keys)", a->name, op->name);
        }
    }
    return (size_t)n;
}

static void to_record(lua_State *L, int idx, const tl_op *op, const tl_arg *a, tl_record *r, int scratch, int depth);

/* One Lua value inside a record: its type decides the tl_value type. */
static void record_value(lua_State *L, int vidx, const char *key, const tl_op *op, const tl_arg *a, tl_record *r,
                         int scratch, int depth)
{
    tl_volume *vol;
    switch (lua_type(L, vidx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, vidx)) tl_rec_int(r, key, (long long)lua_tointeger(L, vidx));
        else tl_rec_number(r, key, lua_tonumber(L, vidx));
        break;
    case LUA_TBOOLEAN: tl_rec_bool(r, key, lua_toboolean(L, vidx)); break;
    case LUA_TSTRING: tl_rec_string(r, key, lua_tostring(L, vidx)); break;
    case LUA_TUSERDATA:
        if ((vol = tl_lua_to_volume(L, vidx))) { tl_rec_volume(r, key, tl_vol_ref(vol)); break; }
        {
            tl_object *o = tl_lua_to_object(L, vidx);
            if (o) { tl_rec_object(r, key, tl_object_ref(o)); break; }
        }
        luaL_error(L, "bad argument '%s' to '%s' (field '%s' is a userdata tomolith cannot pass)", a->name, op->name, key);
        break;
    case LUA_TTABLE: {
        lua_Integer n = luaL_len(L, vidx);
        lua_rawgeti(L, vidx, 1);
        int first = lua_type(L, -1);
        lua_pop(L, 1);
        if (n > 0 && first == LUA_TNUMBER) {
            double *xs = malloc((size_t)n * sizeof *xs);
            if (!xs) luaL_error(L, "out of memory");
            tl_lua_scratch_keep(L, scratch, xs);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, vidx, i);
                if (lua_type(L, -1) != LUA_TNUMBER)
                    luaL_error(L, "bad argument '%s' to '%s' (field '%s'[%d] is %s, numbers expected)", a->name,
                               op->name, key, (int)i, luaL_typename(L, -1));
                xs[i - 1] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
            tl_rec_numbers(r, key, xs, (size_t)n);
        } else if (n > 0 && first == LUA_TSTRING) {
            const char **ss = malloc((size_t)n * sizeof *ss);
            if (!ss) luaL_error(L, "out of memory");
            tl_lua_scratch_keep(L, scratch, (void *)ss);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, vidx, i);
                if (lua_type(L, -1) != LUA_TSTRING)
                    luaL_error(L, "bad argument '%s' to '%s' (field '%s'[%d] is %s, strings expected)", a->name,
                               op->name, key, (int)i, luaL_typename(L, -1));
                ss[i - 1] = lua_tostring(L, -1);
                lua_pop(L, 1); /* the string stays alive in the table */
            }
            tl_rec_strings(r, key, ss, (size_t)n);
        } else {
            if (depth > 16) luaL_error(L, "bad argument '%s' to '%s' (tables nested too deeply)", a->name, op->name);
            tl_record *sub = tl_record_new();
            if (!sub) luaL_error(L, "out of memory");
            tl_rec_record(r, key, sub);
            to_record(L, vidx, op, a, sub, scratch, depth + 1);
        }
        break;
    }
    default:
        luaL_error(L, "bad argument '%s' to '%s' (field '%s' is a %s)", a->name, op->name, key, luaL_typename(L, vidx));
    }
}

static int cmp_keys(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* A table becomes a record. String keys are sorted (deterministic order);
 * array items get keys "1", "2", ... in order. */
static void to_record(lua_State *L, int idx, const tl_op *op, const tl_arg *a, tl_record *r, int scratch, int depth)
{
    idx = lua_absindex(L, idx);
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        char key[32];
        snprintf(key, sizeof key, "%d", (int)i);
        lua_rawgeti(L, idx, i);
        record_value(L, lua_gettop(L), key, op, a, r, scratch, depth);
        lua_pop(L, 1);
    }
    size_t nk = 0, cap = 16;
    const char **keys = malloc(cap * sizeof *keys);
    if (!keys) luaL_error(L, "out of memory");
    tl_lua_scratch_keep(L, scratch, (void *)keys);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            if (nk == cap) {
                /* grow by keeping the old block in scratch too (freed at GC) */
                const char **k2 = malloc(2 * cap * sizeof *k2);
                if (!k2) luaL_error(L, "out of memory");
                tl_lua_scratch_keep(L, scratch, (void *)k2);
                memcpy(k2, keys, nk * sizeof *keys);
                keys = k2; cap *= 2;
            }
            keys[nk++] = lua_tostring(L, -1);
        } else if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
            luaL_error(L, "bad argument '%s' to '%s' (table keys must be strings or array indices)", a->name, op->name);
        }
    }
    qsort(keys, nk, sizeof *keys, cmp_keys);
    for (size_t i = 0; i < nk; i++) {
        lua_getfield(L, idx, keys[i]);
        record_value(L, lua_gettop(L), keys[i], op, a, r, scratch, depth);
        lua_pop(L, 1);
    }
}

void tl_lua_to_value(lua_State *L, int idx, const tl_op *op, const tl_arg *a, tl_value *v, int scratch)
{
    idx = lua_absindex(L, idx);
    memset(v, 0, sizeof *v);
    v->set = 1;
    v->type = a->type;
    switch (a->type) {
    case TL_T_VOLUME:
        if (!(v->u.vol = tl_lua_to_volume(L, idx))) bad_type(L, op, a, idx, "volume");
        break;
    case TL_T_ANY:
        if ((v->u.vol = tl_lua_to_volume(L, idx))) { v->type = TL_T_VOLUME; break; }
        if ((v->u.obj = tl_lua_to_object(L, idx))) { v->type = TL_T_OBJECT; break; }
        bad_type(L, op, a, idx, "volume or object");
        break;
    case TL_T_OBJECT:
        if (!(v->u.obj = tl_lua_to_object(L, idx)))
            bad_type(L, op, a, idx, a->cls ? a->cls->name : "object");
        break;
    case TL_T_NUMBER: v->u.num = check_num(L, idx, op, a); break;
    case TL_T_INT: v->u.i = check_int(L, idx, op, a); break;
    case TL_T_BOOL:
        if (!lua_isboolean(L, idx)) bad_type(L, op, a, idx, "boolean");
        v->u.b = lua_toboolean(L, idx);
        break;
    case TL_T_STRING: case TL_T_CHOICE:
        if (lua_type(L, idx) != LUA_TSTRING) bad_type(L, op, a, idx, "string");
        v->u.str = (char *)lua_tostring(L, idx);
        break;
    case TL_T_RANGE: {
        if (!lua_istable(L, idx)) bad_type(L, op, a, idx, "range {a, b}");
        lua_rawgeti(L, idx, 1);
        lua_rawgeti(L, idx, 2);
        if (!lua_isinteger(L, -2) || !lua_isinteger(L, -1) || luaL_len(L, idx) != 2)
            luaL_error(L, "bad argument '%s' to '%s' (range {a, b} of two integers expected)", a->name, op->name);
        v->u.range.lo = (long long)lua_tointeger(L, -2) - 1;
        v->u.range.hi = (long long)lua_tointeger(L, -1);
        lua_pop(L, 2);
        break;
    }
    case TL_T_NUMBERS: {
        if (lua_type(L, idx) == LUA_TNUMBER) { /* a single number is a one-element array */
            double *x = malloc(sizeof *x);
            if (!x) luaL_error(L, "out of memory");
            tl_lua_scratch_keep(L, scratch, x);
            x[0] = lua_tonumber(L, idx);
            v->u.nums.v = x; v->u.nums.n = 1;
            break;
        }
        if (!lua_istable(L, idx)) bad_type(L, op, a, idx, "array of numbers");
        size_t n = array_len(L, idx, op, a);
        double *x = malloc((n ? n : 1) * sizeof *x);
        if (!x) luaL_error(L, "out of memory");
        tl_lua_scratch_keep(L, scratch, x);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i + 1);
            if (lua_type(L, -1) != LUA_TNUMBER)
                luaL_error(L, "bad argument '%s' to '%s' (element %d is %s, number expected)", a->name, op->name,
                           (int)i + 1, luaL_typename(L, -1));
            x[i] = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        v->u.nums.v = x; v->u.nums.n = n;
        break;
    }
    case TL_T_STRINGS: {
        if (lua_type(L, idx) == LUA_TSTRING) {
            char **s = malloc(sizeof *s);
            if (!s) luaL_error(L, "out of memory");
            tl_lua_scratch_keep(L, scratch, s);
            s[0] = (char *)lua_tostring(L, idx);
            v->u.strs.v = s; v->u.strs.n = 1;
            break;
        }
        if (!lua_istable(L, idx)) bad_type(L, op, a, idx, "array of strings");
        size_t n = array_len(L, idx, op, a);
        char **s = malloc((n ? n : 1) * sizeof *s);
        if (!s) luaL_error(L, "out of memory");
        tl_lua_scratch_keep(L, scratch, s);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "bad argument '%s' to '%s' (element %d is %s, string expected)", a->name, op->name,
                           (int)i + 1, luaL_typename(L, -1));
            s[i] = (char *)lua_tostring(L, -1);
            lua_pop(L, 1);
        }
        v->u.strs.v = s; v->u.strs.n = n;
        break;
    }
    case TL_T_RECORD: {
        if (!lua_istable(L, idx)) bad_type(L, op, a, idx, "table");
        tl_record *r = tl_record_new();
        if (!r) luaL_error(L, "out of memory");
        tl_lua_scratch_keep_record(L, scratch, r);
        to_record(L, idx, op, a, r, scratch, 0);
        v->u.rec = r;
        break;
    }
    default:
        luaL_error(L, "argument '%s' of '%s' has a type the binding cannot convert", a->name, op->name);
    }
}

void tl_lua_push_value(lua_State *L, tl_value *v)
{
    switch (v->type) {
    case TL_T_VOLUME: tl_lua_push_volume(L, v->u.vol); v->type = TL_T_NONE; break;
    case TL_T_OBJECT: tl_lua_push_object(L, v->u.obj); v->type = TL_T_NONE; break;
    case TL_T_NUMBER: lua_pushnumber(L, v->u.num); break;
    case TL_T_INT: lua_pushinteger(L, (lua_Integer)v->u.i); break;
    case TL_T_BOOL: lua_pushboolean(L, v->u.b); break;
    case TL_T_STRING: case TL_T_CHOICE: lua_pushstring(L, v->u.str); break;
    case TL_T_RANGE:
        lua_createtable(L, 2, 0);
        lua_pushinteger(L, (lua_Integer)v->u.range.lo + 1); lua_rawseti(L, -2, 1);
        lua_pushinteger(L, (lua_Integer)v->u.range.hi); lua_rawseti(L, -2, 2);
        break;
    case TL_T_NUMBERS:
        lua_createtable(L, (int)v->u.nums.n, 0);
        for (size_t i = 0; i < v->u.nums.n; i++) {
            lua_pushnumber(L, v->u.nums.v[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case TL_T_STRINGS:
        lua_createtable(L, (int)v->u.strs.n, 0);
        for (size_t i = 0; i < v->u.strs.n; i++) {
            lua_pushstring(L, v->u.strs.v[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case TL_T_RECORD: tl_lua_push_record(L, v->u.rec); break;
    default: lua_pushnil(L); break;
    }
}

/* A record whose keys are "1".."n" (as made from a Lua array) becomes an array again. */
static int is_array_record(const tl_record *r)
{
    if (r->n == 0) return 0;
    for (size_t i = 0; i < r->n; i++) {
        char key[32];
        snprintf(key, sizeof key, "%zu", i + 1);
        if (strcmp(r->names[i], key) != 0) return 0;
    }
    return 1;
}

void tl_lua_push_record(lua_State *L, tl_record *r)
{
    int arr = is_array_record(r);
    lua_createtable(L, arr ? (int)r->n : 0, arr ? 0 : (int)r->n);
    for (size_t i = 0; i < r->n; i++) {
        tl_lua_push_value(L, &r->vals[i]);
        if (arr) lua_rawseti(L, -2, (lua_Integer)i + 1);
        else lua_setfield(L, -2, r->names[i]);
    }
}
