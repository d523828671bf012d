"""(7) Host -> GPU -> host round trip of 256 MB (64M float32), from and into each library's own
host arrays: weir and MLX, an mx.array made from numpy (untimed), plus 0 on the GPU (MLX has no
copy op) and read back through the buffer protocol (np.asarray); torch, a CPU tensor .to("cuda") and .to("cpu");
CuPy, cupy.asarray(numpy array) and cupy.asnumpy. The "pinned" case gives torch and CuPy
page-locked host buffers (weir pins its host buffers itself; MLX's are what they are)."""
import numpy as np

from ..common import median_time, now

NAME = "transfer"


def mlx_api(p, h, pinned):
    mx = p.mx

    def once():
        x = mx.array(h)  # the host array, made anew each time (a GPU copy would stay cached)
        mx.eval(x)
        t0 = now()
        y = mx.add(x, 0, stream=mx.gpu)  # MLX has no copy op; an add costs ~0.2 ms of the ~10
        mx.eval(y)
        back = np.asarray(y)  # device -> host
        t = now() - t0
        once.back = back
        return t

    return once


def torch_peer(p, h, pinned):
    t_ = p.t
    src = t_.from_numpy(h)
    if pinned:
        src = src.pin_memory()
        dst = t_.empty_like(src).pin_memory()

    def once():
        t0 = now()
        if pinned:
            g = src.to("cuda", non_blocking=True)
            dst.copy_(g, non_blocking=True)
            t_.cuda.synchronize()
            back = dst
        else:
            back = src.to("cuda").to("cpu")
        t = now() - t0
        once.back = back.numpy()
        return t

    return once


def cupy_peer(p, h, pinned):
    cp = p.cp
    if pinned:
        import cupyx

        src = cupyx.empty_pinned(h.shape, h.dtype)
        src[...] = h
        dst = cupyx.empty_pinned(h.shape, h.dtype)
        g = cp.empty(h.shape, h.dtype)

    def once():
        t0 = now()
        if pinned:
            g.set(src)
            g.get(out=dst)
            cp.cuda.Device().synchronize()
            back = dst
        else:
            back = cp.asnumpy(cp.asarray(h))
        t = now() - t0
        once.back = back
        return t

    return once


def run(ctx):
    if not ctx.devices(NAME, want=("gpu",)):
        return
    n = ctx.cfg.transfer_bytes // 4
    h = np.random.default_rng(0).random(n, dtype=np.float32)
    cases = {False: f"host->GPU->host {n * 4 >> 20} MB [gpu]", True: f"host->GPU->host {n * 4 >> 20} MB, pinned [gpu]"}

    def fn(p):
        make = {"weir": mlx_api, "mlx": mlx_api, "torch": torch_peer, "cupy": cupy_peer}[p.name]
        out = {}
        for pinned, case in cases.items():
            once = make(p, h, pinned)
            t, _ = median_time(once, ctx.cfg.reps)
            if not np.array_equal(once.back[:: 1 << 16], h[:: 1 << 16]):
                raise RuntimeError("the data came back changed")
            out[case] = (t * 1e3, {"GB/s (both ways)": 2 * 4 * n / t / 1e9})
        return out

    ctx.each_peer(NAME, "gpu", "ms", {c: c for c in cases.values()}, fn)
