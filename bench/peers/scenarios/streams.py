"""(6) Two and four independent chains of small kernels (~10 us each: matmuls of 384^2 float32 on
the GPU, 128^2 on the CPU), 50 per chain, on as many streams against all on one stream.
weir and MLX: mx.new_stream; torch: torch.cuda.Stream; CuPy: cupy.cuda.Stream; on the CPU, the
eager peers (numpy, torch) run one Python thread per "stream". The speed-up (one stream's time
over k streams') is in the JSON beside each k-stream figure."""
from ..common import median_time

NAME = "streams"


def run(ctx):
    length = ctx.cfg.streams_len
    for dev in ctx.devices(NAME):
        k = ctx.cfg.streams_gpu_n if dev == "gpu" else ctx.cfg.streams_cpu_n
        cases = {}
        for m in (2, 4):
            cases[(m, 1)] = f"{m} chains of {length} matmuls {k}^2, one stream [{dev}]"
            cases[(m, m)] = f"{m} chains of {length} matmuls {k}^2, {m} streams [{dev}]"

        def fn(p):
            w = p.uniform((k, k)) * (2.0 / k)  # row sums near 1: values stay finite
            xs = [p.uniform((k, k)) for _ in range(4)]
            p.finish(w, *xs)
            streams = [p.new_stream() for _ in range(4)]
            out, times = {}, {}
            for (m, ns), case in cases.items():

                def chain(i):
                    def build():
                        x = xs[i]
                        for _ in range(length):
                            x = x @ w
                        return x

                    return build

                def once():
                    p.run_streams([(streams[i % ns], chain(i)) for i in range(m)])

                t, _ = median_time(once, ctx.cfg.reps)
                times[(m, ns)] = t
                extra = {"speedup over one stream": times[(m, 1)] / t} if ns > 1 else {}
                out[case] = (t * 1e3, extra)
            return out

        ctx.each_peer(NAME, dev, "ms", {c: c for c in cases.values()}, fn)
