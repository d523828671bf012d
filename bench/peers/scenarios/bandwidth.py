"""(3) Large elementwise ops and a reduction: add, multiply, exp and sum (all axes) on n float32,
each written as users write it (c = a + b: the output is allocated by the call). GB/s counts
bytes read + written. On the CPU once with every thread, and once with one thread (a child
process with WEIR_CPU_THREADS=1, torch.set_num_threads(1); numpy and MLX's CPU elementwise ops
are single-threaded anyway)."""
from ..common import median_time

NAME = "bandwidth"

OPS = {  # name -> (fn(peer, a, b), bytes moved per element)
    "add": (lambda p, a, b: a + b, 12),
    "multiply": (lambda p, a, b: a * b, 12),
    "exp": (lambda p, a, b: p.exp(a), 8),
    "sum": (lambda p, a, b: p.sum(a), 4),
}


def run(ctx):
    for dev in ctx.devices(NAME):
        n = ctx.cfg.bw_gpu if dev == "gpu" else ctx.cfg.bw_cpu
        tag = dev if dev == "gpu" else ctx.cpu_tag()
        cases = {f"{op} {n >> 20}M float32 [{tag}]": op for op in OPS}

        def fn(p):
            a, b = p.uniform((n,)), p.uniform((n,))
            out = {}
            for case, op in cases.items():
                f, per = OPS[op]

                def once():
                    c = f(p, a, b)
                    p.finish(c)

                t, _ = median_time(once, ctx.cfg.reps)
                out[case] = (t * 1e3, {"GB/s": per * n / t / 1e9})
            return out

        ctx.each_peer(NAME, dev, "ms", {c: f"{op}: {OPS[op][1]} bytes per element" for c, op in cases.items()}, fn)
