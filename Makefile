# weir — a thin wrapper over CMake. Every target first runs scripts/setup.sh, which installs
# what a fresh Debian/Ubuntu machine lacks (and prints nothing when all is there).
#
#   make                  build everything in build/ (library, tests, examples, benchmarks, and
#                         the Python module python/weir/core*.so)
#   make demo             build, then run every example program in order, in C and in Python
#   make test             ctest in build/, the Python tests (pytest python/tests), then the C
#                         tests under ASan+UBSan (build-asan/) and under TSan (build-tsan/),
#                         then `make fuzz`
#   make fuzz             build the libFuzzer targets (build-fuzz/, clang, ASan+UBSan) and run
#                         each for FUZZ_SECONDS (default 60), then the Python fuzzer as long
#   make bench            build, then run every benchmark: bench/*.c, bench/ops_cpu.py, and the
#                         peer comparison bench/peers/run.py (JSON, table and plot in build/bench/peers)
#   make install PREFIX=/usr/local
#   make clean
#
# Variables: JOBS (parallel jobs, default: all cores), CMAKE_ARGS (extra -D options for every
# build directory, e.g. CMAKE_ARGS=-DWEIR_CUDA=OFF), PREFIX, PYTHON (default python3: the
# interpreter the extension is built for and the Python tests run with), FUZZ_SECONDS.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := all

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
CMAKE_ARGS ?=
# The Python that runs the Python tests and examples; the extension is built for the same one.
PYTHON ?= python3
PYTHON_EXE := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null)
PYTHON_ARGS = $(if $(PYTHON_EXE),-DPython3_EXECUTABLE=$(PYTHON_EXE))
comma := ,
# Sanitizer builds: the C tests only, optimized with debug info for readable reports.
# The CUDA backend is compiled into the sanitizer builds only where a GPU can run it: without one
# its tests skip, and compiling the kernels twice more would only lengthen CI.
SANITIZE_CUDA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo AUTO || echo OFF)
SANITIZE_ARGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEIR_BUILD_TESTS=ON -DWEIR_CUDA=$(SANITIZE_CUDA) \
                 -DWEIR_BUILD_EXAMPLES=OFF -DWEIR_BUILD_BENCH=OFF

# The fuzz build (fuzz/README.md): clang and libFuzzer, ASan+UBSan, the CPU backend only.
FUZZ_SECONDS ?= 60
FUZZ_ARGS := -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEIR_FUZZ=ON \
             -DWEIR_SANITIZE=address$(comma)undefined -DWEIR_CUDA=OFF -DWEIR_BUILD_TESTS=OFF \
             -DWEIR_BUILD_EXAMPLES=OFF -DWEIR_BUILD_BENCH=OFF -DWEIR_FUZZ_SECONDS=$(FUZZ_SECONDS)

EXAMPLES := $(basename $(notdir $(sort $(wildcard examples/*.c))))
BENCHES := $(basename $(notdir $(sort $(wildcard bench/*.c))))
# Python benchmarks: the CPU op families, then weir against MLX, PyTorch, CuPy and numpy.
PYBENCHES := bench/ops_cpu.py bench/peers/run.py

# $(call cmake_build,DIR,ARGS): configures DIR (Ninja when there is one, chosen when DIR is
# first configured) and builds it.
define cmake_build
	@if [ -f $(1)/CMakeCache.txt ]; then gen=(); \
	elif command -v ninja >/dev/null; then gen=(-G Ninja); \
	else gen=(-G "Unix Makefiles"); fi; \
	cmake -S . -B $(1) "$${gen[@]}" --log-level=WARNING $(2) $(CMAKE_ARGS)
	@cmake --build $(1) --parallel $(JOBS)
endef

# $(call ctest,DIR): runs DIR's tests.
define ctest
	cd $(1) && ctest --output-on-failure -j $(JOBS)
endef

.PHONY: all setup demo test fuzz bench install clean

setup:
	@bash scripts/setup.sh

all: setup
	$(call cmake_build,build,$(PYTHON_ARGS))

demo: all
	@for name in $(EXAMPLES); do \
	  echo "== examples/$$name"; \
	  build/examples/$$name; \
	done
	@echo "== the same examples in Python (examples/python), checked against their expected output"
	$(PYTHON) examples/python/run_examples.py

test: setup
	$(call cmake_build,build,$(PYTHON_ARGS))
	$(call ctest,build)
	PYTHONPATH=python $(PYTHON) -m pytest -q python/tests
	$(call cmake_build,build-asan,$(SANITIZE_ARGS) -DWEIR_SANITIZE=address$(comma)undefined)
	$(call ctest,build-asan)
	$(call cmake_build,build-tsan,$(SANITIZE_ARGS) -DWEIR_SANITIZE=thread)
	$(call ctest,build-tsan)
	@$(MAKE) --no-print-directory fuzz

fuzz: setup
	@command -v clang >/dev/null || { echo "make fuzz: needs clang with libFuzzer (scripts/setup.sh installs clang and libclang-rt-dev)" >&2; exit 1; }
	$(call cmake_build,build-fuzz,$(FUZZ_ARGS))
	cd build-fuzz && ctest --output-on-failure -L fuzz
	$(call cmake_build,build,$(PYTHON_ARGS))
	PYTHONPATH=python $(PYTHON) fuzz/python/fuzz_python.py --seconds $(FUZZ_SECONDS)

bench: all
	@mkdir -p build/bench; : >build/bench/weir.out; \
	for name in $(BENCHES); do \
	  echo "== bench/$$name"; \
	  build/bench/$$name | tee -a build/bench/weir.out; \
	done; \
	for script in $(PYBENCHES); do \
	  echo "== $$script"; \
	  $(PYTHON) $$script; \
	done

install: all
	cmake --install build --prefix "$(PREFIX)"

clean:
	rm -rf build build-asan build-tsan build-fuzz
