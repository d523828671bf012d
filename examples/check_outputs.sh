#!/usr/bin/env bash
# Runs every seed example built in BUILD_DIR and diffs its stdout with examples/expected/<name>.txt.
#
#   examples/check_outputs.sh BUILD_DIR [NAME...]
#
# Binaries are looked up as BUILD_DIR/examples/<name>, then BUILD_DIR/<name>, BUILD_DIR/bin/<name>.
# expected/<name>.txt is the stdout on a CPU-only machine. When weir sees a GPU (the count printed
# by 02_05_device_count), expected/<name>.gpu.txt is used instead where it exists, with {NGPU}
# replaced by the GPU count. An expected file whose first line is "#any" means the output depends
# on the machine: the example must exit 0, its stdout is not compared.
# Each example must exit with status 0 within EXAMPLE_TIMEOUT seconds (default 300).
# Exit status: 0 when every example passes, 1 otherwise, 2 on bad usage.
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR [NAME...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
expected_dir="$here/expected"
timeout_s=${EXAMPLE_TIMEOUT:-300}
shift

find_bin() {
  local name=$1 p
  for p in "$build/examples/$name" "$build/$name" "$build/bin/$name"; do
    if [ -x "$p" ] && [ -f "$p" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for src in "$here"/[0-9]*.c; do
    names+=("$(basename "$src" .c)")
  done
fi

# How many GPUs weir sees decides which expected files apply.
ngpu=0
if count_bin=$(find_bin 02_05_device_count); then
  ngpu=$("$count_bin" 2>/dev/null | sed -n 's/^Number of GPUs: \([0-9][0-9]*\)$/\1/p')
  ngpu=${ngpu:-0}
fi
echo "weir sees $ngpu GPU(s)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
failed=()

for name in "${names[@]}"; do
  exp="$expected_dir/$name.txt"
  if [ "$ngpu" -gt 0 ] && [ -f "$expected_dir/$name.gpu.txt" ]; then
    exp="$expected_dir/$name.gpu.txt"
  fi
  if [ ! -f "$exp" ]; then
    echo "FAIL $name: no expected file $exp"
    fail=$((fail + 1)); failed+=("$name"); continue
  fi
  if ! bin=$(find_bin "$name"); then
    echo "FAIL $name: binary not found under $build"
    fail=$((fail + 1)); failed+=("$name"); continue
  fi
  timeout "$timeout_s" "$bin" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: exit status $rc"
    sed 's/^/    stderr: /' "$tmp/err" | tail -n 20
    fail=$((fail + 1)); failed+=("$name"); continue
  fi
  if [ "$(head -n 1 "$exp")" = "#any" ]; then
    echo "ok   $name (output not compared: machine-dependent)"
    sed 's/^/    /' "$tmp/out" | head -n 5
    pass=$((pass + 1)); continue
  fi
  sed "s/{NGPU}/$ngpu/g" "$exp" >"$tmp/exp"
  if diff -u "$tmp/exp" "$tmp/out" >"$tmp/diff"; then
    echo "ok   $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name: stdout differs from $(basename "$exp")"
    sed 's/^/    /' "$tmp/diff"
    fail=$((fail + 1)); failed+=("$name")
  fi
done

echo "examples: $pass passed, $fail failed"
if [ $fail -ne 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
exit 0
