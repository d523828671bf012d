#!/usr/bin/env bash
# Installs MLX's CUDA build from wheel files on a GPU machine with no package index, so that
# bench/peers/run.py can compare weir with MLX on the GPU. Fails softly: on any problem it says
# why and exits 0, and the driver then runs MLX on the CPU only or not at all.
#
#   bash bench/peers/gpu_setup.sh [WHEEL_DIR]      (default: .whl in the repository root)
#
# WHEEL_DIR holds mlx-0.32.4-cp312-...whl and mlx_cuda_13-0.32.4-...whl, the latter possibly in
# parts (*.whl.part00, *.whl.part01, ... in WHEEL_DIR or any folder below it, e.g. carried in two
# calls because one call carries 64 MiB at most), which are joined and checked against SHA256SUMS.
# mlx-cuda-13's own dependencies (nvidia-cublas, -cudnn-cu13, -cufft, -cusolver, -nccl-cu13,
# -cuda-nvrtc, -cuda-runtime) are the ones PyTorch's CUDA 13 build brings; pip takes them from the
# environment. Installs into the environment of ${PYTHON:-python3} (a venv there), else --user.
# Fetch the files on a machine with PyPI:
#   pip download --no-deps --python-version 3.12 --platform manylinux_2_35_x86_64 \
#       --only-binary=:all: -d .whl mlx==0.32.4 mlx-cuda-13==0.32.4
set -uo pipefail
py=${PYTHON:-python3}
dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)/.whl}
say() { echo "gpu_setup: $*"; }

if "$py" -c 'import mlx.core as mx, sys; sys.exit(0 if mx.is_available(mx.gpu) else 1)' 2>/dev/null; then
  say "MLX with CUDA is already installed ($("$py" -c 'import mlx.core as mx; print(mx.__version__)'))"
  exit 0
fi
[ -d "$dir" ] || { say "no folder $dir: MLX on the GPU will be skipped"; exit 0; }
dir=$(cd "$dir" && pwd) # absolute: the checksums are checked from another folder
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Whole wheels, then the ones in parts, joined in name order.
find "$dir" -type f -name '*.whl' -exec cp {} "$work/" \;
for first in $(find "$dir" -name '*.whl.part00'); do
  name=$(basename "${first%.part00}")
  find "$dir" -name "$name.part*" -printf '%f %p\n' | sort | cut -d' ' -f2- | xargs cat > "$work/$name"
done
sums=$(find "$dir" -name SHA256SUMS | head -1)
if [ -n "$sums" ]; then
  (cd "$work" && sha256sum --quiet -c "$sums") || { say "checksums differ (a part missing?): MLX on the GPU will be skipped"; exit 0; }
fi
ls "$work"/mlx_cuda*.whl >/dev/null 2>&1 || { say "no mlx_cuda wheel in $dir: MLX on the GPU will be skipped"; exit 0; }

in_venv=$("$py" -c 'import sys; print(int(sys.prefix != sys.base_prefix))')
user=(); [ "$in_venv" = 1 ] || user=(--user)
pipi=("$py" -m pip install --no-index --find-links "$work" "${user[@]}" --disable-pip-version-check -q)
if ! "${pipi[@]}" "$work"/mlx-*.whl "$work"/mlx_cuda*.whl; then
  say "pip could not resolve mlx-cuda's dependencies; trying --no-deps (PyTorch's nvidia-* libraries)"
  "${pipi[@]}" --no-deps "$work"/mlx-*.whl "$work"/mlx_cuda*.whl || { say "pip install failed: MLX on the GPU will be skipped"; exit 0; }
fi
if "$py" -c 'import mlx.core as mx; x = mx.ones((4,), stream=mx.gpu) + 1; mx.eval(x); assert x.sum().item() == 8; print("gpu_setup: MLX", mx.__version__, "runs on", mx.default_device())'; then
  exit 0
fi
say "MLX is installed but does not run on the GPU (above): the driver will skip MLX's GPU parts"
exit 0
