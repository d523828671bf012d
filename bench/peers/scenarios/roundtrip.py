"""(2) One-op round trip: a tiny add, then eval + synchronize (lazy peers) or the add then a
device synchronize (eager peers; on the CPU just the add). The time includes building the op."""
from ..common import median_time, now

NAME = "roundtrip"


def run(ctx):
    reps = ctx.cfg.rtrip_reps
    for dev in ctx.devices(NAME):
        case = f"one add + eval/synchronize [{dev}]"

        def fn(p):
            a = p.uniform((1,))

            def once():
                t0 = now()
                b = a + 1
                p.finish(b)
                if p.lazy:
                    p.sync()
                return now() - t0

            t, _ = median_time(once, reps, warmup=reps // 10)
            return {case: t * 1e6}

        ctx.each_peer(NAME, dev, "us", {case: "b = a + 1 on 1 float32, eval + synchronize"}, fn)
