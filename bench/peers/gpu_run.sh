#!/usr/bin/env bash
# The peer comparison on a GPU machine, in one go: build weir with CUDA from source (build-gpu/,
# the Python module into python/weir), install MLX's CUDA wheels from .whl (gpu_setup.sh; MLX's
# GPU parts are skipped if that fails), then run bench/peers/run.py. Logs, JSON, table and plot
# go to $OUT (or ./peers-out).
#
#   bash bench/peers/gpu_run.sh [build|all]      (build: only the first step; default: all)
#
# MLX's CUDA wheel is larger than one transfer to the GPU machine, so it comes in two parts
# (.whl/mlx-gpu-1, .whl/mlx-gpu-2); carry the first with a call that runs "gpu_run.sh build" and
# the second with the call that runs "gpu_run.sh" (the build is then already done).
set -uo pipefail
mode=${1:-all}
out=${OUT:-$PWD/peers-out}
mkdir -p "$out"
cd "$(dirname "$0")/../.."
py=$(command -v python3)
nvidia-smi -L > "$out/gpus.txt" 2>&1; cat "$out/gpus.txt"
start=$(date +%s)
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="$py" \
  -DWEIR_BUILD_TESTS=OFF -DWEIR_BUILD_EXAMPLES=OFF -DWEIR_BUILD_BENCH=OFF > "$out/configure.log" 2>&1 \
  || { tail -30 "$out/configure.log"; exit 1; }
cmake --build build-gpu -j "$(nproc)" > "$out/build.log" 2>&1 || { grep -E "error|Error" "$out/build.log" | head -40; exit 1; }
echo "build: $(( $(date +%s) - start )) s"
[ "$mode" = build ] && exit 0
bash bench/peers/gpu_setup.sh .whl 2>&1 | tee "$out/gpu_setup.log"
start=$(date +%s)
"$py" bench/peers/run.py --out "$out" --no-install 2> "$out/run.stderr.log" | tee "$out/run.log"
rc=${PIPESTATUS[0]}
echo "peers: $(( $(date +%s) - start )) s, exit $rc"
exit "$rc"
