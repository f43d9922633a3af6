/* help.c — help() in the REPL and the Markdown reference, both from the
 * registry's descriptions (the text itself is formatted in the core). */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "tl_lua.h"

static const char *const group_order[] = {"volume", "io", "recon", "seg", "interface", "transport", "dvc",
                                          "cnn", "echem", "phantom", "plot", NULL};
static const char *const group_title[] = {"Volumes", "Files", "Reconstruction", "Segmentation",
                                          "Interface metrics", "Transport", "Displacement", "CNN",
                                          "Electrochemistry", "Synthetic cell", "Figures", NULL};

static char *format_help(const tl_op *op)
{
    size_t n = tl_op_format_help(op, NULL, 0) + 1;
    char *buf = malloc(n);
    if (buf) tl_op_format_help(op, buf, n);
    return buf;
}

static const tl_op *find_by_fn(lua_State *L, int idx)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "tomolith.ops_by_fn");
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    const tl_op *op = lua_touserdata(L, -1);
    lua_pop(L, 2);
    return op;
}

static int in_known_group(const char *g)
{
    for (int i = 0; group_order[i]; i++)
        if (strcmp(g, group_order[i]) == 0) return 1;
    return 0;
}

static void list_group(luaL_Buffer *b, const char *group, const char *title)
{
    int any = 0;
    for (const tl_op *const *p = tl_registry_all(); *p; p++) {
        if (group ? strcmp((*p)->group, group) != 0 : in_known_group((*p)->group)) continue;
        if (!any) { luaL_addstring(b, "\n"); luaL_addstring(b, title); luaL_addstring(b, ":\n"); any = 1; }
        char line[512];
        snprintf(line, sizeof line, "  tl.%-22s %s\n", (*p)->name, (*p)->summary);
        luaL_addstring(b, line);
    }
}

static int l_help(lua_State *L)
{
    const tl_op *op = NULL;
    if (lua_isnoneornil(L, 1)) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        luaL_addstring(&b, "tomolith " TL_VERSION " — operators by group; help(\"name\") for one.\n");
        for (int i = 0; group_order[i]; i++) list_group(&b, group_order[i], group_title[i]);
        list_group(&b, NULL, "Other");
        luaL_addstring(&b, "\nVolume methods: v:shape() v:dtype() v:voxel() v:get(z,y,x) v:set(z,y,x,value) v:meta()\n"
                           "  v:crop{} v:slice() v:astype() v:copy() v:stats{} v:lt/le/gt/ge/eq/ne(x) -> u8 mask,\n"
                           "  v + w, v - 1, 2 * v, v / w (element-wise, f32); indices are 1-based.\n");
        for (const tl_class *const *c = tl_registry_classes(); *c; c++) {
            luaL_addstring(&b, "\nMethods of a ");
            luaL_addstring(&b, (*c)->name);
            luaL_addstring(&b, ":");
            for (const tl_op *m = (*c)->methods; m && m->name; m++) {
                const char *dot = strrchr(m->name, '.');
                luaL_addstring(&b, " :");
                luaL_addstring(&b, dot ? dot + 1 : m->name);
                luaL_addstring(&b, "()");
            }
            luaL_addstring(&b, "\n");
        }
        luaL_pushresult(&b);
        lua_getglobal(L, "print");
        lua_insert(L, -2);
        lua_call(L, 1, 0);
        return 0;
    }
    if (lua_isfunction(L, 1)) op = find_by_fn(L, 1);
    else if (lua_type(L, 1) == LUA_TSTRING) {
        const char *name = lua_tostring(L, 1);
        if (strncmp(name, "tl.", 3) == 0) name += 3;
        op = tl_registry_find(name);
        if (!op) { /* a method name alone: "read" -> "dxchange.read" */
            for (const tl_class *const *c = tl_registry_classes(); *c && !op; c++)
                for (const tl_op *m = (*c)->methods; m && m->name; m++) {
                    const char *dot = strrchr(m->name, '.');
                    if (strcmp(dot ? dot + 1 : m->name, name) == 0) { op = m; break; }
                }
        }
    }
    if (!op) return luaL_error(L, "help: no operator %s (help() lists them)",
                               lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : "for that value");
    char *text = format_help(op);
    if (!text) return luaL_error(L, "out of memory");
    lua_getglobal(L, "print");
    lua_pushstring(L, text);
    free(text);
    lua_call(L, 1, 0);
    return 0;
}

int tl_lua_open_help(lua_State *L)
{
    lua_pushcfunction(L, l_help);
    lua_setglobal(L, "help");
    return 0;
}

static void doc_op(FILE *out, const tl_op *op)
{
    char *text = format_help(op);
    fprintf(out, "### `tl.%s`\n\n%s\n\n```\n%s```\n\n", op->name, op->summary, text ? text : "");
    free(text);
}

int tl_lua_write_docs(FILE *out)
{
    fprintf(out, "# Operator reference\n\n"
                 "Generated from the operator registry by `make docs` (`tomolith --docs`); do not edit.\n"
                 "In the REPL, `help()` lists the same operators and `help(\"name\")` prints one.\n\n"
                 "Calling convention: positional arguments first, then one table of options;\n"
                 "an operator with several results returns one table keyed by their names.\n"
                 "Index ranges `{a, b}` are 1-based and inclusive.\n\n");
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; group_order[i]; i++) {
            int any = 0;
            for (const tl_op *const *p = tl_registry_all(); *p; p++) {
                if (strcmp((*p)->group, group_order[i]) != 0) continue;
                if (pass == 0) {
                    if (!any) fprintf(out, "- **%s**:", group_title[i]);
                    { char anchor[128]; size_t k = 0; for (const char *q = (*p)->name; *q && k < sizeof anchor - 1; q++) if (*q != '.') anchor[k++] = *q; anchor[k] = 0; fprintf(out, " [`%s`](#tl%s)", (*p)->name, anchor); }
                } else {
                    if (!any) fprintf(out, "## %s\n\n", group_title[i]);
                    doc_op(out, *p);
                }
                any = 1;
            }
            if (any && pass == 0) fprintf(out, "\n");
        }
        if (pass == 0) fprintf(out, "\n");
    }
    for (const tl_class *const *c = tl_registry_classes(); *c; c++) {
        fprintf(out, "## Methods of a `%s`\n\n", (*c)->name);
        for (const tl_op *m = (*c)->methods; m && m->name; m++) doc_op(out, m);
    }
    return ferror(out) ? -1 : 0;
}
