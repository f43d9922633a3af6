/* repl.c — the read-eval-print loop, after lua.c: try "return <line>" so a
 * bare expression prints, continue reading while the chunk is incomplete
 * (<eof>), print results through `print` so __tostring decides the look.
 * With a terminal: readline, history in ~/.tomolith_history, and tab
 * completion of table fields and methods (tl.con<TAB>, v:cr<TAB>). */
#include "repl.h"
#include "util/bigbuf.h"

#include <lauxlib.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXINPUT 4096
#define EOFMARK "<eof>"

static lua_State *replL;
static int use_readline;
static char history_path[4096];

static char *read_line(const char *prompt)
{
    if (use_readline) return readline(prompt);
    static char buf[MAXINPUT];
    fputs(prompt, stdout);
    fflush(stdout);
    if (!fgets(buf, sizeof buf, stdin)) return NULL;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n') buf[n - 1] = 0;
    return strdup(buf);
}

/* ---- completion ---- */

static char **candidates;
static size_t ncand;

static void add_candidate(const char *s)
{
    char **c = realloc(candidates, (ncand + 1) * sizeof *c);
    if (!c) return;
    candidates = c;
    candidates[ncand++] = strdup(s);
}

/* Resolve "tl.phantom" (dots only, names only) to a value on the stack;
 * returns 0 (nothing pushed) when it is not a plain path. */
static int push_path(lua_State *L, const char *path, size_t len)
{
    lua_pushglobaltable(L);
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && path[j] != '.') j++;
        if (j == i) { lua_pop(L, 1); return 0; }
        for (size_t k = i; k < j; k++)
            if (!(path[k] == '_' || (path[k] >= 'a' && path[k] <= 'z') || (path[k] >= 'A' && path[k] <= 'Z') ||
                  (k > i && path[k] >= '0' && path[k] <= '9'))) { lua_pop(L, 1); return 0; }
        if (!lua_istable(L, -1)) { lua_pop(L, 1); return 0; }
        lua_pushlstring(L, path + i, j - i);
        lua_rawget(L, -2); /* raw: completion must never run user code */
        lua_remove(L, -2);
        i = j + 1;
    }
    return 1;
}

static void collect_keys(lua_State *L, int t, const char *prefix, size_t plen, const char *stem)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) continue;
        const char *k = lua_tostring(L, -1);
        if (strncmp(k, stem, strlen(stem)) != 0 || k[0] == '_') continue;
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s%s", (int)plen, prefix, k);
        add_candidate(buf);
    }
}

static void build_candidates(const char *text)
{
    for (size_t i = 0; i < ncand; i++) free(candidates[i]);
    free(candidates);
    candidates = NULL;
    ncand = 0;
    lua_State *L = replL;
    int top = lua_gettop(L);
    const char *sep = NULL;
    for (const char *p = text; *p; p++) if (*p == '.' || *p == ':') sep = p;
    if (!sep) {
        lua_pushglobaltable(L);
        collect_keys(L, lua_gettop(L), "", 0, text);
        static const char *const kw[] = {"and", "break", "do", "else", "elseif", "end", "false", "for", "function",
                                         "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return",
                                         "then", "true", "until", "while", NULL};
        for (int i = 0; kw[i]; i++) if (!strncmp(kw[i], text, strlen(text))) add_candidate(kw[i]);
    } else if (push_path(L, text, (size_t)(sep - text))) {
        int v = lua_gettop(L);
        if (lua_istable(L, v)) collect_keys(L, v, text, (size_t)(sep - text) + 1, sep + 1);
        /* methods: the __index table of the value's metatable */
        if (lua_getmetatable(L, v)) {
            lua_getfield(L, -1, "__index");
            if (lua_istable(L, -1)) collect_keys(L, lua_gettop(L), text, (size_t)(sep - text) + 1, sep + 1);
        }
    }
    lua_settop(L, top);
}

static char *generator(const char *text, int state)
{
    static size_t next;
    if (state == 0) { build_candidates(text); next = 0; }
    return next < ncand ? strdup(candidates[next++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)start; (void)end;
    rl_attempted_completion_over = 1; /* no filename completion */
    rl_completion_append_character = '\0';
    return rl_completion_matches(text, generator);
}

/* ---- the loop ---- */

static int incomplete(lua_State *L, int status)
{
    if (status != LUA_ERRSYNTAX) return 0;
    size_t lmsg;
    const char *msg = lua_tolstring(L, -1, &lmsg);
    if (lmsg >= sizeof EOFMARK - 1 && strcmp(msg + lmsg - (sizeof EOFMARK - 1), EOFMARK) == 0) {
        lua_pop(L, 1);
        return 1;
    }
    return 0;
}

/* Returns the load status; the compiled chunk (or error) is on the stack;
 * -1 at end of input. */
static int load_input(lua_State *L, const char *p1, const char *p2)
{
    char *code = read_line(p1);
    if (!code) return -1;
    /* try as an expression first, so `1 + 1` or `vol` prints */
    const char *retline = lua_pushfstring(L, "return %s;", code);
    int status = luaL_loadbuffer(L, retline, strlen(retline), "=stdin");
    lua_remove(L, -2);
    if (status != LUA_OK) {
        lua_pop(L, 1);
        for (;;) {
            status = luaL_loadbuffer(L, code, strlen(code), "=stdin");
            if (!incomplete(L, status)) break;
            char *more = read_line(p2);
            if (!more) break;
            char *joined = malloc(strlen(code) + strlen(more) + 2);
            if (!joined) { free(more); break; }
            sprintf(joined, "%s\n%s", code, more);
            free(code);
            free(more);
            code = joined;
        }
    }
    if (use_readline && code[0]) {
        add_history(code);
        if (history_path[0]) append_history(1, history_path);
    }
    free(code);
    return status;
}

static void print_results(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 0) return;
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    lua_getglobal(L, "print");
    lua_insert(L, 1);
    if (lua_pcall(L, n, 0, 0) != LUA_OK)
        fprintf(stderr, "error calling 'print' (%s)\n", lua_tostring(L, -1));
}

void tl_repl(lua_State *L, const char *progname)
{
    replL = L;
    int tty = isatty(STDIN_FILENO);
    use_readline = tty;
    const char *p1 = tty ? "> " : "", *p2 = tty ? ">> " : "";
    if (use_readline) {
        rl_readline_name = "tomolith";
        rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(,+-*/%[]~#^";
        rl_attempted_completion_function = complete;
        const char *home = getenv("HOME");
        if (home) {
            snprintf(history_path, sizeof history_path, "%s/.tomolith_history", home);
            read_history(history_path);
            FILE *f = fopen(history_path, "a"); /* make sure append_history has a file */
            if (f) fclose(f);
        }
        printf("tomolith %s — %s. help() lists operators, Ctrl-D quits.\n", TL_VERSION, LUA_RELEASE);
    }
    int status;
    lua_settop(L, 0);
    while ((status = load_input(L, p1, p2)) != -1) {
        if (status == LUA_OK) status = tl_docall(L, 0, LUA_MULTRET);
        if (status == LUA_OK) print_results(L);
        else {
            const char *msg = lua_tostring(L, -1);
            fprintf(stderr, "%s: %s\n", progname, msg ? msg : "(error)");
            fflush(stderr);
        }
        lua_settop(L, 0);
        tl_big_trim(); /* back at the prompt, freed volumes' buffers go back to the system */
        fflush(stdout);
    }
    if (tty) putchar('\n');
    (void)tl_report;
}

/* tl._complete(text) -> array of completions, the same list Tab offers
 * (for tests and for editors that drive tomolith). */
int tl_repl_complete_lua(lua_State *L)
{
    const char *text = luaL_checkstring(L, 1);
    replL = L;
    lua_settop(L, 1);
    build_candidates(text);
    lua_createtable(L, (int)ncand, 0);
    for (size_t i = 0; i < ncand; i++) {
        lua_pushstring(L, candidates[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}
