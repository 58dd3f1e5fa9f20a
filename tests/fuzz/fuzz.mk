# fuzz.mk — libFuzzer targets (clang, with ASan + UBSan), driven by the main Makefile:
#   make fuzz [FUZZ_SECONDS=60]      build every target and run each for FUZZ_SECONDS
#   make -f tests/fuzz/fuzz.mk build-fuzz/fuzz_json   build one target
# The library is the normal build (Makefile) compiled by clang into build-fuzz/ with
# coverage instrumentation. New inputs found go to build-fuzz/corpus/<target>/ (the
# committed seeds in tests/fuzz/corpus/<target>/ are only read); a crashing input is
# saved as build-fuzz/crashes/<target>-crash-* — rerun it with `build-fuzz/<target> FILE`.
# Needs clang, libclang-rt-dev (libFuzzer) and libomp-dev: `sh harness/install-deps.sh --fuzz`.

CLANG        ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_LIBS     = $(shell pkg-config --libs openblas libpng 2>/dev/null || echo -lopenblas -lpng16) -ljpeg -lm -fopenmp

.PHONY: fuzz-build fuzz-run $(FUZZ_BUILD)/libstvit.a
fuzz-build: $(FUZZ_BINS)

# Always handed to the main Makefile, which knows when it is up to date.
$(FUZZ_BUILD)/libstvit.a:
	@$(MAKE) --no-print-directory -f Makefile BUILD=$(FUZZ_BUILD) CC=$(CLANG) \
	  OPT="-O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN)" $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.h $(FUZZ_BUILD)/libstvit.a
	$(CLANG) -O1 -g -std=c11 -D_GNU_SOURCE -I. $(shell pkg-config --cflags libpng 2>/dev/null) \
	  -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_BUILD)/libstvit.a $(FUZZ_LIBS)

# Each target for FUZZ_SECONDS, two at a time (one per core); logs in build-fuzz/logs/.
fuzz-run: $(FUZZ_BINS)
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
