#!/usr/bin/env bash
# The compiler's vector report for the CPU kernels (issue 5: "contiguous fast paths vectorize;
# check the compiler's vector report"). Compiles each src/backend/cpu/kernels_*.c as the build
# does (-O3, gcc) with -fopt-info-vec, then prints per file how many loops were vectorized and
# with which vector widths (the AVX2 / AVX-512 clones of target_clones give 32- and 64-byte
# vectors), and how many loops it reports as not vectorized (the strided general paths, and
# loops too short or with calls; gcc places a loop expanded from a macro at the macro's use, so
# the two counts are per file, not per kernel).
#
#   bash scripts/vector_report.sh [CC]        (default: cc)
set -euo pipefail
cc=${1:-cc}
cd "$(dirname "$0")/.."
# -fno-math-errno and WEIR_HAVE_LIBMVEC as CMake sets them where glibc has libmvec (vector_math.h)
flags=(-O3 -std=c11 -D_GNU_SOURCE -fno-math-errno -Iinclude -Isrc -c -o /dev/null)
if printf 'int main(void){return 0;}' | "$cc" -x c - -o /dev/null -lmvec 2>/dev/null; then
  flags+=(-DWEIR_HAVE_LIBMVEC=1)
fi
printf '%-22s %10s %8s  %s\n' file vectorized missed "by vector size (bytes: loops)"
for f in src/backend/cpu/kernels_*.c; do
  rep=$("$cc" "${flags[@]}" -fopt-info-vec-optimized "$f" 2>&1 | grep "loop vectorized" || true)
  n=$(printf '%s\n' "$rep" | grep -c "loop vectorized" || true)
  sizes=$(printf '%s\n' "$rep" | grep -o "using [0-9]* byte vectors" | awk '{print $2}' | sort -n | uniq -c |
    awk '{printf "%s: %s  ", $2, $1}' || true)
  miss=$("$cc" "${flags[@]}" -fopt-info-vec-missed "$f" 2>&1 | grep -c "couldn't vectorize loop" || true)
  printf '%-22s %10s %8s  %s\n' "$(basename "$f")" "$n" "$miss" "$sizes"
done
exit 0
