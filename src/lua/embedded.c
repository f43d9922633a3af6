/* embedded.c — require finds lua/tl/NAME.lua inside the binary first, so a
 * recipe runs the library that was built with this tomolith. */
#include <lauxlib.h>
#include <string.h>

#include "tl_lua.h"

extern const struct { const char *name; const char *src; size_t len; } tl_lua_embedded[];

static int searcher(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    for (size_t i = 0; tl_lua_embedded[i].name; i++) {
        if (strcmp(tl_lua_embedded[i].name, name) != 0) continue;
        char chunk[300];
        snprintf(chunk, sizeof chunk, "@lua/%s.lua", name);
        for (char *p = chunk + 5; *p; p++) if (*p == '.' && strcmp(p, ".lua") != 0) *p = '/';
        if (luaL_loadbuffer(L, tl_lua_embedded[i].src, tl_lua_embedded[i].len, chunk) != LUA_OK)
            return lua_error(L);
        lua_pushstring(L, chunk + 1);
        return 2;
    }
    lua_pushfstring(L, "no embedded module '%s'", name);
    return 1;
}

void tl_lua_install_embedded(lua_State *L)
{
    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) { lua_pop(L, 1); return; }
    lua_getfield(L, -1, "searchers");
    lua_Integer n = luaL_len(L, -1);
    for (lua_Integer i = n; i >= 2; i--) { /* insert at 2, after preload */
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushcfunction(L, searcher);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 2);
}
