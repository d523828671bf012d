#!/usr/bin/env python3
"""The GPU scenarios of bench/bench_gpu.c, run through GPU peers so weir's numbers can be
compared: PyTorch and CuPy, each when importable and when it sees a CUDA GPU.

  1. chain  -- x = x + 1 on a 1-element float32 array on the GPU, 10,000 ops, then one
               synchronize: us per op (wall clock; median of 5 after a warm-up).
  2. rtrip  -- one tiny add, then synchronize: us (median of 1000 after a warm-up). weir's
               counterpart is its round trip including building the add.
  3. add    -- c = a + b on 256M float32 (3 x 4 x n bytes) and a device-to-device copy of a
               (2 x 4 x n bytes): GB/s, timed with CUDA events (median of 5 after a warm-up).
  4. sum    -- over all axes of 256M float32, and over the last axis of (n / 16384, 16384):
               GB/s (4 x n bytes), CUDA events.
  5. matmul -- 8192^3 float32 (TF32 off) and bfloat16 (PyTorch only; CuPy has no bfloat16):
               TFLOP/s (2 n^3 / time), CUDA events.

Usage:
  python3 bench/peers_gpu.py                          # peers only
  python3 bench/peers_gpu.py --weir-output FILE       # FILE: bench_gpu's stdout; adds ratios
  python3 bench/peers_gpu.py --quick                  # smaller sizes, fewer runs
With --weir-output, sizes come from FILE's "BENCH gpu_*" lines (other lines, e.g. bench_core's,
are ignored), so both sides measure the same work. The ratios are weir's time over each peer's
(< 1: weir is faster); for GB/s and TFLOP/s the time ratio is peer rate / weir rate. weir's own
times are host wall clock around build + eval, so they include its launch overhead; the peers'
add/sum/matmul times are CUDA events and do not. Besides the tables, one line per metric:
"PEER peer gpu_name value unit" and "RATIO weir_time_over_peer gpu_name value".
"""
import argparse
import os
import sys

from peers_common import now, parse_bench, print_table
from peers_common import median_of as median_after

SUM_COLS = 16384


def parse_weir(path):
    """BENCH gpu_* lines of bench_gpu's output -> {name without gpu_: value}."""
    return parse_bench(path, "gpu_")


class Config:
    def __init__(self, quick, weir):
        self.chain_len = 10000
        self.chain_runs = 3 if quick else 5
        self.rtrip_runs = 200 if quick else 1000
        self.big_elems = (32 << 20) if quick else (256 << 20)
        self.big_runs = 3 if quick else 5
        self.mm_n = 2048 if quick else 8192
        self.mm_runs = 3 if quick else 5
        if "chain_len" in weir:
            self.chain_len = int(weir["chain_len"])
        if "add_elems" in weir:
            self.big_elems = int(weir["add_elems"])
        if "matmul_n" in weir:
            self.mm_n = int(weir["matmul_n"])
        self.big_elems -= self.big_elems % SUM_COLS


def median_of(fn, runs, warmup=1):
    """The GPU timings warm up once by default (module load, handles, first allocations)."""
    return median_after(fn, runs, warmup)


# ---- the scenarios, written once over a small adapter per peer ---------------------------------

class TorchPeer:
    name = "torch"

    def __init__(self):
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA GPU")
        self.t = torch
        self.dev = torch.device("cuda", 0)
        torch.backends.cuda.matmul.allow_tf32 = False  # float32 matmul: no TF32, like weir's
        torch.backends.cudnn.allow_tf32 = False
        self.dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16}

    def sync(self):
        self.t.cuda.synchronize()

    def full(self, shape, v):
        return self.t.full(shape, v, dtype=self.t.float32, device=self.dev)

    def uniform(self, shape, dtype):
        return self.t.rand(shape, dtype=self.dtypes[dtype], device=self.dev)

    def copy(self, a):
        return a.clone()

    def sum_all(self, a):
        return a.sum()

    def sum_last(self, a):
        return a.sum(dim=-1)

    def matmul(self, a, b):
        return self.t.matmul(a, b)

    def events(self):
        return self.t.cuda.Event(enable_timing=True), self.t.cuda.Event(enable_timing=True)

    def elapsed_s(self, e0, e1):
        e1.synchronize()
        return e0.elapsed_time(e1) * 1e-3

    def item(self, a):
        return float(a.reshape(-1)[0].item())

    def free(self):
        self.sync()
        self.t.cuda.empty_cache()


class CupyPeer:
    name = "cupy"

    def __init__(self):
        os.environ.setdefault("CUPY_TF32", "0")  # float32 matmul: no TF32, like weir's
        import cupy as cp

        if cp.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("cupy sees no CUDA GPU")
        cp.cuda.Device(0).use()
        self.cp = cp
        self.dtypes = {"float32": cp.float32}  # no bfloat16 in CuPy

    def sync(self):
        self.cp.cuda.get_current_stream().synchronize()

    def full(self, shape, v):
        return self.cp.full(shape, v, dtype=self.cp.float32)

    def uniform(self, shape, dtype):
        return self.cp.random.random(shape, dtype=self.dtypes[dtype])

    def copy(self, a):
        return a.copy()

    def sum_all(self, a):
        return a.sum()

    def sum_last(self, a):
        return a.sum(axis=-1)

    def matmul(self, a, b):
        return self.cp.matmul(a, b)

    def events(self):
        return self.cp.cuda.Event(), self.cp.cuda.Event()

    def elapsed_s(self, e0, e1):
        e1.synchronize()
        return self.cp.cuda.get_elapsed_time(e0, e1) * 1e-3

    def item(self, a):
        return float(a.reshape(-1)[0].item())

    def free(self):
        self.sync()
        self.cp.get_default_memory_pool().free_all_blocks()


def timed_events(p, fn, runs):
    """Median seconds of fn() between two CUDA events (after one warm-up)."""

    def once():
        e0, e1 = p.events()
        e0.record()
        out = fn()
        e1.record()
        t = p.elapsed_s(e0, e1)
        del out
        return t

    return median_of(once, runs)


def run_peer(p, cfg):
    res = {}

    # 1. chain of tiny adds
    def chain():
        x = p.full((1,), 0.0)
        p.sync()
        t0 = now()
        for _ in range(cfg.chain_len):
            x = x + 1
        p.sync()
        t = now() - t0
        got = p.item(x)
        if got != cfg.chain_len:
            raise RuntimeError(f"chain gave {got}, want {cfg.chain_len}")
        return t * 1e6 / cfg.chain_len

    res["chain_total_us_per_op"] = (median_of(chain, cfg.chain_runs), "us")

    # 2. round trip: one tiny add, then synchronize
    a1 = p.full((1,), 1.0)
    p.sync()

    def rtrip():
        t0 = now()
        b = a1 + 1
        p.sync()
        t = now() - t0
        del b
        return t * 1e6

    res["roundtrip_with_build_us"] = (median_of(rtrip, cfg.rtrip_runs, warmup=cfg.rtrip_runs // 10), "us")
    del a1

    # 3. add and copy, 4. sums
    n = cfg.big_elems
    nbytes = 4 * n
    a = p.uniform((n,), "float32")
    b = p.uniform((n,), "float32")
    p.sync()
    t_add = timed_events(p, lambda: a + b, cfg.big_runs)
    t_copy = timed_events(p, lambda: p.copy(a), cfg.big_runs)
    res["add_gbps"] = (3 * nbytes / t_add / 1e9, "GB/s")
    res["d2d_copy_gbps"] = (2 * nbytes / t_copy / 1e9, "GB/s")
    res["add_over_copy"] = (res["add_gbps"][0] / res["d2d_copy_gbps"][0], "ratio")
    del b
    s = p.item(p.sum_all(a))
    if abs(s - 0.5 * n) > 0.01 * n:
        raise RuntimeError(f"sum of {n} uniform [0, 1) gave {s}")
    res["sum_all_gbps"] = (nbytes / timed_events(p, lambda: p.sum_all(a), cfg.big_runs) / 1e9, "GB/s")
    m = a.reshape((n // SUM_COLS, SUM_COLS))
    res["sum_rows_gbps"] = (nbytes / timed_events(p, lambda: p.sum_last(m), cfg.big_runs) / 1e9, "GB/s")
    del a, m
    p.free()

    # 5. matmul
    k = cfg.mm_n
    flop = 2.0 * k * k * k
    for dtype, tag in (("float32", "f32"), ("bfloat16", "bf16")):
        if dtype not in p.dtypes:
            continue
        x = p.uniform((k, k), dtype)
        y = p.uniform((k, k), dtype)
        p.sync()
        t = timed_events(p, lambda: p.matmul(x, y), cfg.mm_runs)
        res[f"matmul_{tag}_tflops"] = (flop / t / 1e12, "TFLOP/s")
        del x, y
        p.free()
    return res


# ---- report -------------------------------------------------------------------------------------

ROWS = [
    # key, label, kind: "time" (lower is better), "rate" (higher is better) or None (no ratio)
    ("chain_total_us_per_op", "chain of tiny adds: us per op", "time"),
    ("roundtrip_with_build_us", "tiny add + synchronize (us)", "time"),
    ("add_gbps", "add GB/s (3 x 4 x n bytes)", "rate"),
    ("d2d_copy_gbps", "D2D copy GB/s (2 x 4 x n bytes)", None),
    ("add_over_copy", "  add / copy", None),
    ("sum_all_gbps", "sum, all axes, GB/s", "rate"),
    ("sum_rows_gbps", "sum, last axis, GB/s", "rate"),
    ("matmul_f32_tflops", "matmul float32 TFLOP/s", "rate"),
    ("matmul_bf16_tflops", "matmul bfloat16 TFLOP/s", "rate"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weir-output", metavar="FILE", help="bench_gpu's stdout, for ratios")
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    ap.add_argument("--only", metavar="PEER", action="append", choices=["torch", "cupy"],
                    help="run only this peer (repeatable)")
    args = ap.parse_args()

    weir = parse_weir(args.weir_output) if args.weir_output else {}
    if args.weir_output and not weir:
        print(f"peers_gpu: no BENCH gpu_* lines in {args.weir_output} (bench_gpu skipped or failed)")
    cfg = Config(args.quick, weir)
    print(f"peers_gpu: chain {cfg.chain_len} ops; add/sum {cfg.big_elems} float32; matmul {cfg.mm_n}^3")

    results = {}
    if weir:
        results["weir"] = {k: (v, "") for k, v in weir.items()}
    for cls in (TorchPeer, CupyPeer):
        if args.only and cls.name not in args.only:
            continue
        try:
            peer = cls()
        except ImportError as e:
            print(f"peers_gpu: skipping {cls.name}: not importable ({e})")
            continue
        except Exception as e:  # no driver, no GPU
            print(f"peers_gpu: skipping {cls.name}: {type(e).__name__}: {e}")
            continue
        print(f"peers_gpu: running {cls.name} ...", file=sys.stderr, flush=True)
        try:
            results[cls.name] = run_peer(peer, cfg)
        except Exception as e:  # a peer failing must not hide the others
            print(f"peers_gpu: {cls.name} failed: {type(e).__name__}: {e}")
        finally:
            try:
                peer.free()
            except Exception:
                pass

    names = list(results)
    if not any(n != "weir" for n in names):
        print("peers_gpu: no GPU peer ran; nothing to compare")
        return 0
    print_table(results, ROWS, 34)
    print("weir: wall clock around build + eval; peers: wall clock (chain, round trip), CUDA events (rest).")

    if weir:
        print()
        print("weir's time / each peer's time (< 1: weir is faster):")
        ratio_lines = []
        for key, label, kind in ROWS:
            if kind is None or not weir.get(key):
                continue
            parts = []
            for n in names[1:]:
                pv = results[n].get(key, (None, ""))[0]
                if not pv:
                    continue
                r = weir[key] / pv if kind == "time" else pv / weir[key]
                parts.append(f"{n} {r:.2f}")
                ratio_lines.append(f"RATIO weir_time_over_{n} gpu_{key} {r:.4f}")
            if parts:
                print(f"  {label.strip():<34} " + ", ".join(parts))
        print()
        print("\n".join(ratio_lines))

    for n in names:
        if n == "weir":
            continue
        for key, (v, unit) in results[n].items():
            print(f"PEER {n} gpu_{key} {v:.4f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
