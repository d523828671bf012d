#!/usr/bin/env python3
"""Op families on the CPU: weir (weir.core) against numpy on the same data, in the same run.

For each family: GB/s (bytes read + written) or GFLOP/s, weir on one thread and on all threads
(WEIR_CPU_THREADS; the one-thread figures come from a child process of this script), numpy (one
thread for elementwise ops and reductions; its BLAS for matmul), and memcpy of the same bytes
(numpy.copyto on one thread; on every core, numpy.copyto over one slice per thread: the bandwidth
ceiling that the all/memcpy column divides by). Prints a table with the ratios weir / numpy and
weir(all) / memcpy, and "OPS name value unit" lines. weir, numpy and the memcpy run in turn, rep by
rep, and each ratio is the median of the per-rep ratios: the shared hosts this runs on drift by tens of
percent within a minute, and timing one after the other turned that drift into the ratios.

  python3 bench/ops_cpu.py [--quick]
Targets (issue 5): add, multiply, exp, sum >= 90% of memcpy with all threads; >= numpy on one
thread for every family; matmul >= 90% of OpenBLAS called directly (the matmul_blas row: cblas_sgemm
of the library weir itself calls, through ctypes).
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import weir.core as mx  # noqa: E402

mx.set_default_device(mx.cpu)  # a CPU benchmark, also on a machine with a GPU


def median(v):
    return sorted(v)[len(v) // 2]


def weirs_blas():
    """cblas_sgemm of the BLAS library weir.core links (the one weir's CPU matmul calls), found with
    ldd and called through ctypes; None when there is none to find (a static BLAS, no ldd)."""
    import ctypes
    try:
        deps = subprocess.run(["ldd", mx.__file__], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in deps.splitlines():
        parts = line.split("=>")
        if len(parts) != 2 or "blas" not in parts[0].lower() or "64_" in parts[0]:  # 64_: ILP64, other ints
            continue
        path = parts[1].split("(")[0].strip()
        try:
            fn = ctypes.CDLL(path).cblas_sgemm
        except (OSError, AttributeError):
            continue
        fn.restype = None
        fp, i = ctypes.c_void_p, ctypes.c_int
        fn.argtypes = [i, i, i, i, i, i, ctypes.c_float, fp, i, fp, i, ctypes.c_float, fp, i]

        def sgemm(a, b, c):  # row-major, no transposes: c = a @ b
            m, k = a.shape
            n = b.shape[1]
            fn(101, 111, 111, m, n, k, 1.0, a.ctypes.data, k, b.ctypes.data, n, 0.0, c.ctypes.data, n)
        return os.path.basename(path), sgemm
    return None


def families(n, mm):
    """name -> (weir thunk, numpy thunk, bytes or flops, unit)."""
    g = np.random.default_rng(0)
    a_np = g.standard_normal(n, dtype=np.float32)
    b_np = g.standard_normal(n, dtype=np.float32)
    m_np = g.standard_normal((n // 4096, 4096), dtype=np.float32)
    p_np = np.abs(a_np) + np.float32(0.5)  # log's input
    a, b, m, p = mx.array(a_np), mx.array(b_np), mx.array(m_np), mx.array(p_np)
    x_np = g.standard_normal((mm, mm), dtype=np.float32)
    y_np = g.standard_normal((mm, mm), dtype=np.float32)
    x, y = mx.array(x_np), mx.array(y_np)
    mx.eval(a, b, m, p, x, y)
    out = np.empty_like(a_np)
    e = 4 * n
    # memcpy on every core: numpy.copyto over one slice per Python thread (copyto releases the GIL).
    # Not PyTorch's copy_: it measured 14.7 GB/s, one core's worth, on the 16-core H100 host, and its
    # OpenMP threads spin after each call, which took the cores from the weir run after it once the
    # runs were interleaved (weir's add on all cores fell to 24 GB/s).
    nthreads = os.cpu_count() or 1
    pool = concurrent.futures.ThreadPoolExecutor(nthreads)
    bounds = [(n * i // nthreads, n * (i + 1) // nthreads) for i in range(nthreads)]

    def copy_all():
        list(pool.map(lambda b: np.copyto(out[b[0]:b[1]], a_np[b[0]:b[1]]), bounds))

    fams = {
        "add": (lambda: mx.eval(a + b), lambda: np.add(a_np, b_np, out=out), 3 * e, "GB/s"),
        "multiply": (lambda: mx.eval(a * b), lambda: np.multiply(a_np, b_np, out=out), 3 * e, "GB/s"),
        "exp": (lambda: mx.eval(mx.exp(a)), lambda: np.exp(a_np, out=out), 2 * e, "GB/s"),
        # log and sin: loops over libm calls, vectorized through glibc's libmvec (vector_math.h)
        "log": (lambda: mx.eval(mx.log(p)), lambda: np.log(p_np, out=out), 2 * e, "GB/s"),
        "sin": (lambda: mx.eval(mx.sin(a)), lambda: np.sin(a_np, out=out), 2 * e, "GB/s"),
        "sum_all": (lambda: mx.eval(mx.sum(a)), lambda: np.sum(a_np), e, "GB/s"),
        "sum_rows": (lambda: mx.eval(mx.sum(m, axis=1)), lambda: np.sum(m_np, axis=1), e, "GB/s"),
        "astype_f16": (lambda: mx.eval(a.astype(mx.float16)), lambda: a_np.astype(np.float16), e + e // 2, "GB/s"),
        "transpose_copy": (lambda: mx.eval(mx.copy(mx.transpose(m))), lambda: np.ascontiguousarray(m_np.T), 2 * e,
                           "GB/s"),
        "matmul": (lambda: mx.eval(x @ y), lambda: x_np @ y_np, 2 * mm**3, "GFLOP/s"),
        "memcpy": (None, lambda: np.copyto(out, a_np), 2 * e, "GB/s"),
        "memcpy_all": (None, copy_all, 2 * e, "GB/s"),
    }
    blas = weirs_blas()
    if blas is not None:  # the target's reference: the same BLAS called directly, no runtime around it
        z_np = np.empty((mm, mm), dtype=np.float32)
        fams["matmul_blas"] = (fams["matmul"][0], lambda: blas[1](x_np, y_np, z_np), 2 * mm**3, "GFLOP/s")
        BLAS_NAME[0] = blas[0]
    return fams


BLAS_NAME = [None]  # the library matmul_blas calls (weirs_blas)


def measure(n, mm, reps, one_thread):
    """Per family: weir, numpy and the all-core memcpy run in turn, rep after rep, so that a drift of
    this (shared, noisy) host's speed hits all three alike; the ratios are medians of per-rep ratios."""
    res = {}
    fams = families(n, mm)
    copy_fn, copy_work = fams["memcpy_all"][1], fams["memcpy_all"][2]
    for name, (wf, nf, work, unit) in fams.items():
        fns = [nf] if wf is None else [wf, nf, copy_fn]  # the memcpy rows time themselves alone
        if name == "matmul_blas":  # weir and the same BLAS in turn: one library's threads, no clash
            fns = [wf, nf]
        for f in fns:
            f()  # warm-up: kernels, caches, the pool's threads
        ts = {f: [] for f in fns}
        # matmul against numpy with all threads in blocks, not in turn: each BLAS's threads spin for
        # a while after a call and would take the cores from the other one's next call. On one thread
        # there are no such threads, and in turn keeps the host's drift out of the ratio.
        blocks = name == "matmul" and not one_thread
        # One core of the shared H100 hosts moved 92-159 GFLOP/s from one sgemm to the next, alike
        # for weir, the same sgemm called directly (on this or another thread) and numpy's: three
        # times the reps keep the one-thread matmul ratios' medians within a few percent.
        n_reps = 3 * reps if one_thread and name.startswith("matmul") else reps
        for f, _ in ([(f, r) for f in fns for r in range(n_reps)] if blocks
                     else [(f, r) for r in range(n_reps) for f in fns]):
            t0 = time.perf_counter()
            f()
            ts[f].append(time.perf_counter() - t0)
        r = {"unit": unit, "numpy": work / median(ts[nf]) / 1e9}
        if wf is not None:
            r["weir"] = work / median(ts[wf]) / 1e9
            r["weir_over_numpy"] = median([tn / tw for tw, tn in zip(ts[wf], ts[nf])])
            if copy_fn in ts:
                r["weir_over_copy"] = median([(work / tw) / (copy_work / tc) for tw, tc in zip(ts[wf], ts[copy_fn])])
        res[name] = r
    return res


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        return f"{len(names)} x {names[0]}" if names else "CPU model unknown"
    except OSError:
        return "CPU model unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    n, mm, reps = (1 << 22, 512, 3) if args.quick else (1 << 24, 2048, 9)
    if args.child:  # one thread (numpy's BLAS too)
        print(json.dumps(measure(n, mm, reps, True)))
        return
    env = dict(os.environ, WEIR_CPU_THREADS="1", OPENBLAS_NUM_THREADS="1")
    child = subprocess.run([sys.executable, __file__, "--child"] + (["--quick"] if args.quick else []),
                           env=env, capture_output=True, text=True, check=True)
    one = json.loads(child.stdout.strip().splitlines()[-1])
    allt = measure(n, mm, reps, False)
    copy = allt["memcpy_all"]["numpy"]
    threads = os.environ.get("WEIR_CPU_THREADS") or str(os.cpu_count())
    print(f"CPU op families, float32, n = {n} ({4 * n >> 20} MiB per array), matmul {mm}; "
          f"weir threads: 1 and {threads}; numpy {np.__version__}; {cpu_model()}")
    hdr = f"{'family':16} {'unit':8} {'weir 1 thr':>11} {'weir all':>10} {'numpy':>10} {'1thr/numpy':>11} " \
          f"{'all/numpy':>10} {'all/memcpy':>11}"
    print(hdr)
    print("-" * len(hdr))
    for name, r in allt.items():
        if name.startswith("memcpy"):
            print(f"{name:16} {r['unit']:8} {'':>11} {'':>10} {r['numpy']:10.1f}")
            print(f"OPS {name} {r['numpy']:.3f} GB/s")
            continue
        if name not in one:  # the one-thread child did not run it (matmul_blas: BLAS not found there)
            continue
        w1, wa, npv = one[name]["weir"], r["weir"], r["numpy"]
        # 1thr/numpy pairs the child's runs (weir on one thread, numpy's one-thread BLAS for matmul);
        # all/numpy and all/memcpy pair this process's runs
        ratio_copy = f"{r['weir_over_copy'] * 100:10.0f}%" if r["unit"] == "GB/s" else f"{'':>11}"
        print(f"{name:16} {r['unit']:8} {w1:11.1f} {wa:10.1f} {npv:10.1f} {one[name]['weir_over_numpy']:11.2f} "
              f"{r['weir_over_numpy']:10.2f} {ratio_copy}")
        print(f"OPS {name}_weir_1thread {w1:.3f} {r['unit']}")
        print(f"OPS {name}_weir_all {wa:.3f} {r['unit']}")
        print(f"OPS {name}_numpy {npv:.3f} {r['unit']}")
    if "matmul_blas" in allt:
        print(f"matmul_blas: its numpy column is cblas_sgemm of {BLAS_NAME[0]}, the BLAS weir calls, called "
              f"directly (ctypes); target weir >= 90% of it")
    else:
        print("matmul_blas: skipped (ldd found no BLAS library with cblas_sgemm linked to weir.core)")


if __name__ == "__main__":
    main()
