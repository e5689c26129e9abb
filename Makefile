# meldpunt — plain Makefile.
#
#   make run     install what is missing, build, start PostgreSQL and both daemons
#                (PUBLIC_PORT=8443 STAFF_PORT=8444 by default)
#   make test    build and run the whole suite against a throw-away PostgreSQL
#   make asan    the same suite built with AddressSanitizer + UBSan
#   make fuzz    build the libFuzzer harnesses (clang) and run each briefly
#   make bench   build and run the benchmarks (prints tables)
#   make install PREFIX=/usr/local DESTDIR=
#
# Sources are picked up by wildcard so that adding a module needs no edit
# here: crypto/*.c form libmeldcrypto.a; forms/*.c and stats/*.c (pure
# libraries that meldpuntd, meldctl and the benchmarks share; they never
# include a daemon/ header) form libmeldshared.a; daemon/*.c form meldpuntd
# (main.c holds main()); admin/*.c form meldctl (meldctl.c holds main()).
# Each directory tests/<dir>/ becomes one Criterion binary
# build/tests/test_<dir>, linked with tests/lib/*.c, the libraries and every
# daemon and admin object except the two main() files.

CC	?= cc
BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=

PKGS	 = libevent libevent_openssl libevent_pthreads libpq libssl libcrypto \
	   libargon2 libsodium jansson libqrencode
DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_CFLAGS := $(shell pkg-config --cflags criterion 2>/dev/null)
CRIT_LIBS   := $(shell pkg-config --libs criterion 2>/dev/null)
# libpng: tests only (tests/stats/test_chart.c reads rasterised charts).
PNG_CFLAGS := $(shell pkg-config --cflags libpng 2>/dev/null)
PNG_LIBS   := $(shell pkg-config --libs libpng 2>/dev/null)

WARN	 = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes
HARDEN	 = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT	?= -O2 -g
SAN	?=
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) \
	   $(SAN) -I. $(DEP_CFLAGS) \
	   -DMELDPUNT_SCHEMA_DIR='"$(PREFIX)/share/meldpunt/schema"'
LDFLAGS	+= -pie -Wl,-z,relro,-z,now $(SAN)
LDLIBS	+= $(DEP_LIBS) -lpthread -lm

CRYPTO_SRC := $(wildcard crypto/*.c)
SHARED_SRC := $(wildcard forms/*.c stats/*.c)
DAEMON_SRC := $(wildcard daemon/*.c)
ADMIN_SRC  := $(wildcard admin/*.c)
TLIB_SRC   := $(wildcard tests/lib/*.c)
TEST_DIRS  := $(filter-out lib fuzz data,$(notdir $(patsubst %/,%,$(sort $(dir $(wildcard tests/*/*.c))))))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
CRYPTO_OBJ := $(call obj,$(CRYPTO_SRC))
SHARED_OBJ := $(call obj,$(SHARED_SRC))
DAEMON_OBJ := $(call obj,$(DAEMON_SRC))
ADMIN_OBJ  := $(call obj,$(ADMIN_SRC))
TLIB_OBJ   := $(call obj,$(TLIB_SRC))
DAEMON_LIB_OBJ := $(filter-out $(BUILD)/obj/daemon/main.o,$(DAEMON_OBJ))
ADMIN_LIB_OBJ  := $(filter-out $(BUILD)/obj/admin/meldctl.o,$(ADMIN_OBJ))

LIBCRYPTO := $(BUILD)/libmeldcrypto.a
LIBSHARED := $(BUILD)/libmeldshared.a
TESTS	  := $(patsubst %,$(BUILD)/tests/test_%,$(TEST_DIRS))
BENCHES	  := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

.PHONY: all run test test-ha asan fuzz bench install clean deps check-deps
all: $(BUILD)/meldpuntd $(BUILD)/meldctl $(TESTS) $(BENCHES)

# Install missing Debian packages first (idempotent; a no-op when present).
deps:
	@deploy/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CRIT_CFLAGS) $(PNG_CFLAGS) -Wno-missing-prototypes -MMD -MP -c $< -o $@

$(LIBCRYPTO): $(CRYPTO_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIBSHARED): $(SHARED_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/meldpuntd: $(DAEMON_OBJ) $(LIBSHARED) $(LIBCRYPTO)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/meldctl: $(ADMIN_OBJ) $(LIBSHARED) $(LIBCRYPTO)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/tests/test_%: $$(call obj,$$(wildcard tests/$$*/*.c)) $(TLIB_OBJ) \
    $(DAEMON_LIB_OBJ) $(ADMIN_LIB_OBJ) $(LIBSHARED) $(LIBCRYPTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CRIT_LIBS) $(PNG_LIBS) $(LDLIBS)

# The benchmarks seal reports as a client does with the end-to-end tests'
# reporter client (tests/lib/treporter.c; no Criterion in it).
BENCH_TLIB := $(call obj,tests/lib/treporter.c tests/lib/tclient.c \
    tests/lib/tpow.c)
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BENCH_TLIB) $(DAEMON_LIB_OBJ) \
    $(LIBSHARED) $(LIBCRYPTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# PUBLIC_PORT= and STAFF_PORT= (default 8443, 8444) pass through.
run: deps
	@$(MAKE) --no-print-directory all
	@PUBLIC_PORT=$(PUBLIC_PORT) STAFF_PORT=$(STAFF_PORT) deploy/run-dev.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh $(BUILD)

# The high-availability test alone with a long load (docs/ha.md); `make
# test` runs the same test with a short one.
test-ha: deps
	@$(MAKE) --no-print-directory all
	@MELDPUNT_HA_SECONDS=$${MELDPUNT_HA_SECONDS:-120} MELDPUNT_SKIP_BROWSER=1 \
	    CRITERION_ARGS='--filter=ha/*' tests/run.sh $(BUILD)

# Sanitizer build in its own tree; ASan's leak checker and UBSan abort on
# the first finding so that any report fails the run.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    HARDEN="-fstack-protector-strong -fPIE" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    tests/run.sh build/asan

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
fuzz: deps
	@tests/fuzz/run.sh $(FUZZ_SRC)

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BUILD)

install: $(BUILD)/meldpuntd $(BUILD)/meldctl
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/meldpunt/schema \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/meldpunt/web \
	    $(DESTDIR)$(PREFIX)/share/meldpunt/console
	install -m 0755 $(BUILD)/meldpuntd $(BUILD)/meldctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 schema/*.sql $(DESTDIR)$(PREFIX)/share/meldpunt/schema/
	-install -m 0644 docs/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/ 2>/dev/null
	-cp -R web/. $(DESTDIR)$(PREFIX)/share/meldpunt/web/ 2>/dev/null
	-cp -R console/. $(DESTDIR)$(PREFIX)/share/meldpunt/console/ 2>/dev/null
	install -m 0644 deploy/meldpuntd.conf.example deploy/meldpuntd@.service \
	    deploy/meldpunt-epoch.service deploy/meldpunt-epoch.timer \
	    deploy/trust.example.json $(DESTDIR)$(PREFIX)/share/meldpunt/

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
