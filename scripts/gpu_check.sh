#!/usr/bin/env bash
# One call on a GPU machine: build with CUDA, run every test, the examples and the GPU benchmark,
# writing logs to $OUT (or ./gpu-check-out). Usage: scripts/gpu_check.sh [quick|full|sanitize]
set -uo pipefail
mode=${1:-full}
out=${OUT:-$PWD/gpu-check-out}
mkdir -p "$out"
cd "$(dirname "$0")/.."
nvidia-smi -L > "$out/gpus.txt" 2>&1
cat "$out/gpus.txt"
jobs=$(nproc)
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
start=$(date +%s)
cmake --build build-gpu -j "$jobs" > "$out/build.log" 2>&1 || { grep -E "error|Error" "$out/build.log" | head -40; exit 1; }
echo "build: $(( $(date +%s) - start )) s"
rc=0
(cd build-gpu && ctest -j 4 --timeout 300 --output-on-failure > "$out/ctest.log" 2>&1) || rc=1
grep -E "Test +#|tests passed|FAIL" "$out/ctest.log" | tail -40
examples/check_outputs.sh build-gpu > "$out/examples.log" 2>&1 || rc=1
tail -3 "$out/examples.log"
# The Python module (built into python/weir by the build above): its tests and the seed examples.
PYTHONPATH=python python3 -m pytest -q -p no:cacheprovider python/tests > "$out/pytest.log" 2>&1 || rc=1
grep -E "passed|failed|FAILED|Error" "$out/pytest.log" | tail -15
python3 examples/python/run_examples.py > "$out/examples_py.log" 2>&1 || rc=1
tail -4 "$out/examples_py.log"
# Figures ctest does not show: pinned transfer speed.
WEIR_TEST_ONLY=pinned build-gpu/tests/test_gpu_streams > "$out/pinned.txt" 2>&1 || rc=1
grep -E "GB/s|passed" "$out/pinned.txt"
if [ "$mode" = full ]; then
  build-gpu/bench/bench_gpu > "$out/bench_gpu.txt" 2>&1 || rc=1
  grep -E "^\|" "$out/bench_gpu.txt"
  python3 bench/peers/run.py --out "$out/peers" --no-install > "$out/peers.txt" 2>&1 || true
  sed -n '/^weir.s figure/,$p' "$out/peers.txt"
fi
if [ "$mode" = sanitize ]; then
  # ${SANITIZE_TESTS}: which binaries (default all three); ${SANITIZE_ONLY}: WEIR_TEST_ONLY for them.
  for t in ${SANITIZE_TESTS:-test_gpu_ops test_gpu_ops_linalg test_gpu_streams test_fusion}; do
    for tool in ${SANITIZE_TOOLS:-memcheck racecheck}; do
      WEIR_TEST_ONLY=${SANITIZE_ONLY:-} WEIR_TEST_SCALE=0.05 timeout "${SANITIZE_TIMEOUT:-300}" \
        compute-sanitizer --tool "$tool" --error-exitcode 9 "build-gpu/tests/$t" > "$out/cs_${tool}_$t.log" 2>&1
      echo "compute-sanitizer $tool $t: rc=$? $(grep -E 'ERROR SUMMARY|passed' "$out/cs_${tool}_$t.log" | tr '\n' ' ')"
    done
  done
fi
exit $rc
