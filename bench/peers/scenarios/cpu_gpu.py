"""(8) The seed's "CPU and GPU in parallel" example (seeds/004, examples/python/04_03): an add of
two 2048^2 float32 on a CPU stream and their matmul on a GPU stream, dispatched together, against
each half alone. torch: the CPU add on CPU tensors while the CUDA matmul runs (it is
asynchronous); CuPy: numpy's add while CuPy's matmul runs. "overlap" in the JSON: the parallel time
over the slower half alone (1.0 = perfect overlap, 2.0 = none)."""
from ..common import median_time

NAME = "cpu_gpu"
N = 2048


def mlx_api(p):
    mx = p.mx  # the seed, verbatim but for the inputs, made (and evaluated) once
    a = mx.random.uniform(shape=(N, N))
    b = mx.random.uniform(shape=(N, N))
    mx.eval(a, b)
    cpu_stream, gpu_stream = mx.new_stream(mx.cpu), mx.new_stream(mx.gpu)

    def both():
        c = mx.add(a, b, stream=cpu_stream)
        d = mx.matmul(a, b, stream=gpu_stream)
        mx.synchronize(cpu_stream)
        mx.synchronize(gpu_stream)
        mx.eval(c, d)

    return both, lambda: mx.eval(mx.add(a, b, stream=cpu_stream)), \
        lambda: mx.eval(mx.matmul(a, b, stream=gpu_stream))


def torch_peer(p):
    t = p.t
    ac, bc = t.rand(N, N), t.rand(N, N)
    ag, bg = ac.cuda(), bc.cuda()

    def both():
        d = ag @ bg
        c = ac + bc
        t.cuda.synchronize()
        return c, d

    return both, lambda: ac + bc, lambda: (ag @ bg, t.cuda.synchronize())


def cupy_peer(p):
    import numpy as np

    cp = p.cp
    ac = np.random.default_rng(0).random((N, N), dtype=np.float32)
    bc = np.random.default_rng(1).random((N, N), dtype=np.float32)
    ag, bg = cp.asarray(ac), cp.asarray(bc)

    def both():
        d = ag @ bg
        c = ac + bc
        p.finish()
        return c, d

    return both, lambda: ac + bc, lambda: (ag @ bg, p.finish())


def run(ctx):
    if not ctx.devices(NAME, want=("gpu",)):
        return
    names = ("both in parallel", "CPU add alone", "GPU matmul alone")
    cases = {k: f"seed 004: {k} [cpu+gpu]" for k in names}

    def fn(p):
        make = {"weir": mlx_api, "mlx": mlx_api, "torch": torch_peer, "cupy": cupy_peer}[p.name]
        fns = dict(zip(names, make(p)))
        # the calls are timed whole (median_time takes a number returned as the time)
        t = {k: median_time(lambda f=f: [f(), None][1], ctx.cfg.reps)[0] for k, f in fns.items()}
        slower = max(t["CPU add alone"], t["GPU matmul alone"])
        out = {cases[k]: v * 1e3 for k, v in t.items()}
        out[cases["both in parallel"]] = (t["both in parallel"] * 1e3, {"overlap": t["both in parallel"] / slower})
        return out

    ctx.each_peer(NAME, "gpu", "ms", {c: c for c in cases.values()}, fn)
