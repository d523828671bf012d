"""(1) Per-op cost of a chain of tiny elementwise ops (x = x + 1 on 16 float32, 1,000 times), built
then evaluated once (lazy peers) or run op by op (eager peers), then waited for: time / ops."""
import numpy as np

from ..common import median_time, now

NAME = "chain"


def run(ctx):
    n, reps = ctx.cfg.chain_ops, ctx.cfg.reps
    for dev in ctx.devices(NAME):
        case = f"chain of {n} tiny adds, per op [{dev}]"

        def fn(p):
            x0 = p.uniform((16,))
            want = p.to_numpy(x0) + n

            def once():
                x = x0
                t0 = now()
                for _ in range(n):
                    x = x + 1
                p.finish(x)
                t = now() - t0
                once.x = x
                return t

            t, _ = median_time(once, reps)
            np.testing.assert_allclose(p.to_numpy(once.x), want, rtol=1e-5)
            return {case: t * 1e6 / n}

        ctx.each_peer(NAME, dev, "us", {case: f"{n} x (x + 1) on 16 float32, built and run once"}, fn)
