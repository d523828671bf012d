#!/usr/bin/env python3
"""weir against the peers users would pick instead (issue 7): MLX, PyTorch, CuPy and numpy, each
where installed, in this one process, on the same data sizes, peer order shuffled per scenario.

Every figure is the median of >= 5 timed repetitions after a warm-up; GPU work is waited for
(mx.eval + mx.synchronize, torch.cuda.synchronize, the CuPy device synchronize) inside the timed
region. Scenarios (bench/peers/scenarios/, one module each): chain, roundtrip, bandwidth,
expression, matmul, streams, transfer, cpu_gpu, peak_memory. The GPU parts are skipped, with the
reason, when no GPU is seen; peers that do not import are skipped.

  python3 bench/peers/run.py [--quick] [--out DIR] [--peers weir,mlx,...] [--scenarios a,b]

Writes DIR/peers.json (machine, date, versions, config, every figure), DIR/table.md and
DIR/ratios.png (default DIR: build/bench/peers), and prints weir's figure over each peer's:
< 1 means weir is faster (or uses less memory).
"""
import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from peers import adapters, report  # noqa: E402
from peers.common import Context  # noqa: E402
from peers.scenarios import ALL, ONE_THREAD  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Config:
    def __init__(self, quick):
        q = quick
        self.reps = 5
        self.mm_reps = 5
        self.chain_ops = 1000
        self.rtrip_reps = 200 if q else 1000
        self.bw_cpu = (4 << 20) if q else (64 << 20)  # float32 elements
        self.bw_gpu = (16 << 20) if q else (256 << 20)
        self.expr_elems = (2 << 20) if q else (16 << 20)
        self.mm_cpu = 512 if q else 2048
        self.mm_gpu = 2048 if q else 8192
        self.streams_len = 50
        self.streams_gpu_n = 384
        self.streams_cpu_n = 128
        self.transfer_bytes = (32 << 20) if q else (256 << 20)
        self.peak_elems = (2 << 20) if q else (16 << 20)


def machine_info(peers):
    info = {"hostname": platform.node(), "platform": platform.platform(), "python": platform.python_version(),
            "cpu_count": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    w = peers.get("weir")
    if w is not None and "gpu" in w.devices:
        try:
            d = w.mx.device_info(w.mx.gpu)
            info["gpu"] = d.get("device_name")
            info["gpu_memory"] = d.get("total_memory")
        except Exception as e:
            info["gpu"] = f"? ({e})"
    return info


def gpu_status(peers):
    """(available devices, the reason the GPU parts are skipped or None)."""
    if any("gpu" in p.devices for p in peers.values()):
        return ["cpu", "gpu"], None
    why = []
    for name, p in peers.items():
        if name == "weir":
            why.append("weir: mx.is_available(mx.gpu) is False")
        elif name == "torch":
            why.append("torch: torch.cuda.is_available() is False")
    return ["cpu"], "no GPU on this machine (" + "; ".join(why or ["no peer sees one"]) + ")"


def run_one_thread_child(args, scenarios):
    """The one-thread CPU figures, from a child process: weir reads WEIR_CPU_THREADS at start."""
    env = dict(os.environ, WEIR_CPU_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", WEIR_DEVICE="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "child.json")
        cmd = [sys.executable, os.path.abspath(__file__), "--child-one-thread", path, "--scenarios",
               ",".join(scenarios), "--seed", str(args.seed + 1)]
        if args.quick:
            cmd.append("--quick")
        if args.peers:
            cmd += ["--peers", args.peers]
        r = subprocess.run(cmd, env=env)
        if r.returncode != 0 or not os.path.exists(path):
            print(f"one-thread child failed (exit {r.returncode}); its figures are missing")
            return {}, []
        with open(path) as f:
            doc = json.load(f)
        return doc["results"], doc["skipped"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "build", "bench", "peers"), help="output folder")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    ap.add_argument("--peers", help="comma-separated subset of weir,mlx,torch,cupy,numpy")
    ap.add_argument("--scenarios", help="comma-separated subset of " + ",".join(m.NAME for m in ALL))
    ap.add_argument("--seed", type=int, default=None, help="seed of the peer order (default: random)")
    ap.add_argument("--no-plot", action="store_true", help="no PNG")
    ap.add_argument("--no-install", action="store_true", help="do not pip-install matplotlib when missing")
    ap.add_argument("--child-one-thread", metavar="JSON", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    child = args.child_one_thread is not None
    start = time.perf_counter()

    only = set(args.peers.split(",")) if args.peers else None
    peers, notes = adapters.discover(only)
    if child and "torch" in peers:
        peers["torch"].t.set_num_threads(1)
    if "weir" not in peers:
        print("\n".join(notes))
        print("weir is needed for the ratios; build it first (make)")
        return 1
    wanted = set(args.scenarios.split(",")) if args.scenarios else None
    scenarios = [m for m in ALL if wanted is None or m.NAME in wanted]
    if child:
        scenarios = [m for m in scenarios if m.NAME in ONE_THREAD]
        available, no_gpu = ["cpu"], "the one-thread child runs the CPU only"
        threads = "1 thread"
    else:
        available, no_gpu = gpu_status(peers)
        threads = f"{os.environ.get('WEIR_CPU_THREADS') or os.cpu_count()} threads"
    ctx = Context(Config(args.quick), peers, args.seed, threads, available, no_gpu)

    if not child:
        print(f"bench/peers: peers {', '.join(f'{n} {p.version}' for n, p in peers.items())}; "
              f"devices {', '.join(available)}; peer-order seed {args.seed}")
        for n in notes:
            print(f"  skipped peer {n}")
        if no_gpu:
            print(f"  GPU parts skipped: {no_gpu}")
    for m in scenarios:
        print(f"== {m.NAME}" + (" (one thread)" if child else ""), flush=True)
        m.run(ctx)
        if not child and m.NAME in ONE_THREAD and "cpu" in available:
            print(f"== {m.NAME} (one thread, child process)", flush=True)
            res, skipped = run_one_thread_child(args, [m.NAME])
            ctx.results.update(res)
            ctx.skipped += skipped

    doc = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "machine": machine_info(peers),
           "versions": {n: p.version for n, p in peers.items()},
           "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
           "config": vars(ctx.cfg), "peer_order_seed": args.seed, "threads": threads,
           "skipped_peers": notes, "skipped": ctx.skipped,
           "wall_s": round(time.perf_counter() - start, 1), "results": ctx.results, "ratios_weir_over_peer": report.ratios(ctx.results)}
    if child:
        report.write_json(args.child_one_thread, doc)
        return 0
    os.makedirs(args.out, exist_ok=True)
    report.write_json(os.path.join(args.out, "peers.json"), doc)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(report.markdown(ctx.results))
    report.print_table(ctx.results)
    m = doc["machine"]
    title = f"weir vs peers — {m.get('cpu')} ({m['cpu_count']} cores)" + (f", {m['gpu']}" if m.get("gpu") else "") \
        + f", {doc['date'][:10]}"
    png = os.path.join(args.out, "ratios.png")
    if not args.no_plot and report.plot(png, ctx.results, title, install=not args.no_install):
        print(f"plot: {png}")
    print(f"wall time {doc['wall_s']} s; figures: {os.path.join(args.out, 'peers.json')}, table: {os.path.join(args.out, 'table.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
