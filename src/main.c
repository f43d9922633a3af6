/* main.c — the tomolith host: run a recipe, -e code, or the REPL.
 * Follows lua.c's habits: `arg` table, tracebacks on error, Ctrl-C stops
 * the running chunk (and any operator at its next safe point), bare
 * expressions print in the REPL, incomplete input continues. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/provenance.h"
#include "repl.h"
#include "tl_lua.h"

static const char *progname = "tomolith";
static lua_State *globalL = NULL;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options] [recipe.lua [args...]]\n"
            "Fast native operators for operando X-ray tomography of solid-state batteries,\n"
            "scripted in Lua 5.4. With no recipe, starts the REPL (help() lists operators).\n\n"
            "options:\n"
            "  -e CODE          run CODE (may repeat)\n"
            "  -p NAME=VALUE    set a recipe parameter (read by tl.params{...}; may repeat)\n"
            "  -i               enter the REPL after running the recipe or -e code\n"
            "  -                run standard input as a recipe\n"
            "  --quiet          no progress lines on stderr\n"
            "  --progress       progress lines even when stderr is not a terminal\n"
            "  --docs           print the operator reference (Markdown) and exit\n"
            "  --version, -v    print version and exit\n"
            "  --help, -h       print this help and exit\n",
            progname);
}

/* ---- running chunks (as lua.c does) ---- */

static void lstop(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

static void laction(int sig)
{
    signal(sig, SIG_DFL); /* a second Ctrl-C ends the process */
    tl_interrupt_flag = 1; /* operators stop at their next check */
    lua_sethook(globalL, lstop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int tl_docall(lua_State *L, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    globalL = L;
    tl_interrupt_flag = 0;
    signal(SIGINT, laction);
    int status = lua_pcall(L, narg, nres, base);
    signal(SIGINT, SIG_DFL);
    tl_interrupt_flag = 0;
    lua_remove(L, base);
    return status;
}

int tl_report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "%s: %s\n", progname, msg ? msg : "(error)");
        fflush(stderr);
        lua_pop(L, 1);
    }
    return status;
}

static int dochunk(lua_State *L, int status)
{
    if (status == LUA_OK) status = tl_docall(L, 0, 0);
    return tl_report(L, status);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) { char *b2 = realloc(buf, cap *= 2); if (!b2) { free(buf); buf = NULL; } else buf = b2; }
    }
    if (f != stdin) fclose(f);
    if (buf) buf[n] = 0;
    *len = n;
    return buf;
}

static int run_script(lua_State *L, const char *path, char **argv, int script_index, int argc)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot open recipe '%s'\n", progname, path);
        return LUA_ERRFILE;
    }
    tl_prov_set_recipe(strcmp(path, "-") == 0 ? "(stdin)" : path, text);
    char chunkname[4200];
    snprintf(chunkname, sizeof chunkname, "@%s", strcmp(path, "-") == 0 ? "stdin" : path);
    /* skip a #! line, as lua.c does */
    const char *src = text;
    if (src[0] == '#') { while (*src && *src != '\n') src++; }
    int status = luaL_loadbuffer(L, src, strlen(src), chunkname);
    free(text);
    if (status != LUA_OK) return tl_report(L, status);
    int n = 0;
    for (int i = script_index + 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p") && i + 1 < argc) { i++; continue; } /* recipe parameters, not args */
        lua_pushstring(L, argv[i]);
        n++;
    }
    status = tl_docall(L, n, 0);
    return tl_report(L, status);
}

/* arg[0] = script, arg[1..] = its arguments, arg[-k] = interpreter options. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
    if (script == 0) script = argc;
    lua_createtable(L, argc - script, script + 1);
    int k = 0;
    for (int i = 0; i < argc; i++) {
        if (i > script && !strcmp(argv[i], "-p") && i + 1 < argc) { i++; continue; }
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i <= script ? i - script : ++k);
    }
    lua_setglobal(L, "arg");
}

static int open_state(lua_State *L)
{
    luaL_openlibs(L);
    tl_lua_open(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "tl.init");
    return tl_report(L, tl_docall(L, 1, 0));
}

int main(int argc, char **argv)
{
    if (argv[0] && argv[0][0]) { /* messages say "tomolith:", however it was started */
        const char *slash = strrchr(argv[0], '/');
        progname = slash ? slash + 1 : argv[0];
    }
    int script = 0, interactive = 0, nexec = 0;
    /* first pass: options that act before the state exists */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) { script = i; break; }
        if (!strcmp(a, "--")) { script = i + 1 < argc ? i + 1 : 0; break; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
            printf("tomolith %s (%s)\n", TL_VERSION, LUA_RELEASE);
            return 0;
        }
        if (!strcmp(a, "--docs")) return tl_lua_write_docs(stdout) == 0 ? 0 : 1;
        if (!strcmp(a, "--quiet")) tl_progress_set_mode(TL_PROGRESS_OFF);
        else if (!strcmp(a, "--progress")) tl_progress_set_mode(TL_PROGRESS_ON);
        else if (!strcmp(a, "-i")) interactive = 1;
        else if (!strcmp(a, "-e") || !strcmp(a, "-p")) {
            if (i + 1 >= argc) { fprintf(stderr, "%s: '%s' needs an argument\n", progname, a); usage(stderr); return 1; }
            if (!strcmp(a, "-p") && !strchr(argv[i + 1], '=')) {
                fprintf(stderr, "%s: -p expects NAME=VALUE, got '%s'\n", progname, argv[i + 1]);
                return 1;
            }
            if (!strcmp(a, "-e")) nexec++;
            i++;
        } else {
            fprintf(stderr, "%s: unrecognized option '%s'\n", progname, a);
            usage(stderr);
            return 1;
        }
    }
    lua_State *L = luaL_newstate();
    if (!L) { fprintf(stderr, "%s: cannot create Lua state: not enough memory\n", progname); return 1; }
    if (open_state(L) != LUA_OK) { lua_close(L); return 1; }
    create_arg_table(L, argv, argc, script);
    /* -p NAME=VALUE into tl._cli_params (read by tl.params) */
    lua_getglobal(L, "tl");
    lua_newtable(L);
    int last = script ? script : argc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p")) {
            if (i + 1 >= argc || !strchr(argv[i + 1], '=')) {
                fprintf(stderr, "%s: -p expects NAME=VALUE\n", progname);
                lua_close(L);
                return 1;
            }
            const char *eq = strchr(argv[i + 1], '=');
            lua_pushlstring(L, argv[i + 1], (size_t)(eq - argv[i + 1]));
            lua_pushstring(L, eq + 1);
            lua_settable(L, -3);
        }
        if ((i < last && !strcmp(argv[i], "-e")) || !strcmp(argv[i], "-p")) i++;
    }
    lua_setfield(L, -2, "_cli_params");
    lua_pushcfunction(L, tl_repl_complete_lua);
    lua_setfield(L, -2, "_complete");
    lua_pop(L, 1);

    int status = LUA_OK;
    for (int i = 1; i < last && status == LUA_OK; i++) {
        if (!strcmp(argv[i], "-e")) {
            tl_prov_set_recipe("-e", argv[i + 1]);
            status = dochunk(L, luaL_loadbuffer(L, argv[i + 1], strlen(argv[i + 1]), "=(command line)"));
            i++;
        } else if (!strcmp(argv[i], "-p")) i++;
    }
    if (status == LUA_OK && script) status = run_script(L, argv[script], argv, script, argc);
    if (status == LUA_OK && (interactive || (!script && nexec == 0))) {
        tl_prov_set_recipe("(REPL)", "");
        tl_repl(L, progname);
    }
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}
