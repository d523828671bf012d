"""(5) Square matmul, float32 and bfloat16: 2048 on the CPU (every thread), 8192 on the GPU.
TF32 is off for the peers that have a switch (torch, CuPy). numpy and CuPy have no bfloat16."""
from ..common import median_time

NAME = "matmul"


def run(ctx):
    for dev in ctx.devices(NAME):
        k = ctx.cfg.mm_gpu if dev == "gpu" else ctx.cfg.mm_cpu
        cases = {f"matmul {k} {dt} [{dev}]": dt for dt in ("float32", "bfloat16")}

        def fn(p):
            out = {}
            for case, dt in cases.items():
                if dt not in p.dtypes:
                    continue
                x, y = p.uniform((k, k), dt), p.uniform((k, k), dt)

                def once():
                    p.finish(x @ y)

                t, _ = median_time(once, ctx.cfg.mm_reps)
                out[case] = (t * 1e3, {"TFLOP/s": 2 * k**3 / t / 1e12})
            return out

        ctx.each_peer(NAME, dev, "ms", {c: f"{k}^3 {dt}" for c, dt in cases.items()}, fn)
