#!/usr/bin/env python3
"""The scenarios of bench/bench_core.c, run through peers on the CPU, so weir's numbers can be
compared: numpy (eager), PyTorch (eager) and MLX (lazy, like weir), each when importable.

  1. chain   -- 10,000 tiny adds (x = x + 1 on a 1-element float32 array): us per op.
                MLX: built, then evaluated once (build and eval reported too).
  2. rtrip   -- one tiny add then wait: MLX eval + synchronize; for the eager peers, one add.
  3. add     -- c = a + b on 64M float32 (bytes read + written = 3 x 4 x n): GB/s, and a copy of
                the same 4 x n bytes (bytes read + written = 2 x 4 x n) for the ratio add/copy.
  4. streams -- two independent chains of 50 adds on 1M float32: one after the other, then
                concurrently (two threads for the eager peers, two CPU streams for MLX): speed-up.

Usage:
  python3 bench/peers_cpu.py                          # peers only
  python3 bench/peers_cpu.py --weir-output FILE       # FILE: bench_core's stdout; adds ratios
  python3 bench/peers_cpu.py --quick                  # smaller sizes, fewer runs
With --weir-output, the array sizes and op counts are taken from the BENCH lines of FILE, so both
sides measure the same work. Besides the tables, one line per metric: "PEER peer name value unit".
"""
import argparse
import statistics
import sys
import threading

from peers_common import median_of, now, parse_bench, print_table


def parse_weir(path):
    """BENCH lines of bench_core's output -> {name: value}."""
    return parse_bench(path)


class Config:
    def __init__(self, quick, weir):
        self.chain_len = 10000
        self.chain_runs = 3 if quick else 5
        self.rtrip_runs = 200 if quick else 1000
        self.big_elems = (8 << 20) if quick else (64 << 20)
        self.big_runs = 3 if quick else 5
        self.par_elems = (1 << 18) if quick else (1 << 20)
        self.par_ops = 20 if quick else 50
        self.par_runs = 3 if quick else 5
        if "add_elems" in weir:
            self.big_elems = int(weir["add_elems"])
        if "streams_elems" in weir:
            self.par_elems = int(weir["streams_elems"])
        if "streams_ops" in weir:
            self.par_ops = int(weir["streams_ops"])


# ---- peers: each returns {metric: (value, unit)} ------------------------------------------------

def bench_numpy(cfg):
    import numpy as np

    res = {}
    one = np.float32(1)

    def chain():
        x = np.zeros(1, dtype=np.float32)
        t0 = now()
        for _ in range(cfg.chain_len):
            x = x + one
        t = now() - t0
        assert x[0] == cfg.chain_len
        return t * 1e6 / cfg.chain_len

    res["chain_total_us_per_op"] = (median_of(chain, cfg.chain_runs), "us")

    a1 = np.ones(1, dtype=np.float32)

    def one_op():
        t0 = now()
        b = a1 + one
        t = now() - t0
        del b
        return t * 1e6

    res["roundtrip_us"] = (median_of(one_op, cfg.rtrip_runs), "us")

    n = cfg.big_elems
    a = np.full(n, 1, dtype=np.float32)
    b = np.full(n, 2, dtype=np.float32)
    c = np.empty(n, dtype=np.float32)
    np.add(a, b, out=c)
    assert c[-1] == 3

    def add_out():
        t0 = now()
        np.add(a, b, out=c)
        return now() - t0

    def add_alloc():
        t0 = now()
        d = a + b
        t = now() - t0
        del d
        return t

    def copy():
        t0 = now()
        np.copyto(c, a)
        return now() - t0

    nbytes = 4 * n
    t_add = median_of(add_out, cfg.big_runs)
    t_alloc = median_of(add_alloc, cfg.big_runs)
    t_copy = median_of(copy, cfg.big_runs)
    res["add_gbps"] = (3 * nbytes / t_add / 1e9, "GB/s")
    res["add_alloc_gbps"] = (3 * nbytes / t_alloc / 1e9, "GB/s")
    res["memcpy_gbps"] = (2 * nbytes / t_copy / 1e9, "GB/s")
    res["add_over_memcpy"] = (res["add_gbps"][0] / res["memcpy_gbps"][0], "ratio")
    del a, b, c

    def run_chain(start):
        x = np.full(cfg.par_elems, start, dtype=np.float32)
        y = np.empty_like(x)
        for _ in range(cfg.par_ops):  # two buffers, like weir's donation
            np.add(x, one, out=y)
            x, y = y, x
        return x

    res.update(two_chains(run_chain, cfg))
    return res


def bench_torch(cfg):
    import torch

    res = {}

    def chain():
        x = torch.zeros(1, dtype=torch.float32)
        t0 = now()
        for _ in range(cfg.chain_len):
            x = x + 1
        t = now() - t0
        assert float(x[0]) == cfg.chain_len
        return t * 1e6 / cfg.chain_len

    res["chain_total_us_per_op"] = (median_of(chain, cfg.chain_runs), "us")
    a1 = torch.ones(1, dtype=torch.float32)

    def one_op():
        t0 = now()
        b = a1 + 1
        t = now() - t0
        del b
        return t * 1e6

    res["roundtrip_us"] = (median_of(one_op, cfg.rtrip_runs), "us")

    n = cfg.big_elems
    a = torch.full((n,), 1.0, dtype=torch.float32)
    b = torch.full((n,), 2.0, dtype=torch.float32)
    c = torch.empty(n, dtype=torch.float32)
    torch.add(a, b, out=c)

    def add_out():
        t0 = now()
        torch.add(a, b, out=c)
        return now() - t0

    def copy():
        t0 = now()
        c.copy_(a)
        return now() - t0

    nbytes = 4 * n
    t_add = median_of(add_out, cfg.big_runs)
    t_copy = median_of(copy, cfg.big_runs)
    res["add_gbps"] = (3 * nbytes / t_add / 1e9, "GB/s")
    res["memcpy_gbps"] = (2 * nbytes / t_copy / 1e9, "GB/s")
    res["add_over_memcpy"] = (res["add_gbps"][0] / res["memcpy_gbps"][0], "ratio")
    del a, b, c

    def run_chain(start):
        x = torch.full((cfg.par_elems,), float(start), dtype=torch.float32)
        y = torch.empty_like(x)
        for _ in range(cfg.par_ops):
            torch.add(x, 1, out=y)
            x, y = y, x
        return x

    res.update(two_chains(run_chain, cfg))
    return res


def two_chains(run_chain, cfg):
    """Eager peers: the two chains one after the other, then in two threads."""

    def sequential():
        t0 = now()
        run_chain(1)
        run_chain(2)
        return now() - t0

    def threaded():
        ts = [threading.Thread(target=run_chain, args=(s,)) for s in (1, 2)]
        t0 = now()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return now() - t0

    sequential()
    threaded()
    one = []
    two = []
    for _ in range(cfg.par_runs):
        one.append(sequential())
        two.append(threaded())
    t1, t2 = statistics.median(one), statistics.median(two)
    return {
        "streams_one_ms": (t1 * 1e3, "ms"),
        "streams_two_ms": (t2 * 1e3, "ms"),
        "streams_op_ms": (t1 * 1e3 / (2 * cfg.par_ops), "ms"),
        "two_streams_speedup": (t1 / t2, "x"),
    }


def bench_mlx(cfg):
    import mlx.core as mx

    res = {}
    cpu = mx.cpu
    mx.set_default_device(cpu)

    def chain():
        x = mx.zeros((1,), dtype=mx.float32)
        mx.eval(x)
        t0 = now()
        for _ in range(cfg.chain_len):
            x = x + 1
        t1 = now()
        mx.eval(x)
        t2 = now()
        assert x.item() == cfg.chain_len
        return (t1 - t0, t2 - t1)

    runs = [chain() for _ in range(cfg.chain_runs)]
    res["chain_build_us_per_op"] = (statistics.median(r[0] for r in runs) * 1e6 / cfg.chain_len, "us")
    res["chain_eval_us_per_op"] = (statistics.median(r[1] for r in runs) * 1e6 / cfg.chain_len, "us")
    res["chain_total_us_per_op"] = (statistics.median(r[0] + r[1] for r in runs) * 1e6 / cfg.chain_len, "us")

    a1 = mx.ones((1,), dtype=mx.float32)
    mx.eval(a1)

    def rtrip():
        b = a1 + 1
        t0 = now()
        mx.eval(b)
        mx.synchronize()
        return (now() - t0) * 1e6

    for _ in range(cfg.rtrip_runs // 10):
        rtrip()
    res["roundtrip_us"] = (median_of(rtrip, cfg.rtrip_runs), "us")

    n = cfg.big_elems
    a = mx.full((n,), 1.0, dtype=mx.float32)
    b = mx.full((n,), 2.0, dtype=mx.float32)
    mx.eval(a, b)

    def add():
        t0 = now()
        c = a + b
        mx.eval(c)
        t = now() - t0
        del c
        return t

    def copy():
        t0 = now()
        c = mx.array(a)  # a copy of a's data
        mx.eval(c)
        t = now() - t0
        del c
        return t

    add()
    copy()
    nbytes = 4 * n
    res["add_gbps"] = (3 * nbytes / median_of(add, cfg.big_runs) / 1e9, "GB/s")
    res["memcpy_gbps"] = (2 * nbytes / median_of(copy, cfg.big_runs) / 1e9, "GB/s")
    res["add_over_memcpy"] = (res["add_gbps"][0] / res["memcpy_gbps"][0], "ratio")
    del a, b

    s1 = mx.new_stream(cpu)
    s2 = mx.new_stream(cpu)
    x0 = mx.full((cfg.par_elems,), 1.0, dtype=mx.float32)
    y0 = mx.full((cfg.par_elems,), 2.0, dtype=mx.float32)
    mx.eval(x0, y0)

    def run(sa, sb):
        t0 = now()
        x, y = x0, y0
        for _ in range(cfg.par_ops):
            x = mx.add(x, 1, stream=sa)
        for _ in range(cfg.par_ops):
            y = mx.add(y, 1, stream=sb)
        mx.eval(x, y)
        return now() - t0

    run(s1, s1)
    run(s1, s2)
    one, two = [], []
    for _ in range(cfg.par_runs):
        one.append(run(s1, s1))
        two.append(run(s1, s2))
    t1, t2 = statistics.median(one), statistics.median(two)
    res["streams_one_ms"] = (t1 * 1e3, "ms")
    res["streams_two_ms"] = (t2 * 1e3, "ms")
    res["streams_op_ms"] = (t1 * 1e3 / (2 * cfg.par_ops), "ms")
    res["two_streams_speedup"] = (t1 / t2, "x")
    return res


# ---- report -------------------------------------------------------------------------------------

ROWS = [
    # key, label, "lower"/"higher" is better, or None: not a weir-vs-peer comparison
    ("chain_total_us_per_op", "chain of tiny adds: us per op", "lower"),
    ("chain_build_us_per_op", "  build per op (lazy peers)", "lower"),
    ("chain_eval_us_per_op", "  eval per op (lazy peers)", "lower"),
    ("roundtrip_us", "round trip / one tiny op (us)", "lower"),
    ("add_gbps", "big add GB/s (3 x 4 x n bytes)", "higher"),
    ("add_alloc_gbps", "  numpy c = a + b, allocating", None),
    ("memcpy_gbps", "copy GB/s (2 x 4 x n bytes)", None),
    ("add_over_memcpy", "  add / copy", None),
    ("streams_one_ms", "2 chains, one after the other (ms)", "lower"),
    ("streams_two_ms", "2 chains, concurrently (ms)", "lower"),
    ("streams_op_ms", "  one op (ms)", "lower"),
    ("two_streams_speedup", "  speed-up of concurrency", "higher"),
    ("machine_two_thread_speedup", "  plain C pthreads (machine ceiling)", None),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weir-output", metavar="FILE", help="bench_core's stdout, for ratios")
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    ap.add_argument("--only", metavar="PEER", action="append", choices=["numpy", "torch", "mlx"],
                    help="run only this peer (repeatable)")
    args = ap.parse_args()

    weir = parse_weir(args.weir_output) if args.weir_output else {}
    if args.weir_output and not weir:
        print(f"peers_cpu: no BENCH lines in {args.weir_output}", file=sys.stderr)
    cfg = Config(args.quick, weir)
    print(f"peers_cpu: chain {cfg.chain_len} ops; big add {cfg.big_elems} float32; "
          f"2 chains x {cfg.par_ops} adds x {cfg.par_elems} float32")

    results = {}
    if weir:
        results["weir"] = {k: (v, "") for k, v in weir.items()}
    peers = [("numpy", bench_numpy), ("torch", bench_torch), ("mlx", bench_mlx)]
    for name, fn in peers:
        if args.only and name not in args.only:
            continue
        modname = {"numpy": "numpy", "torch": "torch", "mlx": "mlx.core"}[name]
        try:
            __import__(modname)
        except ImportError as e:
            print(f"peers_cpu: skipping {name}: not importable ({e})")
            continue
        print(f"peers_cpu: running {name} ...", file=sys.stderr, flush=True)
        try:
            results[name] = fn(cfg)
        except Exception as e:  # a peer failing must not hide the others
            print(f"peers_cpu: {name} failed: {type(e).__name__}: {e}")

    names = list(results)
    if not names:
        print("peers_cpu: nothing to compare")
        return 0
    print_table(results, ROWS, 38)
    print("numpy/torch are eager: their 'round trip' is one op; their 'concurrently' is two threads.")
    print("weir's copy is a plain C memcpy (a machine reference); each peer's is its own copy op.")

    if weir:
        print()
        print("weir against each peer (> 1 means weir is better):")
        ratio_lines = []
        for key, label, better in ROWS:
            if better is None or key not in weir or weir[key] == 0:
                continue
            parts = []
            for n in names[1:]:
                pv = results[n].get(key, (None, ""))[0]
                if pv is None or pv == 0:
                    continue
                r = pv / weir[key] if better == "lower" else weir[key] / pv
                parts.append(f"{n} {r:.2f}x")
                ratio_lines.append(f"RATIO weir_vs_{n} {key} {r:.4f}")
            if parts:
                print(f"  {label.strip():<38} " + ", ".join(parts))
        print()
        print("\n".join(ratio_lines))

    for n in names:
        if n == "weir":
            continue
        for key, (v, unit) in results[n].items():
            print(f"PEER {n} {key} {v:.4f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
