# loupe: one build for every tool.
#
#   make            build every tool into build/
#   make deps       install the Debian packages needed to build and test
#   make check      build, then run unit, integration and sanitizer tests
#   make V=1        show the commands
#   make SANITIZE=1 user space built with ASan+UBSan (into build-asan/)
#   make STATIC=1   every tool linked statically (into build-static/): one
#                   file to copy to another host of the same architecture
#   make fuzz       libFuzzer targets of the parsers and escapers (into
#                   build-fuzz/; clang with ASan+UBSan)
#   make fuzz-run   each of them FUZZ_SECONDS (30) on a copy of its corpus
#   make install    PREFIX=/usr/local DESTDIR= (tools into sbin, man pages,
#                   bash completion, the systemd unit loupe@.service into
#                   SYSTEMD_UNIT_DIR); with STATIC=1 the static tools;
#                   PROGRAM_SUFFIX=-loupe installs opensnoop-loupe... (the
#                   Debian package: beside libbpf-tools' opensnoop);
#                   PROGRAM_PREFIX likewise
#
# vmlinux.h is generated from $(VMLINUX_BTF) (default: the running kernel's
# BTF); point VMLINUX_BTF at another BTF file, or VMLINUX_H at a header.

TOOLS      := opensnoop biolatency execsnoop tcpconnect errsnoop fileslower funccount
VERSION    := 0.1.0

ifeq ($(SANITIZE),1)
BUILD      ?= build-asan
else ifeq ($(STATIC),1)
BUILD      ?= build-static
else
BUILD      ?= build
endif
ifeq ($(SANITIZE)$(STATIC),11)
$(error SANITIZE=1 and STATIC=1 exclude each other (ASan cannot link statically))
endif
FUZZ_BUILD := build-fuzz
PREFIX     ?= /usr/local
DESTDIR    ?=
PROGRAM_PREFIX ?=
PROGRAM_SUFFIX ?=

CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
PKG_CONFIG ?= pkg-config
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H  ?= $(BUILD)/vmlinux.h

ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

# ---- dependencies --------------------------------------------------------
DEB_BUILD := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc libc6-dev
DEB_TEST  := python3 jq libxml2-utils util-linux procps iproute2 strace libbpf-tools bpftrace \
	     systemtap-sdt-dev nftables libclang-rt-14-dev podman runc busybox-static \
	     bash-completion dpkg-dev debhelper fakeroot lintian \
	     prometheus prometheus-node-exporter rsyslog python3-yaml
MISSING   := $(strip $(foreach t,$(CLANG) $(BPFTOOL) $(PKG_CONFIG),$(if $(shell command -v $(t) 2>/dev/null),,$(t))))
ifeq ($(MISSING),)
MISSING   := $(if $(shell $(PKG_CONFIG) --exists libbpf libelf zlib 2>/dev/null && echo ok),,libbpf-dev/libelf-dev/zlib1g-dev)
endif

LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
ifeq ($(STATIC),1)
LIBBPF_LIBS   := -static $(shell $(PKG_CONFIG) --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
else
LIBBPF_LIBS   := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
endif

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(CPPFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -I. -Icommon -I$(BUILD) -I$(BUILD)/bpf \
	      $(LIBBPF_CFLAGS) -DLOUPE_VERSION='"$(VERSION)"' -MMD -MP
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
endif
# <bpf/usdt.bpf.h> includes <linux/errno.h> -> <asm/errno.h>: Debian keeps
# asm/ under the multiarch directory, which clang -target bpf does not search
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I. -Ibpf -I$(BUILD) \
	      $(LIBBPF_CFLAGS) -Wall -Werror -Wno-unused-function -MMD -MP \
	      $(if $(MULTIARCH),-idirafter /usr/include/$(MULTIARCH))

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(patsubst common/%.c,$(BUILD)/common/%.o,$(COMMON_SRC)) \
	      $(BUILD)/common/names_gen.o
LIBCOMMON  := $(BUILD)/libcommon.a

BINS := $(addprefix $(BUILD)/,$(TOOLS))
COMPLETION := $(BUILD)/completion/loupe

all: check-deps $(BINS) $(COMPLETION)

check-deps:
ifneq ($(MISSING),)
	@echo "loupe: missing build dependencies: $(MISSING) (run: make deps)" >&2; exit 1
endif

deps:
	@command -v apt-get >/dev/null || { echo "make deps: needs apt-get (Debian)" >&2; exit 1; }
	@if ! dpkg -s $(DEB_BUILD) $(DEB_TEST) >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $(DEB_BUILD) $(DEB_TEST); \
	else echo "make deps: all packages present"; fi

# ---- generated files ------------------------------------------------------
$(BUILD) $(BUILD)/common $(BUILD)/tools $(BUILD)/tests:
	$(Q)mkdir -p $@

ifeq ($(VMLINUX_H),$(BUILD)/vmlinux.h)
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@
endif

# errno and syscall tables from the system headers (+ common/names_extra.h)
$(BUILD)/common/names_gen.c $(FUZZ_BUILD)/common/names_gen.c: scripts/gen-names.sh \
		common/names_extra.h
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)CC="$(CC)" sh scripts/gen-names.sh > $@.tmp && mv $@.tmp $@

# ---- user space ---------------------------------------------------------------
$(BUILD)/common/%.o: common/%.c | $(BUILD)/common
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/common/names_gen.o: $(BUILD)/common/names_gen.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# BPF objects of common/ itself (bpf/*.bpf.c: the cgroup_mkdir watcher):
# their skeletons are built before any common/ object
COMMON_BPF_SRC := $(wildcard bpf/*.bpf.c)
COMMON_SKELS   := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(COMMON_BPF_SRC))
$(COMMON_OBJ): | $(COMMON_SKELS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp.o && \
		$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$(notdir $*))_bpf > $@.tmp && mv $@.tmp $@

$(LIBCOMMON): $(COMMON_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# ---- BPF objects and skeletons -------------------------------------------------
# Every tools/<t>/*.bpf.c becomes $(BUILD)/tools/<name>.bpf.o and a skeleton
# $(BUILD)/tools/<name>.skel.h; a tool may have more than one object.
BPF_SRC  := $(wildcard tools/*/*.bpf.c)
BPF_OBJ  := $(patsubst tools/%.bpf.c,$(BUILD)/tools/%.bpf.o,$(BPF_SRC))
SKELS    := $(BPF_OBJ:.bpf.o=.skel.h)

$(BUILD)/tools/%.bpf.o: tools/%.bpf.c $(VMLINUX_H) | $(BUILD)/tools
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp.o && \
		$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/tools/%.skel.h: $(BUILD)/tools/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$(notdir $*))_bpf > $@.tmp && mv $@.tmp $@

# A tool's front end is every tools/<t>/*.c (not *.bpf.c); each depends on
# every skeleton of its own directory.
define tool_rule
$(1)_SRC := $$(filter-out %.bpf.c,$$(wildcard tools/$(1)/*.c))
$(1)_OBJ := $$(patsubst tools/%.c,$(BUILD)/tools/%.o,$$($(1)_SRC))

$$($(1)_OBJ): $(BUILD)/tools/$(1)/%.o: tools/$(1)/%.c $(filter $(BUILD)/tools/$(1)/%,$(SKELS)) | $(BUILD)/tools
	$$(call msg,CC,$$@)
	$$(Q)mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(ALL_CFLAGS) -I$(BUILD)/tools/$(1) -c $$< -o $$@

$(BUILD)/$(1): $$($(1)_OBJ) $(LIBCOMMON)
	$$(call msg,LD,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) $$^ $$(LIBBPF_LIBS) -o $$@
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# ---- bash completion ---------------------------------------------------------
# The engine (common/complete.bash), then what each tool says of its own
# option table (`<tool> --complete-spec`, common/complete.h): nothing about
# an option is written twice.
$(COMPLETION): common/complete.bash $(BINS)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ cat common/complete.bash && for t in $(BINS); do $$t --complete-spec || exit 1; \
		done; } > $@.tmp && mv $@.tmp $@

# ---- tests ---------------------------------------------------------------
# tests/helpers: checks shared by the unit tests and the fuzzers
TEST_HELPERS := $(wildcard tests/helpers/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c) $(TEST_HELPERS)
$(BUILD)/tests/unit: $(UNIT_SRC) $(LIBCOMMON) | $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(UNIT_SRC) $(LIBCOMMON) $(LIBBPF_LIBS) -o $@

WORKLOADS := $(patsubst tests/workloads/%.c,$(BUILD)/tests/%,$(wildcard tests/workloads/*.c))
$(BUILD)/tests/%: tests/workloads/%.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< -o $@ -lpthread

# BPF test objects (tests/bpf/*.bpf.c) and the programs that drive them
TEST_BPF_SRC := $(wildcard tests/bpf/*.bpf.c)
TEST_SKELS   := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/bpf/%.skel.h,$(TEST_BPF_SRC))

$(BUILD)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(VMLINUX_H) | $(BUILD)/tests
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp.o && \
		$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/tests/bpf/%.skel.h: $(BUILD)/tests/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$(notdir $*))_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/attach_test: tests/attach_test.c $(BUILD)/tests/bpf/attach_test.skel.h $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -I$(BUILD)/tests/bpf $(LDFLAGS) $< $(LIBCOMMON) $(LIBBPF_LIBS) -o $@

# common/containers.h on the real cgroup2 tree (tests/integration/test_containers.py)
$(BUILD)/tests/cgroupinfo: tests/cgroupinfo.c $(LIBCOMMON) | $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $< $(LIBCOMMON) $(LIBBPF_LIBS) -o $@

tests: all $(BUILD)/tests/unit $(WORKLOADS) $(BUILD)/tests/attach_test $(BUILD)/tests/cgroupinfo

# The unit tests alone, no root (the Debian package's build runs them); the
# symbols tests read the usdt_prog workload (systemtap-sdt-dev's sys/sdt.h).
check-unit: $(BUILD)/tests/unit $(BUILD)/tests/usdt_prog
	$(Q)$(BUILD)/tests/unit

# ---- fuzzing ---------------------------------------------------------------
# build-fuzz/fuzz_<t> from tests/fuzz/fuzz_<t>.c: libFuzzer with ASan and
# UBSan. common/ is compiled again, with clang and the fuzzer's coverage
# instrumentation (build/libcommon.a is gcc's and has none); build/ and
# build-asan/ are left alone. fuzz-run runs each target FUZZ_SECONDS on a
# copy of tests/fuzz/corpus/<t> (the checked-in corpus does not grow).
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS  := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer $(WARN) -std=gnu11 -D_GNU_SOURCE -I. -Icommon \
		-I$(FUZZ_BUILD) -I$(BUILD)/bpf $(LIBBPF_CFLAGS) -DLOUPE_VERSION='"$(VERSION)"' \
		-MMD -MP
FUZZ_COMMON  := $(patsubst common/%.c,$(FUZZ_BUILD)/common/%.o,$(COMMON_SRC)) \
		$(FUZZ_BUILD)/common/names_gen.o
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_COMMON): | $(COMMON_SKELS)
$(FUZZ_BUILD)/common/%.o: common/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/common/names_gen.o: $(FUZZ_BUILD)/common/names_gen.c
	$(call msg,CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/libcommon.a: $(FUZZ_COMMON)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(TEST_HELPERS) $(FUZZ_BUILD)/libcommon.a
	$(call msg,LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(TEST_HELPERS) \
		$(FUZZ_BUILD)/libcommon.a $(LIBBPF_LIBS) -o $@

# funccount's pattern parser, a tool's own code, joins its target
$(FUZZ_BUILD)/fuzz_patterns: tests/fuzz/fuzz_patterns.c tools/funccount/patterns.c \
		$(TEST_HELPERS) $(FUZZ_BUILD)/libcommon.a
	$(call msg,LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< tools/funccount/patterns.c \
		$(TEST_HELPERS) $(FUZZ_BUILD)/libcommon.a $(LIBBPF_LIBS) -o $@

fuzz: check-deps $(FUZZ_BINS)

fuzz-run: fuzz
	$(Q)tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

check:
	$(Q)tests/run

bench: all
	$(Q)$(MAKE) -C bench

MANS  := $(wildcard $(addprefix man/man8/,$(addsuffix .8,$(TOOLS))))
MAN7S := $(wildcard man/man7/*.7)
SBIN_DIR := $(DESTDIR)$(PREFIX)/sbin
MAN_DIR  := $(DESTDIR)$(PREFIX)/share/man
COMP_DIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
# systemd looks in /usr/local/lib/systemd/system too; Debian's packages use
# /lib/systemd/system (debian/rules)
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
UNIT_DIR := $(DESTDIR)$(SYSTEMD_UNIT_DIR)
UNIT_DROPINS := $(notdir $(wildcard systemd/loupe@*.service.d))

# Every name a user types gets PROGRAM_PREFIX and PROGRAM_SUFFIX: the
# commands, their man pages (scripts/man-rename.sh) and the completion's
# `complete` lines; the completion is one file, which bash-completion
# finds by each command's name.
installed = $(addprefix $(1)$(PROGRAM_PREFIX),$(addsuffix $(PROGRAM_SUFFIX)$(2),$(TOOLS)))
RENAME_MAN = sh scripts/man-rename.sh "$(PROGRAM_PREFIX)" "$(PROGRAM_SUFFIX)" $(TOOLS)

install: all
	install -d $(SBIN_DIR) $(MAN_DIR)/man8 $(COMP_DIR)
	for t in $(TOOLS); do install -m 0755 $(BUILD)/$$t \
		$(SBIN_DIR)/$(PROGRAM_PREFIX)$$t$(PROGRAM_SUFFIX) || exit 1; done
	for p in $(MANS); do t=$${p##*/}; $(RENAME_MAN) < $$p \
		> $(MAN_DIR)/man8/$(PROGRAM_PREFIX)$${t%.8}$(PROGRAM_SUFFIX).8 || exit 1; done
	$(if $(MAN7S),install -d $(MAN_DIR)/man7)
	for p in $(MAN7S); do $(RENAME_MAN) < $$p > $(MAN_DIR)/man7/$${p##*/} || exit 1; done
	sed 's/^\(complete -F _loupe_\([a-z]*\)\) .*/\1 $(PROGRAM_PREFIX)\2$(PROGRAM_SUFFIX)/' \
		$(COMPLETION) > $(COMP_DIR)/loupe
	for c in $(call installed); do ln -sf loupe $(COMP_DIR)/$$c || exit 1; done
	install -d $(UNIT_DIR)
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@PROGRAM_PREFIX@|$(PROGRAM_PREFIX)|g' \
		-e 's|@PROGRAM_SUFFIX@|$(PROGRAM_SUFFIX)|g' systemd/loupe@.service \
		> $(UNIT_DIR)/loupe@.service
	for d in $(UNIT_DROPINS); do install -d $(UNIT_DIR)/$$d && \
		install -m 0644 systemd/$$d/defaults.conf $(UNIT_DIR)/$$d/ || exit 1; done

uninstall:
	rm -f $(call installed,$(SBIN_DIR)/) $(call installed,$(MAN_DIR)/man8/,.8) \
	      $(addprefix $(MAN_DIR)/man7/,$(notdir $(MAN7S))) \
	      $(COMP_DIR)/loupe $(call installed,$(COMP_DIR)/) $(UNIT_DIR)/loupe@.service \
	      $(addsuffix /defaults.conf,$(addprefix $(UNIT_DIR)/,$(UNIT_DROPINS)))
	-rmdir $(addprefix $(UNIT_DIR)/,$(UNIT_DROPINS)) 2>/dev/null

# `make -s print-TOOLS`: a variable's value, for scripts (debian/rules, tests)
print-%:
	@echo '$($*)'

clean:
	rm -rf build build-asan build-static $(FUZZ_BUILD)

.PHONY: all deps check-deps check check-unit tests fuzz fuzz-run bench install uninstall clean

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
