# appv - application virtualization sandbox.  GNU make, no autotools.
#   make            build build/appv and build/libappv-shim.so
#   make demo       set-up (deps), build, run the example package
#   make check      set-up, build, every unit and end-to-end test
#   make bench      benchmarks against native and proot (ratios, medians)
#   make SANITIZE=1 ... ASan + UBSan build

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc

PKGS := libseccomp libsquashfs1 libzstd inih jansson nettle libelf
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wno-unused-parameter
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -fPIC -D_GNU_SOURCE -MMD -MP
LDFLAGS ?=

ifeq ($(SANITIZE),1)
  SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
  BUILD := build-san
endif

# pkg-config is only consulted for targets that compile.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The libraries are linked statically (Debian's -dev packages ship the .a
# files): loading nine shared objects was a fifth of `appv exec` start-up.
# appv itself is a static executable too (STATIC_APPV=1, the default
# unless SANITIZE=1 or STATIC_LIBS=0): no dynamic loader, no relocation of
# libc, only the library pages it touches - about 45 page faults (2 ms
# here) less per `appv run`.  The unit tests link the same archives into
# dynamic executables.  STATIC_LIBS=0 links everything dynamically.
STATIC_PKGS := libseccomp libsquashfs1 libzstd inih jansson nettle
STATIC_LIBS ?= 1
STATIC_APPV ?= $(if $(filter 1,$(SANITIZE)),0,$(STATIC_LIBS))
ifeq ($(STATIC_LIBS),1)
PKG_LIBS = -Wl,-Bstatic $(filter-out -pthread -lpthread,$(shell \
	pkg-config --libs --static $(STATIC_PKGS) 2>/dev/null)) -Wl,-Bdynamic \
	$(shell pkg-config --libs $(filter-out $(STATIC_PKGS),$(PKGS)) \
	2>/dev/null)
else
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif
ifeq ($(STATIC_APPV),1)
APPV_LIBS = -static $(filter-out -pthread -lpthread,$(shell pkg-config \
	--libs --static $(PKGS) 2>/dev/null))
else
APPV_LIBS = $(PKG_LIBS)
endif
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

COMMON_SRC := $(wildcard common/*.c)
VFS_SRC := $(wildcard vfs/*.c)
PKG_SRC := $(wildcard packages/*.c)
REG_SRC := $(wildcard registry/*.c)
FILTER_SRC := intercept/filter.c
FILTER_GEN_SRC := intercept/filter_gen.c
SHIM_SRC := $(filter-out $(FILTER_SRC) $(FILTER_GEN_SRC),$(wildcard intercept/*.c))
LOADER_SRC := $(filter-out loader/main.c,$(wildcard loader/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
shimobj = $(patsubst %.c,$(BUILD)/shimobj/%.o,$(1))

LIB_OBJ := $(call obj,$(COMMON_SRC) $(VFS_SRC) $(PKG_SRC) $(REG_SRC) \
	     $(FILTER_SRC) $(LOADER_SRC))
# The seccomp programs, generated at build time from loader/syscalls.c by
# a tool linked from LIB_OBJ (intercept/filter_gen.c).
FILTER_PROG_OBJ := $(BUILD)/obj/gen/filter_prog.o
APPV_OBJ := $(LIB_OBJ) $(FILTER_PROG_OBJ) $(call obj,loader/main.c)
# The shim never gets sanitizers: it is preloaded into arbitrary programs.
SHIM_OBJ := $(call shimobj,$(SHIM_SRC) $(VFS_SRC) $(COMMON_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TEST_HELPERS_SRC := $(wildcard tests/helpers/*.c)
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(TEST_HELPERS_SRC))

.PHONY: all demo check unit e2e bench install clean deps check-style examples
all: $(BUILD)/appv $(BUILD)/libappv-shim.so

deps:
	@scripts/deps.sh build

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/shimobj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DAPPV_SHIM -fvisibility=hidden -fno-stack-protector \
		-c $< -o $@

$(BUILD)/tools/filter-gen: $(FILTER_GEN_SRC) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) \
		$(PKG_LIBS) -lpthread

$(BUILD)/gen/filter_prog.c: $(BUILD)/tools/filter-gen
	@mkdir -p $(@D)
	$(BUILD)/tools/filter-gen $@

$(FILTER_PROG_OBJ): $(BUILD)/gen/filter_prog.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -I. -c $< -o $@

$(BUILD)/appv: $(APPV_OBJ)
	$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ $(APPV_LIBS) -lpthread

$(BUILD)/libappv-shim.so: $(SHIM_OBJ) intercept/shim.map
	$(CC) -shared $(LDFLAGS) -Wl,--version-script=intercept/shim.map \
		-Wl,-z,now -o $@ $(SHIM_OBJ) -ldl

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJ) $(FILTER_PROG_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJ) \
		$(FILTER_PROG_OBJ) $(PKG_LIBS) $(CMOCKA_LIBS) -lpthread

# Small programs the end-to-end tests and benchmarks run; *_static.c are
# linked statically (a static binary of our own).
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(if $(findstring _static,$*),-static) -o $@ $<

examples: all
	@$(MAKE) --no-print-directory -C examples BUILD=$(abspath $(BUILD)) APPV=$(abspath $(BUILD))/appv

demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all examples
	@scripts/demo.sh $(BUILD)

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

e2e: all examples $(TEST_HELPERS)
	@tests/e2e/run.sh $(BUILD)

check:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all examples $(UNIT_BIN) $(TEST_HELPERS)
	@scripts/check.sh $(BUILD) $(UNIT_BIN)

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all examples $(TEST_HELPERS)
	@bench/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/appv
	install -m 0755 $(BUILD)/appv $(DESTDIR)$(PREFIX)/bin/appv
	install -m 0644 $(BUILD)/libappv-shim.so $(DESTDIR)$(PREFIX)/lib/appv/

check-style:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san
	@$(MAKE) --no-print-directory -C examples clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
