# stvit-bench — build with `make`, test with `make test`.
# Sources are found by wildcard, so a new kernel file or test needs no edit here.
# A source named <name>__<isa>.c is built with ISA_FLAGS_<isa> (the table below) and is the
# only kind of file built with ISA flags; the backends pick them at run time from the
# CPU's features. A new backend is a folder under kernels/ plus one registry line.

CC      ?= gcc
BUILD   ?= build
OPT     ?= -O3
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration -fopenmp -MMD -MP \
           -I. $(shell pkg-config --cflags openblas libpng 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs openblas libpng 2>/dev/null || echo -lopenblas -lpng16) -ljpeg -lm -fopenmp
TEST_LDLIBS = -lcmocka
# The flags that matter for speed, recorded by harness/bench/env.c with every result row.
HX_BUILD_FLAGS := $(filter -O% -g -f% -m% -std=%,$(CFLAGS))

# Per-ISA flags by file-name suffix (__<isa>.c). A new ISA: one line here and its name in ISA_SUFFIXES.
ISA_FLAGS_avx2       = -mavx2 -mfma -mf16c
ISA_FLAGS_avx512     = -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c
ISA_FLAGS_avx512bf16 = $(ISA_FLAGS_avx512) -mavx512bf16
ISA_FLAGS_amx        = $(ISA_FLAGS_avx512) -mavx512bf16 -mamx-tile -mamx-bf16
ISA_SUFFIXES        := avx2 avx512 avx512bf16 amx

LIB_SRC  := $(sort $(wildcard kernels/*.c kernels/*/*.c variants/*.c variants/*/*.c viz/*.c harness/*/*.c))
CMD_SRC  := $(sort $(wildcard harness/cli/cmd_*.c))
LIB_SRC  := $(filter-out harness/cli/main.c $(CMD_SRC),$(LIB_SRC))
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/obj/%.o)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_COMMON := $(sort $(wildcard tests/common/*.c))
TEST_COMMON_OBJ := $(TEST_COMMON:%.c=$(BUILD)/obj/%.o)

.PHONY: all test deps clean run plots sanitize fuzz peers bench-full slurm-test FORCE
all: $(BUILD)/stvit

define isa_rule
$$(BUILD)/obj/%__$(1).o: %__$(1).c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(ISA_FLAGS_$(1)) -c $$< -o $$@
endef
$(foreach isa,$(ISA_SUFFIXES),$(eval $(call isa_rule,$(isa))))
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/harness/bench/env.o: CFLAGS += -DHX_CFLAGS='"$(HX_BUILD_FLAGS)"'
# stvit --version names the commit it was built from.
# A stamp holding it, rewritten only when HEAD moves, rebuilds main.o then (a flag alone
# would not: --version kept naming the commit main.c last changed in).
HX_BUILD_GIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
$(BUILD)/obj/harness/cli/main.o: CFLAGS += -DHX_BUILD_GIT='"$(HX_BUILD_GIT)"'
$(BUILD)/obj/harness/cli/main.o: $(BUILD)/build-git
$(BUILD)/build-git: FORCE
	@mkdir -p $(BUILD); echo '$(HX_BUILD_GIT)' | cmp -s - $@ || echo '$(HX_BUILD_GIT)' > $@
FORCE:

$(BUILD)/libstvit.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Commands are linked as objects (not from the archive) so main's table finds them.
$(BUILD)/stvit: $(BUILD)/obj/harness/cli/main.o $(CMD_OBJ) $(BUILD)/libstvit.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_COMMON_OBJ) $(BUILD)/libstvit.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

# Installs the Debian packages the build needs when one is missing (as root).
deps:
	@sh harness/install-deps.sh

# Every cmocka test binary, then the converter's test (Python + numpy); each runs from
# the project root so tests/data is found. tests/test_faults.c and tests/test_converter.py
# run $(STVIT_BIN), the command-line program of this build.
test: export STVIT_BIN ?= $(BUILD)/stvit
test: deps
	@$(MAKE) --no-print-directory $(BUILD)/stvit $(TEST_BIN)
	@sh tests/run-tests.sh $(TEST_BIN) tests/test_converter.py

# The sbatch scripts of harness/slurm/ on a one-node Slurm cluster started here, as root
# (installs Debian's Slurm and munge when missing; stops everything it started).
slurm-test: deps
	@$(MAKE) --no-print-directory $(BUILD)/stvit $(BUILD)/tests/tools/make_evalset
	@BUILD=$(BUILD) bash tests/slurm-test.sh

# The whole test suite built with ASan + UBSan (gcc) into build-san/, then every fuzz
# target for FUZZ_SECONDS each (clang + libFuzzer). See tests/ROBUSTNESS.md.
FUZZ_SECONDS ?= 60
SAN_OPT = -O2 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
sanitize: deps
	@ASAN_OPTIONS=detect_leaks=1:suppressions=$(CURDIR)/tests/sanitize.supp UBSAN_OPTIONS=print_stacktrace=1 \
	  $(MAKE) --no-print-directory BUILD=build-san OPT="$(SAN_OPT)" test
	@$(MAKE) --no-print-directory fuzz
fuzz:
	@sh harness/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS)

# PNG + SVG figures of the committed results: bench (with peers.csv) into results/plots/,
# the sweep into results/plots-sweep/, cost vs resolution into results/plots-resolution/.
plots: $(BUILD)/stvit
	$(BUILD)/stvit plot results/bench.csv --out results/plots
	$(BUILD)/stvit plot results/sweep.csv --out results/plots-sweep
	$(BUILD)/stvit plot results/resolution.csv --no-peers --out results/plots-resolution

# The main job on the bundled defaults: sweep, plots, ablation table, pictures.
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/stvit
	BIN=$(BUILD)/stvit sh harness/main-job.sh

# Peers (not part of test): a venv with torch/ONNX Runtime/OpenVINO (PEERS_VENV, default
# $(BUILD)/peers-venv), the cross-check against an independent PyTorch STViT, and interleaved
# timings of the peers and stvit into results/peers.csv (PEERS_OUT). PEERS_ARGS: options of
# harness/peers/bench_peers.py, e.g. PEERS_ARGS="--rounds 3 --busy-core both".
peers: $(BUILD)/stvit
	@sh harness/peers/run_peers.sh $(BUILD) $(PEERS_ARGS)

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(BUILD)/obj/harness/cli/main.d $(TEST_SRC:tests/%.c=$(BUILD)/obj/tests/%.d)
