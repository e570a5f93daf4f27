# Hangar: a thin layer over CMake + Ninja. See README.md.
#
#   make build       configure (once) and build into build/; executables in build/bin/
#   make run         install what is missing, build, run build/bin/hangar $(ARGS)
#   make test        install what is missing, build, run every suite below in order
#     make test-unit   CTest on build/
#     make test-js     Arrow's JavaScript implementation against the Hangar binaries
#     make test-python pyarrow (from PyPI, in third_party/venv/) against `hangar serve`:
#                      every Arrow type stored in tables through DoPut and DoExchange;
#                      the Python package (build/python/hangar) against the real Kafka broker
#     make test-wheel  `make wheel`, installed into a fresh virtual environment, runs there
#     make test-jdbc   Arrow's Flight SQL JDBC driver (Maven, JUnit 5) against `hangar serve`:
#                      DatabaseMetaData, queries, prepared statements, INSERT, auth, TLS
#     make test-asan   unit tests on an ASan + UBSan build (build-asan/)
#     make test-fuzz   libFuzzer for $(FUZZ_TIME) s per target (build-fuzz/, clang)
#     make test-skips  every suite's skipped tests against .ci/allowed-skips (CI=true:
#                      a skip not on that list fails the run)
#   make fuzz-long   each fuzz target for $(FUZZ_LONG_TIME) s, corpus kept in build-fuzz/
#   make bench       install what is missing, build the benchmarks (the target `benchmarks`,
#                    not part of `make build`), run every build/bin/bench_* and bench/*.sh
#                    (the baselines use the Debian packages and third_party/venv/)
#   make wheel       the Python package `hangar` (pyproject.toml) as a Linux x86_64 wheel in dist/
#   make clean       remove the build trees; `make distclean` also removes fetched deps
#
# The first failing step stops the run with a non-zero exit (`make -k test` runs all).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
# Steps run one after another, in the order written; each build uses $(JOBS) jobs.
.NOTPARALLEL:

JOBS       ?= 2
CMAKE      ?= cmake
CTEST      ?= ctest
NODE       ?= node
MVN        ?= mvn

BUILD_DIR  := build
WHEEL_BUILD_DIR := build-wheel
ASAN_DIR   := build-asan
FUZZ_DIR   := build-fuzz
JS_DIR     := tests/interop/js
PY_DIR     := tests/interop/python
JDBC_DIR   := tests/interop/jdbc
WHEEL_TESTS := tests/wheel
WHEEL_DIR  := dist
VENV_DIR   := third_party/venv
# JUnit XML reports of every suite, read by `make test-skips`.
REPORT_DIR := $(CURDIR)/$(BUILD_DIR)/test-reports

BUILD_TYPE ?= RelWithDebInfo
# Warnings are errors in every build made here, with GCC and clang alike, so a
# warning fails CI (and a developer's build, which is the same build).
CMAKE_ARGS ?= -DHANGAR_WERROR=ON
# The sanitizer build uses clang: it compiles this code about 40% faster than
# GCC with ASan + UBSan, and a second compiler catches what the first lets by.
ASAN_CMAKE_ARGS := -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
                   -DCMAKE_BUILD_TYPE=Debug -DHANGAR_SANITIZE=ON -DHANGAR_BUILD_BENCH=OFF -DHANGAR_CLUSTER_TESTS=OFF
FUZZ_CMAKE_ARGS := -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHANGAR_FUZZ=ON \
                   -DCMAKE_C_FLAGS='-O1 -g1' -DCMAKE_CXX_FLAGS='-O1 -g1'

# `make run ARGS="..."` (or RUN_ARGS) chooses what hangar runs: by default the
# Flight server on 127.0.0.1:8815 with its data in ./data.
RUN_ARGS   ?= serve --dev-kafka --data-dir data
ARGS       ?= $(RUN_ARGS)

# Fuzz targets as binary:corpus pairs; seeds come from fuzz/corpus/<corpus> (the IPC
# target also reads Arrow's gold files in place from ../shared/testdata, the Avro
# target Avro's own data files), and what
# libFuzzer finds goes to $(FUZZ_DIR)/corpus/<corpus>, never into the source tree.
FUZZ_TIME    ?= 20
# A fixed seed makes a run repeatable: CI explores what was explored before a
# change landed, and a finding reproduces. Pass FUZZ_SEED=0 for a random one.
FUZZ_SEED    ?= 1
FUZZ_LONG_TIME ?= 3600
FUZZ_TARGETS ?= fuzz_ipc_reader:ipc fuzz_avro_decoder:avro fuzz_flight_data:flightdata \
                fuzz_flight_sql:flightsql fuzz_requests:requests

# ccache (when installed): paths under the checkout hash relative to it, and
# the working directory does not count, so another clone of the same commit
# (CI's) reads what this one compiled.
export CCACHE_BASEDIR      := $(CURDIR)
export CCACHE_NOHASHDIR    := 1
export HANGAR_BIN_DIR      := $(CURDIR)/$(BUILD_DIR)/bin
export HANGAR_TESTDATA_DIR ?= $(abspath $(CURDIR)/../shared/testdata)
export ASAN_OPTIONS        ?= detect_leaks=1:check_initialization_order=1:strict_init_order=1
export UBSAN_OPTIONS       ?= print_stacktrace=1:halt_on_error=1

.PHONY: all setup build run test test-unit test-js test-python test-wheel test-jdbc test-asan test-fuzz \
        test-skips fuzz-long bench wheel clean distclean

all: build

# configure(dir, args): run CMake only when dir has no build.ninja, was configured
# from another source directory (a moved or copied tree), or with other arguments
# (remembered in dir/configure-args: a changed compiler needs a fresh cache).
define configure
	@if [ ! -f $(1)/build.ninja ] || \
	    ! grep -qxF 'CMAKE_HOME_DIRECTORY:INTERNAL=$(CURDIR)' $(1)/CMakeCache.txt 2>/dev/null || \
	    [ "$$(cat $(1)/configure-args 2>/dev/null)" != "$(strip $(2))" ]; then \
	  rm -rf $(1)/CMakeCache.txt $(1)/CMakeFiles; \
	  echo "$(CMAKE) -S . -B $(1) -G Ninja $(2)"; \
	  $(CMAKE) -S . -B $(1) -G Ninja $(2); \
	  echo "$(strip $(2))" > $(1)/configure-args; \
	fi
endef

setup:
	@scripts/setup.sh

# The Python extension module is built with the venv's Python and nanobind
# (scripts/setup.sh installs them); without them `make build` leaves it out.
PY_MODULE_ARGS := -DHANGAR_PYTHON_EXECUTABLE=$(CURDIR)/$(VENV_DIR)/bin/python

build:
	$(call configure,$(BUILD_DIR),-DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) $(PY_MODULE_ARGS))
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS)

run: setup build
	$(BUILD_DIR)/bin/hangar $(ARGS)

test: setup build test-unit test-js test-python test-wheel test-jdbc test-asan test-fuzz test-skips
	@echo "make test: all suites passed"

test-unit: setup build
	@mkdir -p $(REPORT_DIR); rm -f $(REPORT_DIR)/ctest.xml
	$(CTEST) --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS) --no-tests=error \
	  --output-junit $(REPORT_DIR)/ctest.xml

# Three test files at a time (node's default is one on 2 cores): the suites
# mostly wait on the servers they start, each on its own port and data dir.
test-js: setup build
	@mkdir -p $(REPORT_DIR); rm -f $(REPORT_DIR)/node.xml
	@shopt -s nullglob; cd $(JS_DIR); files=(*.test.mjs); \
	if [ $${#files[@]} -eq 0 ]; then echo "test-js: no *.test.mjs files in $(JS_DIR)"; exit 1; fi; \
	reporters=(--test-reporter=spec --test-reporter-destination=stdout \
	           --test-reporter=junit --test-reporter-destination=$(REPORT_DIR)/node.xml); \
	echo "cd $(JS_DIR) && HANGAR_BIN_DIR=$(HANGAR_BIN_DIR) $(NODE) --test --test-concurrency=3 $${files[*]}"; \
	$(NODE) --test --test-concurrency=3 "$${reporters[@]}" "$${files[@]}"

# pytest's exit status 5 (no test collected) fails the target like any other.
test-python: setup build
	@mkdir -p $(REPORT_DIR); rm -f $(REPORT_DIR)/pytest.xml
	$(VENV_DIR)/bin/python -m pytest $(PY_DIR) -q -p no:cacheprovider -rs \
	  --junitxml=$(REPORT_DIR)/pytest.xml

# scikit-build-core builds in $(WHEEL_BUILD_DIR)/ (kept: a rebuild is incremental)
# with the venv's pinned backend and nanobind, nothing downloaded; its compiler
# commands are make build's (pyproject.toml names the compilers), so ccache
# answers most of them.
wheel: setup
	rm -rf $(WHEEL_DIR)
	$(VENV_DIR)/bin/python -m pip wheel --no-deps --no-build-isolation --disable-pip-version-check \
	  --config-settings=build.tool-args=-j$(JOBS) -w $(WHEEL_DIR) .

test-wheel: setup wheel
	@mkdir -p $(REPORT_DIR); rm -f $(REPORT_DIR)/pytest-wheel.xml
	HANGAR_WHEEL_DIR=$(CURDIR)/$(WHEEL_DIR) $(VENV_DIR)/bin/python -m pytest $(WHEEL_TESTS) -q \
	  -p no:cacheprovider -rs --junitxml=$(REPORT_DIR)/pytest-wheel.xml

# Surefire prints its summary ("Tests run: N, Failures: ..."); a failure fails make.
# The artifacts come from ~/.m2, where scripts/setup.sh resolved them.
# Surefire's reports of an earlier run would outlive a test class since removed.
test-jdbc: setup build
	rm -rf $(JDBC_DIR)/target/surefire-reports
	$(MVN) -B -ntp -f $(JDBC_DIR)/pom.xml test

test-asan: setup
	$(call configure,$(ASAN_DIR),$(ASAN_CMAKE_ARGS) $(CMAKE_ARGS))
	$(CMAKE) --build $(ASAN_DIR) -j$(JOBS)
	@mkdir -p $(REPORT_DIR); rm -f $(REPORT_DIR)/ctest-asan.xml
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(CTEST) --test-dir $(ASAN_DIR) -L unit \
	  --output-on-failure -j$(JOBS) --no-tests=error --output-junit $(REPORT_DIR)/ctest-asan.xml

# run_fuzz(seconds, extra libFuzzer flags): every target of $(FUZZ_TARGETS) in turn,
# its finds kept in $(FUZZ_DIR)/corpus/<corpus>. A target that was not built
# fails the step: a fuzz run that fuzzes nothing must not pass.
define run_fuzz
	$(call configure,$(FUZZ_DIR),$(FUZZ_CMAKE_ARGS) $(CMAKE_ARGS))
	$(CMAKE) --build $(FUZZ_DIR) -j$(JOBS)
	@for pair in $(FUZZ_TARGETS); do \
	  bin=$(FUZZ_DIR)/bin/$${pair%%:*}; corpus=$${pair#*:}; \
	  if [ ! -x "$$bin" ]; then echo "fuzz: $$bin was not built"; exit 1; fi; \
	  mkdir -p $(FUZZ_DIR)/corpus/$$corpus $(FUZZ_DIR)/artifacts; \
	  seeds=(fuzz/corpus/$$corpus); \
	  [ $$corpus = ipc ] && seeds+=($(HANGAR_TESTDATA_DIR)/arrow-ipc/*/); \
	  [ $$corpus = avro ] && seeds+=($(HANGAR_TESTDATA_DIR)/avro/data/); \
	  cmd=("$$bin" -max_total_time=$(1) -print_final_stats=1 $(2) \
	       -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_DIR)/corpus/$$corpus "$${seeds[@]}"); \
	  echo "$${cmd[*]}"; "$${cmd[@]}"; \
	done
endef

test-fuzz: setup
	$(call run_fuzz,$(FUZZ_TIME),-seed=$(FUZZ_SEED))

# An hour per target by default, a random seed each time; the corpus grows
# across runs in $(FUZZ_DIR)/corpus/. Finds land in $(FUZZ_DIR)/artifacts/.
fuzz-long: setup
	$(call run_fuzz,$(FUZZ_LONG_TIME),-seed=0 -timeout=30 -rss_limit_mb=4096)

# After every suite: their JUnit reports against the reviewed allow-list. Under
# CI=true a skip that is not on it fails the run; the allowed ones are printed.
test-skips: setup
	$(VENV_DIR)/bin/python scripts/check_skips.py .ci/allowed-skips \
	  ctest=$(REPORT_DIR)/ctest.xml node=$(REPORT_DIR)/node.xml pytest=$(REPORT_DIR)/pytest.xml \
	  pytest-wheel=$(REPORT_DIR)/pytest-wheel.xml \
	  jdbc=$(JDBC_DIR)/target/surefire-reports ctest-asan=$(REPORT_DIR)/ctest-asan.xml

# setup first: bench_flight's pyarrow baseline runs in third_party/venv/, bench_avro's
# and bench_topics' Python baselines need Debian's python3 packages.
bench: setup build
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS) --target benchmarks
	@shopt -s nullglob; benches=($(BUILD_DIR)/bin/bench_* bench/*.sh); ran=0; \
	for b in "$${benches[@]}"; do \
	  [ -f "$$b" ] && [ -x "$$b" ] || continue; \
	  echo "== $$b"; "$$b"; ran=$$((ran + 1)); \
	done; \
	[ $$ran -gt 0 ] || echo "bench: no $(BUILD_DIR)/bin/bench_* executables"

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR) $(WHEEL_BUILD_DIR) $(WHEEL_DIR)

distclean: clean
	rm -rf third_party/duckdb $(VENV_DIR) $(JS_DIR)/node_modules
