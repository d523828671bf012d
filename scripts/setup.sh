#!/usr/bin/env bash
# Installs what building and testing weir needs on a Debian/Ubuntu machine, and nothing else.
#
# Idempotent: each need is checked on the machine itself (command -v, files, pkg-config), and
# apt-get runs (with one `apt-get update` first) only when something is missing. Prints nothing
# when everything is there. Without apt-get it does not fail as long as what is required is
# present (optional tools only make the build nicer: ninja, pkg-config).
set -euo pipefail

missing=()  # apt packages to install
required=() # those of them the build cannot do without

# need PACKAGE required|optional CHECK...: queues PACKAGE unless the command CHECK... succeeds.
need() {
  local pkg=$1 kind=$2
  shift 2
  if ! "$@" >/dev/null 2>&1; then
    missing+=("$pkg")
    if [ "$kind" = required ]; then required+=("$pkg"); fi
  fi
  return 0
}

have() { command -v "$1"; }
# True when some path matches one of the glob patterns.
exists() {
  local pattern p
  for pattern in "$@"; do
    for p in $pattern; do
      [ -e "$p" ] && return 0
    done
  done
  return 1
}

# OpenBLAS with its CBLAS header, wherever the distribution put it (Debian: under
# /usr/include/<arch>/openblas-pthread and /usr/lib/<arch>/openblas-pthread).
openblas() {
  if have pkg-config && pkg-config --exists openblas; then return 0; fi
  exists /usr/include/cblas.h /usr/include/*/cblas.h /usr/include/*/*/cblas.h \
    /usr/local/include/cblas.h /usr/local/include/*/cblas.h || return 1
  exists /usr/lib/libopenblas*.so /usr/lib/*/libopenblas*.so /usr/lib/*/*/libopenblas*.so \
    /usr/lib64/libopenblas*.so /usr/local/lib/libopenblas*.so /usr/local/lib/*/libopenblas*.so
}

need cmake required have cmake
need gcc required have gcc
need libc6-dev required exists /usr/include/stdio.h
need make required have make
need ninja-build optional have ninja
need pkg-config optional have pkg-config
need libopenblas-dev required openblas
# The Python module (weir.core) and its tests, for the python3 on PATH.
python_header() {
  python3 -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))'
}
# The fuzz targets (make test, make fuzz): clang with libFuzzer and the sanitizer runtimes.
libfuzzer() {
  local dir
  dir=$(mktemp -d) || return 1
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$dir/f.c"
  clang -fsanitize=fuzzer,address,undefined "$dir/f.c" -o "$dir/f"
  local rc=$?
  rm -rf "$dir"
  return $rc
}
need clang optional have clang
need libclang-rt-dev optional libfuzzer
need python3 required have python3
need python3-dev required python_header
need python3-numpy optional python3 -c 'import numpy'
need python3-pytest optional python3 -c 'import pytest'

# numpy and pytest for a python3 that apt does not manage (pyenv, a venv): pip, after apt.
pip_fallback() {
  local pkgs=() p
  for p in numpy pytest; do
    python3 -c "import $p" >/dev/null 2>&1 || pkgs+=("$p")
  done
  [ ${#pkgs[@]} -eq 0 ] && return 0
  echo "setup.sh: pip installing ${pkgs[*]} for $(command -v python3)"
  python3 -m pip install -q "${pkgs[@]}" >/dev/null 2>&1 ||
    python3 -m pip install -q --break-system-packages "${pkgs[@]}" >/dev/null 2>&1 ||
    echo "setup.sh: could not install ${pkgs[*]}; the Python tests need them" >&2
  return 0
}
trap pip_fallback EXIT

[ ${#missing[@]} -eq 0 ] && exit 0

# What to do when nothing can be installed: fail only for what the build needs.
cannot_install() {
  if [ ${#required[@]} -gt 0 ]; then
    echo "setup.sh: missing ${required[*]}, and $1; install them, then run this again" >&2
    exit 1
  fi
  exit 0
}

have apt-get >/dev/null || cannot_install "apt-get is not available"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  have sudo >/dev/null || cannot_install "this is not root and there is no sudo"
  sudo=(sudo)
fi

echo "setup.sh: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"; pip_fallback' EXIT
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600)
if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  if [ ${#required[@]} -eq 0 ]; then
    echo "setup.sh: could not install ${missing[*]} (optional; going on without)" >&2
    exit 0
  fi
  cat "$log" >&2
  echo "setup.sh: apt-get failed to install ${missing[*]}" >&2
  exit 1
fi
