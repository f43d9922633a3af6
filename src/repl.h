/* repl.h — the interactive loop (readline when stdin is a terminal). */
#ifndef TL_REPL_H
#define TL_REPL_H

#include <lua.h>

void tl_repl(lua_State *L, const char *progname);
/* tl._complete(text): the completions Tab would offer. */
int tl_repl_complete_lua(lua_State *L);
/* From main.c: run the function on the stack under a traceback handler
 * with Ctrl-C armed; print an error. */
int tl_docall(lua_State *L, int narg, int nres);
int tl_report(lua_State *L, int status);

#endif
