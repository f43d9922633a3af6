# tomolith — build, test, demo.  `make demo` and `make check` are the two
# commands; both install missing Debian packages first (`make deps`).

CC      ?= gcc
PKGS    := lua5.4 hdf5 fftw3f libtiff-4 libpng plplot openblas readline
DEBS    := liblua5.4-dev libhdf5-dev libfftw3-dev libtiff-dev libpng-dev \
           libreadline-dev check pkg-config libopenblas-dev libplplot-dev \
           plplot-driver-cairo
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

BUILD   ?= build
OPT     ?= -O2
SAN     ?=
CFLAGS_BASE = -std=gnu11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -fopenmp -pthread $(SAN) \
              -DTL_VERSION='"$(VERSION)"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
CFLAGS  += $(CFLAGS_BASE) $(PKG_CFLAGS) -Isrc/core -Isrc/lua -Isrc
LDLIBS  += $(PKG_LIBS) -lm
LDFLAGS += -fopenmp $(SAN)

CORE_SRC := $(sort $(wildcard src/core/*.c src/core/*/*.c))
LUA_SRC  := $(sort $(wildcard src/lua/*.c))
LUA_LIB  := $(sort $(wildcard lua/tl/*.lua))
CHECK_SRC := $(sort $(wildcard tests/core/check_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
LUA_OBJ  := $(LUA_SRC:%.c=$(BUILD)/%.o) $(BUILD)/src/repl.o $(BUILD)/lua_embedded.o
CHECK_OBJ := $(CHECK_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/core/runner.o

.PHONY: all deps demo check check-core check-lua check-repl check-recipes check-docs \
        sanitize docs bench clean

all: tomolith libtomolith.a

libtomolith.a: $(BUILD)/libtomolith.a
	cp $< $@

$(BUILD)/libtomolith.a: $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

tomolith: $(BUILD)/tomolith
	cp $< $@

$(BUILD)/tomolith: $(BUILD)/src/main.o $(LUA_OBJ) $(BUILD)/libtomolith.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# The Lua standard library (lua/tl/*.lua) is compiled into the binary.
$(BUILD)/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<
$(BUILD)/lua_embedded.c: $(BUILD)/embed $(LUA_LIB)
	$(BUILD)/embed $@ $(LUA_LIB)
$(BUILD)/lua_embedded.o: $(BUILD)/lua_embedded.c
	$(CC) $(CFLAGS) -c -o $@ $<

# Check: one suite per core module, found by file name.
$(BUILD)/tests/core/suites.h: $(CHECK_SRC)
	@mkdir -p $(@D)
	@for f in $(CHECK_SRC); do m=$$(basename $$f .c); m=$${m#check_}; \
	  echo "X(suite_$$m)"; done > $@
$(BUILD)/tests/core/runner.o: tests/core/runner.c $(BUILD)/tests/core/suites.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(BUILD)/tests/core -c -o $@ $<
$(BUILD)/check_core: $(CHECK_OBJ) $(BUILD)/libtomolith.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

deps:
	@sh tools/deps.sh $(DEBS)

check: deps
	@$(MAKE) --no-print-directory all $(BUILD)/check_core
	@sh tests/run_all.sh $(BUILD)

check-core: all $(BUILD)/check_core
	$(BUILD)/check_core

sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-san OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" build-san/tomolith build-san/check_core
	@TL_BIN=build-san/tomolith ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 TL_SANITIZE=1 \
	  sh tests/run_all.sh build-san

docs: tomolith
	./tomolith --docs > docs/operators.md.tmp && mv docs/operators.md.tmp docs/operators.md

bench: deps all
	@sh tests/bench/run.sh

# The demo dataset is generated (never committed), and again only when its
# generator changed.
DEMO_DEPS := datasets/make_demo.lua $(wildcard src/core/phantom/*.c src/core/phantom/*.h)
datasets/demo/.stamp: $(DEMO_DEPS) | tomolith
	./tomolith datasets/make_demo.lua && touch $@
datasets/demo_small/.stamp: $(DEMO_DEPS) | tomolith
	./tomolith datasets/make_demo.lua -p size=small && touch $@

demo: deps
	@$(MAKE) --no-print-directory all datasets/demo/.stamp
	./tomolith recipes/quickstart.lua

clean:
	rm -rf build build-san tomolith libtomolith.a

-include $(CORE_OBJ:.o=.d) $(LUA_OBJ:.o=.d) $(CHECK_OBJ:.o=.d) $(BUILD)/src/main.d
