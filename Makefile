# Makefile: libharper (shared and static), harper-server, tests, examples, fuzzers.
# `make help` lists the targets.
#
# One set of rules builds a variant into $(B): the plain build in build/ (what `make` and
# `make install` use), the sanitizer build in build/asan/ (what `make test` runs) and the clang
# libFuzzer build in build/fuzz/. The last two are this Makefile run again with B, CC, CFLAGS
# and SAN set (targets asan and fuzz-build), so every variant compiles the same way.
# Every lib/*.c is part of the library; every server/*.c but main.c goes in libserver.a, which
# tests and fuzz targets link too, so a server codec can be tested alone.

VERSION := $(shell awk '/^\#define HARPER_VERSION_(MAJOR|MINOR|PATCH) / { v = v s $$3; s = "." } \
                        END { print v }' include/harper.h)
SOVERSION := $(firstword $(subst ., ,$(VERSION)))

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR ?=

B ?= build
CFLAGS ?= -O2 -g
SAN ?=
WERROR ?= -Werror
FUZZ_LINK ?=
CLANG ?= clang
PKG_CONFIG ?= pkg-config
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 5
# Arguments for every bench/*.c program: make bench BENCH_ARGS=--quick
BENCH_ARGS ?=
# Substrings selecting the tests `make test` runs (all when empty): make test T=keycodec
T ?=

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Debian packages: what the build needs, then what the tests use.
DEB_BUILD := librocksdb-dev libmicrohttpd-dev libwebsockets-dev libcjson-dev duktape-dev \
             libmbedtls-dev libyaml-dev libcbor-dev libmsgpack-dev pkg-config
DEB_TEST := curl python3 python3-cbor2 python3-msgpack python3-paho-mqtt mosquitto-clients \
            mosquitto clang libclang-rt-14-dev \
            wrk

# pkg-config where the package ships a .pc, plain -l otherwise. Their headers are included
# as system headers so that -Werror holds us, not them, to our warnings.
pc_cflags = $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null))
pc_libs = $(or $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null),$(2))

PKG_CFLAGS := $(call pc_cflags,rocksdb) $(call pc_cflags,libcjson) \
              $(call pc_cflags,libmicrohttpd) $(call pc_cflags,yaml-0.1) \
              $(call pc_cflags,libcbor) $(call pc_cflags,msgpack)
LIB_LIBS := $(call pc_libs,rocksdb,-lrocksdb) $(call pc_libs,libcjson,-lcjson) -lpthread -lm \
            -lmbedcrypto
SERVER_LIBS := $(call pc_libs,libmicrohttpd,-lmicrohttpd) $(call pc_libs,yaml-0.1,-lyaml) \
               $(call pc_libs,libcbor,-lcbor) $(call pc_libs,msgpack,-lmsgpackc)
# Programs (server, tests, benchmarks) link RocksDB's static archive when Debian ships it: in the
# shared library every read and write pays __tls_get_addr for RocksDB's thread-local perf
# context, about a sixth of a request's time. libharper.so keeps linking the shared one.
ROCKSDB_A := $(wildcard $(or $(shell $(PKG_CONFIG) --variable=libdir rocksdb 2>/dev/null),/usr/lib/x86_64-linux-gnu)/librocksdb.a)
ROCKSDB_STATIC_LIBS := -Wl,-Bstatic -lrocksdb -Wl,-Bdynamic -lsnappy -llz4 -lzstd -lbz2 -lz \
                       -lgflags -lstdc++ -ldl
PROG_LIB_LIBS := $(if $(ROCKSDB_A),$(filter-out -lrocksdb,$(LIB_LIBS)) $(ROCKSDB_STATIC_LIBS),$(LIB_LIBS))

ALL_CFLAGS = -std=c11 -Wall -Wextra $(WERROR) -Wshadow -Wmissing-prototypes $(CFLAGS) \
             -fPIC -fvisibility=hidden -D_GNU_SOURCE -pthread $(SAN) \
             -Iinclude -Ilib -I$(B)/gen -Iserver $(PKG_CFLAGS) $(CPPFLAGS) -MMD -MP
LINK = $(CC) $(LDFLAGS) $(SAN) -pthread -o $@ $(filter %.o %.a,$^) $(SERVER_LIBS) $(PROG_LIB_LIBS)

LIB_SRCS := $(sort $(wildcard lib/*.c))
SERVER_SRCS := $(filter-out server/main.c,$(sort $(wildcard server/*.c)))
TEST_SRCS := $(sort $(wildcard test/test_*.c))
FUZZ_NAMES := $(patsubst test/fuzz/fuzz_%.c,%,$(sort $(wildcard test/fuzz/fuzz_*.c)))
SCRIPTS := $(sort $(wildcard test/*.sh) $(filter-out test/harper_test.py,$(wildcard test/*.py)))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
LIB_OBJS := $(call obj,$(LIB_SRCS))
SERVER_OBJS := $(call obj,$(SERVER_SRCS))
TEST_OBJS := $(call obj,test/runner.c $(TEST_SRCS))
FUZZ_OBJS := $(call obj,$(FUZZ_NAMES:%=test/fuzz/fuzz_%.c))
ALL_OBJS := $(call obj,$(LIB_SRCS) $(wildcard server/*.c test/*.c test/fuzz/*.c examples/*.c \
                                               bench/*.c))
EXAMPLES := $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))
BENCHES := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
SHLIB := $(B)/libharper.so.$(VERSION)
SHLIB_LINKS := $(B)/libharper.so.$(SOVERSION) $(B)/libharper.so
LIBS := $(B)/libserver.a $(B)/libharper.a

# A sub-make shares the caller's -j; with none given, it uses every core. Its recipe lines
# start with `+`, as make only sees $(MAKE) itself as a sub-make.
SUBMAKE = $(MAKE) --no-print-directory $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(JOBS))

# Empty unless clang links libFuzzer here; probed once, and only by targets that use it.
HAVE_FUZZER = $(eval HAVE_FUZZER := $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, \
    unsigned long n) { (void)d; (void)n; return 0; }\n' | $(CLANG) -fsanitize=fuzzer,address \
    -x c - -o /dev/null >/dev/null 2>&1 && echo yes))$(HAVE_FUZZER)

ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-6s %s\n'
endif

.DELETE_ON_ERROR:
# Objects reached only through pattern rules are kept, not deleted as intermediates.
.SECONDARY:
.PHONY: all deps test asan fuzz fuzz-build sanitize-bins fuzz-bins run bench install \
        uninstall clean help FORCE
.DEFAULT_GOAL := all

all: $(SHLIB) $(SHLIB_LINKS) $(B)/libharper.a $(B)/harper-server $(B)/test-runner $(EXAMPLES)

help:
	@echo 'make            library, server, tests and examples in $(B)/'
	@echo 'make test       deps, sanitizer build, every test, script, corpus replay and a short fuzz'
	@echo '                (T=substring runs only matching tests, TEST_TIMEOUT=seconds each)'
	@echo 'make fuzz       clang libFuzzer build, each target for FUZZ_SECONDS (default 5)'
	@echo 'make run        deps, build, harper-server run with ROOTPATH=./harper-data'
	@echo 'make bench      deps, build and run bench/ (BENCH_ARGS=--quick for each program)'
	@echo 'make deps       install missing Debian packages (as root; else prints the command)'
	@echo 'make install    PREFIX=/usr/local DESTDIR=; make uninstall removes the same files'
	@echo 'make clean      remove $(B)/; V=1 shows full commands'

deps:
	@sh mk/deps.sh $(DEB_BUILD) $(DEB_TEST)

# ---- one variant, into $(B) ----------------------------------------------------------------

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Fuzz targets get the libFuzzer prototypes, which -Wmissing-prototypes asks for.
$(FUZZ_OBJS): ALL_CFLAGS += -include mk/fuzz_target.h

# Each test is a `TEST(name)` line; the list is rewritten only when it changes, so adding a
# test recompiles the test files and editing one recompiles that file alone.
$(B)/gen/test_list.h: FORCE
	@mkdir -p $(@D)
	@sed -n 's/^TEST( *\([A-Za-z_][A-Za-z0-9_]*\) *).*/TEST_ENTRY(\1)/p' \
	    /dev/null $(TEST_SRCS) > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
$(TEST_OBJS): | $(B)/gen/test_list.h

%.a:
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^
$(B)/libharper.a: $(LIB_OBJS)
$(B)/libserver.a: $(SERVER_OBJS)

$(SHLIB): $(LIB_OBJS)
	$(say) LD $@
	$(Q)$(CC) -shared -Wl,-soname,libharper.so.$(SOVERSION) -Wl,--no-undefined $(LDFLAGS) \
	    -pthread -o $@ $^ $(LIB_LIBS)
$(B)/libharper.so.$(SOVERSION): $(SHLIB)
	$(Q)ln -sf $(notdir $<) $@
$(B)/libharper.so: $(B)/libharper.so.$(SOVERSION)
	$(Q)ln -sf $(notdir $<) $@

$(B)/harper-server: $(call obj,server/main.c) $(LIBS)
	$(say) LD $@
	$(Q)$(LINK)

$(B)/test-runner: $(TEST_OBJS) $(LIBS)
	$(say) LD $@
	$(Q)$(LINK)

$(B)/replay_%: $(B)/obj/test/fuzz/fuzz_%.o $(B)/obj/test/fuzz/replay_main.o $(LIBS)
	$(say) LD $@
	$(Q)$(LINK)

$(B)/fuzz_%: $(B)/obj/test/fuzz/fuzz_%.o $(LIBS)
	$(say) LD $@
	$(Q)$(LINK) $(FUZZ_LINK)

# Examples use the shared library, as an embedder would, and find it beside them.
$(B)/examples/%: $(B)/obj/examples/%.o $(B)/libharper.so
	$(say) LD $@
	$(Q)mkdir -p $(@D) && $(CC) $(LDFLAGS) -o $@ $< -L$(B) -lharper -Wl,-rpath,'$$ORIGIN/..'

$(B)/bench/%: $(B)/obj/bench/%.o $(LIBS)
	$(say) LD $@
	$(Q)mkdir -p $(@D) && $(LINK)

sanitize-bins: $(B)/test-runner $(B)/harper-server $(FUZZ_NAMES:%=$(B)/replay_%)
	@:
fuzz-bins: $(FUZZ_NAMES:%=$(B)/fuzz_%)
	@:

-include $(ALL_OBJS:.o=.d)

# ---- the other variants ----------------------------------------------------------------------

asan:
	+$(Q)$(SUBMAKE) B=$(B)/asan 'CFLAGS=-O1 -g' 'SAN=$(SAN_FLAGS)' sanitize-bins

# clang's warnings differ from gcc's: they are shown, but only the gcc builds stop on them.
fuzz-build:
	+$(Q)$(SUBMAKE) B=$(B)/fuzz CC=$(CLANG) 'CFLAGS=-O1 -g' WERROR= \
	    'SAN=$(SAN_FLAGS) -fsanitize=fuzzer-no-link' FUZZ_LINK=-fsanitize=fuzzer fuzz-bins

# ---- running ---------------------------------------------------------------------------------

TEST_ENV = ASAN_OPTIONS=detect_leaks=1$(if $(ASAN_OPTIONS),:$(ASAN_OPTIONS)) \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
           HARPER_SRC=$(CURDIR) HARPER_BUILD=$(abspath $(B))/asan
# libFuzzer's own exit code for a crash is 77, which the runner reads as a skip.
FUZZ_FLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=30 -error_exitcode=1 -timeout_exitcode=1
RUN_FUZZ = $(if $(HAVE_FUZZER),$(B)/fuzz/fuzz_$(1) $(FUZZ_FLAGS) -artifact_prefix="$$TEST_DIR/" \
               "$$TEST_DIR" test/fuzz/corpus/$(1),echo "no clang with libFuzzer"; exit 77)
RUN_REPLAY = $(B)/asan/replay_$(1) test/fuzz/corpus/$(1)
RUNNER_ARGS = $(foreach s,$(SCRIPTS),--script $(s)) \
              $(foreach n,$(FUZZ_NAMES),--run replay_$(n) '$(call RUN_REPLAY,$(n))') \
              $(foreach n,$(FUZZ_NAMES),--run fuzz_$(n) '$(call RUN_FUZZ,$(n))')

test: deps
	+$(Q)$(SUBMAKE) all asan $(if $(HAVE_FUZZER),fuzz-build)
	$(Q)$(TEST_ENV) $(B)/asan/test-runner $(RUNNER_ARGS) $(T)

# New inputs go to build/fuzz/corpus/NAME, crashes to build/fuzz/artifacts/: copy the ones
# worth keeping into test/fuzz/corpus/NAME.
fuzz:
	@[ -n "$(HAVE_FUZZER)" ] || { echo "fuzz: $(CLANG) cannot link libFuzzer (make deps)"; exit 1; }
	+$(Q)$(SUBMAKE) fuzz-build
	$(Q)failed=; for n in $(FUZZ_NAMES); do \
	    mkdir -p $(B)/fuzz/corpus/$$n $(B)/fuzz/artifacts; echo "fuzz $$n: $(FUZZ_SECONDS) s"; \
	    $(B)/fuzz/fuzz_$$n $(FUZZ_FLAGS) -artifact_prefix=$(B)/fuzz/artifacts/$$n- \
	        $(B)/fuzz/corpus/$$n test/fuzz/corpus/$$n || failed="$$failed $$n"; \
	done; [ -z "$$failed" ] || { echo "fuzz: crashes in$$failed, see $(B)/fuzz/artifacts/"; exit 1; }

run: deps
	+$(Q)$(SUBMAKE) $(B)/harper-server
	ROOTPATH=$(CURDIR)/harper-data exec $(B)/harper-server run

bench: deps
	+$(Q)$(SUBMAKE) all $(BENCHES)
	$(Q)for b in $(BENCHES); do echo "== $$b"; $$b $(BENCH_ARGS) || exit 1; done
	$(Q)for b in $(wildcard bench/*.sh bench/*.py); do echo "== $$b"; \
	    HARPER_SRC=$(CURDIR) HARPER_BUILD=$(abspath $(B)) $$b $(BENCH_ARGS) || exit 1; done

# ---- installing ------------------------------------------------------------------------------

# pkg-config paths relative to ${prefix} where they can be, so a staged copy can be moved.
pc_path = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

install: $(SHLIB) $(SHLIB_LINKS) $(B)/libharper.a $(B)/harper-server
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(BINDIR)
	install -m 644 include/harper.h $(DESTDIR)$(INCLUDEDIR)/harper.h
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/libharper.so.$(VERSION)
	ln -sf libharper.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libharper.so.$(SOVERSION)
	ln -sf libharper.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libharper.so
	install -m 644 $(B)/libharper.a $(DESTDIR)$(LIBDIR)/libharper.a
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|g' -e 's|@VERSION@|$(VERSION)|g' \
	    pkgconfig/harper.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/harper.pc
	install -m 755 $(B)/harper-server $(DESTDIR)$(BINDIR)/harper-server
	$(if $(DESTDIR),,-ldconfig 2>/dev/null)

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/harper.h $(DESTDIR)$(LIBDIR)/libharper.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/libharper.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libharper.so \
	    $(DESTDIR)$(LIBDIR)/libharper.a $(DESTDIR)$(LIBDIR)/pkgconfig/harper.pc \
	    $(DESTDIR)$(BINDIR)/harper-server

clean:
	rm -rf $(B)
