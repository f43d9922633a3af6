/* ops.c — every registry operator as a Lua function; objects of registry
 * classes as userdata; the `tl` table with its namespaces. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "tl_lua.h"

#define MAX_ARGS 64

static int table_like(tl_type t)
{
    return t == TL_T_NUMBERS || t == TL_T_STRINGS || t == TL_T_RECORD || t == TL_T_RANGE;
}

/* Lists the option names for an "unknown option" message. */
static void push_option_names(lua_State *L, const tl_op *op)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; op->args && op->args[i].name; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, op->args[i].name);
    }
    luaL_pushresult(&b);
}

static int call_op(lua_State *L)
{
    const tl_op *op = lua_touserdata(L, lua_upvalueindex(1));
    size_t nargs = tl_op_nargs(op);
    if (nargs > MAX_ARGS) return luaL_error(L, "%s: too many arguments in its description", op->name);
    int top = lua_gettop(L);
    int scratch = tl_lua_new_scratch(L);
    tl_value args[MAX_ARGS];
    memset(args, 0, sizeof args);

    int li = 1;
    for (size_t i = 0; i < nargs && li <= top; i++) {
        const tl_arg *a = &op->args[i];
        if (!(a->flags & TL_POSITIONAL)) continue;
        if (lua_isnil(L, li)) { li++; continue; }
        if (lua_istable(L, li) && !table_like(a->type)) break; /* the options table */
        tl_lua_to_value(L, li, op, a, &args[i], scratch);
        li++;
    }
    if (li <= top) {
        if (li < top || !lua_istable(L, li)) {
            return luaL_error(L, "'%s': too many arguments (argument %d is a %s; options go in one table at the end)",
                              op->name, li, luaL_typename(L, li));
        }
        lua_pushnil(L);
        while (lua_next(L, li)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "'%s': option names must be strings (see help(\"%s\"))", op->name, op->name);
            const char *key = lua_tostring(L, -2);
            int k = tl_op_arg_index(op, key);
            if (k < 0) {
                push_option_names(L, op);
                return luaL_error(L, "'%s' has no option '%s' (it takes: %s)", op->name, key, lua_tostring(L, -1));
            }
            if (args[k].set) return luaL_error(L, "'%s': argument '%s' given twice", op->name, key);
            if (!lua_isnil(L, -1)) tl_lua_to_value(L, -1, op, &op->args[k], &args[k], scratch);
            lua_pop(L, 1);
        }
    }

    tl_record *out = tl_record_new();
    if (!out) return luaL_error(L, "out of memory");
    tl_lua_scratch_keep_record(L, scratch, out);
    tl_error err;
    err.msg[0] = 0;
    if (tl_op_call(op, args, out, &err) != 0) return luaL_error(L, "%s", err.msg);

    size_t nrets = tl_op_nrets(op);
    if (nrets == 0) return 0;
    if (nrets == 1 && out->n >= 1) {
        const tl_value *v = tl_record_get(out, op->rets[0].name);
        tl_lua_push_value(L, v ? (tl_value *)v : &out->vals[0]);
        return 1;
    }
    tl_lua_push_record(L, out);
    return 1;
}

void tl_lua_push_op(lua_State *L, const tl_op *op)
{
    lua_pushlightuserdata(L, (void *)op);
    lua_pushcclosure(L, call_op, 1);
    /* remember which operator a function is, for help(fn) */
    lua_getfield(L, LUA_REGISTRYINDEX, "tomolith.ops_by_fn");
    if (lua_istable(L, -1)) {
        lua_pushvalue(L, -2);
        lua_pushlightuserdata(L, (void *)op);
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
}

/* ---- objects ---- */

typedef struct { tl_object *o; } obj_box;

static const char *class_mt(const tl_class *cls, char *buf, size_t n)
{
    snprintf(buf, n, "tomolith.%s", cls->name);
    return buf;
}

tl_object *tl_lua_to_object(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
    lua_getfield(L, -1, "__tomolith_object");
    int is_obj = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (!is_obj) return NULL;
    obj_box *b = lua_touserdata(L, idx);
    if (!b->o) luaL_error(L, "attempt to use a closed object");
    return b->o;
}

static int obj_gc(lua_State *L)
{
    obj_box *b = lua_touserdata(L, 1);
    if (b && b->o) { tl_object_unref(b->o); b->o = NULL; }
    return 0;
}

static int obj_tostring(lua_State *L)
{
    obj_box *b = lua_touserdata(L, 1);
    if (!b || !b->o) { lua_pushliteral(L, "object (closed)"); return 1; }
    char buf[1024];
    if (b->o->cls->describe) b->o->cls->describe(b->o->data, buf, sizeof buf);
    else snprintf(buf, sizeof buf, "%s object", b->o->cls->name);
    lua_pushstring(L, buf);
    return 1;
}

static void make_class_mt(lua_State *L, const tl_class *cls)
{
    char name[128];
    if (!luaL_newmetatable(L, class_mt(cls, name, sizeof name))) return; /* already made, left on stack */
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__tomolith_object");
    lua_pushcfunction(L, obj_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, obj_gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, obj_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_newtable(L);
    for (const tl_op *m = cls->methods; m && m->name; m++) {
        const char *dot = strrchr(m->name, '.');
        tl_lua_push_op(L, m);
        lua_setfield(L, -2, dot ? dot + 1 : m->name);
    }
    lua_pushcfunction(L, obj_gc);
    lua_setfield(L, -2, "close");
    lua_setfield(L, -2, "__index");
}

void tl_lua_push_object(lua_State *L, tl_object *o)
{
    obj_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->o = o;
    make_class_mt(L, o->cls);
    lua_setmetatable(L, -2);
}

/* ---- the tl table ---- */

/* tl["phantom.cell"] goes to tl.phantom.cell: walk/create the namespaces. */
static void set_dotted(lua_State *L, int tl, const char *name)
{
    char part[128];
    lua_pushvalue(L, tl);
    const char *p = name, *dot;
    while ((dot = strchr(p, '.'))) {
        size_t n = (size_t)(dot - p) < sizeof part - 1 ? (size_t)(dot - p) : sizeof part - 1;
        memcpy(part, p, n);
        part[n] = 0;
        lua_getfield(L, -1, part);
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_setfield(L, -3, part);
        }
        lua_remove(L, -2);
        p = dot + 1;
    }
    lua_insert(L, -2);   /* function below the namespace table */
    lua_setfield(L, -2, p);
    lua_pop(L, 1);
}

int tl_lua_open(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "tomolith.ops_by_fn");
    tl_lua_open_volume(L);
    for (const tl_class *const *c = tl_registry_classes(); *c; c++) {
        make_class_mt(L, *c);
        lua_pop(L, 1);
    }
    lua_newtable(L);
    int tl = lua_gettop(L);
    for (const tl_op *const *p = tl_registry_all(); *p; p++) {
        tl_lua_push_op(L, *p);
        set_dotted(L, tl, (*p)->name);
    }
    lua_pushstring(L, TL_VERSION);
    lua_setfield(L, tl, "version");
    lua_pushvalue(L, tl);
    lua_setglobal(L, "tl");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushvalue(L, tl);
    lua_setfield(L, -2, "tl");
    lua_pop(L, 1);
    tl_lua_open_help(L);
    tl_lua_open_util(L);
    tl_lua_install_embedded(L);
    lua_settop(L, tl - 1);
    return 0;
}
