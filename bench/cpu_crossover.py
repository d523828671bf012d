"""Where splitting a CPU op over the thread pool starts to pay (issue 5: "small ones run inline on
the stream's thread; measure where the crossover is").

For float32 add, exp and sum on sizes 2^8 .. 2^22, one child process times each op with every op
run inline on the stream's thread (WEIR_CPU_PARALLEL_MIN=2^62) and another with every op split
over the pool (WEIR_CPU_PARALLEL_MIN=1); each figure is the median of many evals of an already
built array (eval + the kernel; the array is rebuilt outside the timed region). It prints both
times, their ratio, and for each op the smallest size from which the pool wins at every larger
size, next to weir's threshold (PARALLEL_MIN in src/backend/cpu/cpu_backend.c).

    python3 bench/cpu_crossover.py [--threads N] [--json FILE]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THRESHOLD = 1 << 18  # PARALLEL_MIN (exp-like ops count double) in src/backend/cpu/cpu_backend.c
SIZES = [1 << k for k in range(8, 23)]

CHILD = r"""
import json, statistics, sys, time
import numpy as np
import weir.core as mx
mx.set_default_device(mx.cpu)  # a GPU host's default device is the GPU
out = {}
for op in ("add", "exp", "sum"):
    for n in SIZES:
        x = mx.array(np.random.default_rng(n).standard_normal(n, dtype=np.float32))
        y = mx.array(np.random.default_rng(n + 1).standard_normal(n, dtype=np.float32))
        mx.eval(x, y)
        reps = max(20, min(2000, (1 << 24) // n))
        ts = []
        for r in range(reps + 5):
            z = x + y if op == "add" else mx.exp(x) if op == "exp" else mx.sum(x)
            t0 = time.perf_counter()
            mx.eval(z)
            t1 = time.perf_counter()
            if r >= 5:
                ts.append(t1 - t0)
            del z
        out[f"{op} {n}"] = statistics.median(ts) * 1e6
print(json.dumps(out))
"""


def run_child(parallel_min, threads):
    env = dict(os.environ)
    env["WEIR_CPU_PARALLEL_MIN"] = str(parallel_min)
    if threads:
        env["WEIR_CPU_THREADS"] = str(threads)
    env["PYTHONPATH"] = os.path.join(ROOT, "python") + os.pathsep + env.get("PYTHONPATH", "")
    code = "SIZES = " + repr(SIZES) + "\n" + CHILD
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0, help="pool size (default: weir's, every core)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    inline = run_child(1 << 62, args.threads)
    split = run_child(1, args.threads)
    print(f"cores: {os.cpu_count()}, pool threads: {args.threads or 'default'}; us per eval (median)")
    print(f"{'op':<5} {'elements':>9} {'inline':>10} {'pool':>10} {'inline/pool':>12}")
    result = {"threshold": THRESHOLD, "inline_us": inline, "pool_us": split, "crossover": {}}
    for op in ("add", "exp", "sum"):
        cross = None
        for n in SIZES:
            a, b = inline[f"{op} {n}"], split[f"{op} {n}"]
            print(f"{op:<5} {n:>9} {a:>10.2f} {b:>10.2f} {a / b:>12.2f}")
        for n in reversed(SIZES):  # smallest size from which the pool wins at every larger size
            if inline[f"{op} {n}"] <= split[f"{op} {n}"]:
                break
            cross = n
        result["crossover"][op] = cross
        print(f"{op}: the pool wins from {cross if cross else 'no size measured'} elements on "
              f"(weir's threshold: {THRESHOLD})\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
