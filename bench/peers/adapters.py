"""One adapter per peer, so that each scenario is written once. Arrays of every peer take Python's
operators (+, *, @) with Python scalars; what differs is here: creating data on a device, forcing
the work to finish (eval for the lazy ones, a synchronize for the GPU), streams, the
transcendental functions, bfloat16, and the peak-memory counters.

  weir, mlx    lazy (MLX's API): finish = mx.eval(...) (it returns when the values are computed)
  torch        eager: finish = torch.cuda.synchronize() on the GPU, nothing on the CPU
  cupy         eager, GPU only: finish = synchronize the current device
  numpy        eager, CPU only, one thread for elementwise ops and reductions
"""
import os
import sys
import threading

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))


class Peer:
    name = "?"
    lazy = False
    devices = ()
    version = ""

    def use(self, device):
        self.device = device

    def free(self):
        pass

    def tanh(self, x):
        return self.ns.tanh(x)

    def exp(self, x):
        return self.ns.exp(x)

    def sum(self, x):
        return self.ns.sum(x)

    def to_numpy(self, x):
        return np.asarray(x)


class MlxApi(Peer):
    """weir (weir.core) and MLX (mlx.core): the same code for both."""
    lazy = True

    def __init__(self, name, mx, version):
        self.name, self.mx, self.ns, self.version = name, mx, mx, version
        self.devices = ("cpu", "gpu") if mx.is_available(mx.gpu) else ("cpu",)
        self.dtypes = {"float32": mx.float32, "bfloat16": mx.bfloat16}

    def dev(self, device=None):
        return self.mx.gpu if (device or self.device) == "gpu" else self.mx.cpu

    def use(self, device):
        self.device = device
        self.mx.set_default_device(self.dev(device))

    def uniform(self, shape, dtype="float32"):
        x = self.mx.random.uniform(shape=shape)
        if dtype != "float32":
            x = x.astype(self.dtypes[dtype])
        self.mx.eval(x)
        return x

    def from_numpy(self, a):
        x = self.mx.array(a)
        self.mx.eval(x)
        return x

    def finish(self, *xs):
        self.mx.eval(*xs)

    def sync(self):
        self.mx.synchronize()

    def free(self):
        self.mx.synchronize()
        self.mx.clear_cache()

    # streams: run(stream, fn) runs fn with the stream as the default
    def new_stream(self):
        return self.mx.new_stream(self.dev())

    def on_stream(self, s):
        return self.mx.stream(s)

    def run_streams(self, chains):
        """chains: list of (stream, fn) where fn() builds a chain and returns its result."""
        outs = []
        for s, fn in chains:
            with self.mx.stream(s):
                outs.append(fn())
        self.mx.eval(*outs)

    # peak memory (device memory on the GPU, the library's host buffers on the CPU)
    def peak_begin(self):
        self.mx.synchronize()
        self.mx.reset_peak_memory()

    def peak_end(self, input_bytes):
        return self.mx.get_peak_memory(), "mx.get_peak_memory() after mx.reset_peak_memory()"


class TorchPeer(Peer):
    name = "torch"

    def __init__(self, torch):
        self.t, self.ns, self.version = torch, torch, torch.__version__
        self.devices = ("cpu", "gpu") if torch.cuda.is_available() else ("cpu",)
        self.dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16}
        torch.backends.cuda.matmul.allow_tf32 = False  # float32 matmul in float32, as weir's
        torch.backends.cudnn.allow_tf32 = False

    def use(self, device):
        self.device = device
        self.tdev = self.t.device("cuda", 0) if device == "gpu" else self.t.device("cpu")

    def uniform(self, shape, dtype="float32"):
        x = self.t.rand(shape, dtype=self.dtypes[dtype], device=self.tdev)
        self.finish()
        return x

    def from_numpy(self, a):
        return self.t.from_numpy(a)

    def finish(self, *xs):
        if self.device == "gpu":
            self.t.cuda.synchronize()

    sync = finish

    def to_numpy(self, x):
        return x.cpu().numpy()

    def free(self):
        if self.device == "gpu":
            self.t.cuda.synchronize()
            self.t.cuda.empty_cache()

    def new_stream(self):
        return self.t.cuda.Stream() if self.device == "gpu" else object()

    def run_streams(self, chains):
        run_streams_eager(self, chains, lambda s: self.t.cuda.stream(s))

    def peak_begin(self):
        if self.device == "gpu":
            self.t.cuda.synchronize()
            self.t.cuda.reset_peak_memory_stats()
        else:
            rss_peak_reset()

    def peak_end(self, input_bytes):
        if self.device == "gpu":
            self.t.cuda.synchronize()
            return self.t.cuda.max_memory_allocated(), "torch.cuda.max_memory_allocated() after reset"
        return rss_peak_delta(input_bytes)


class CupyPeer(Peer):
    name = "cupy"
    devices = ("gpu",)

    def __init__(self, cp):
        self.cp, self.ns, self.version = cp, cp, cp.__version__
        if cp.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("cupy sees no CUDA GPU")
        cp.cuda.Device(0).use()
        self.dtypes = {"float32": cp.float32}  # no bfloat16 in CuPy

    def uniform(self, shape, dtype="float32"):
        x = self.cp.random.random(shape, dtype=self.dtypes[dtype])
        self.finish()
        return x

    def from_numpy(self, a):
        return a  # the host side of CuPy is numpy

    def finish(self, *xs):
        self.cp.cuda.Device().synchronize()

    sync = finish

    def to_numpy(self, x):
        return self.cp.asnumpy(x)

    def free(self):
        self.finish()
        self.cp.get_default_memory_pool().free_all_blocks()

    def new_stream(self):
        return self.cp.cuda.Stream(non_blocking=True)

    def run_streams(self, chains):
        run_streams_eager(self, chains, lambda s: s)

    def peak_begin(self):
        self.finish()
        self._hook = PeakHook(self.cp)
        self._hook.__enter__()

    def peak_end(self, input_bytes):
        self.finish()
        self._hook.__exit__(None, None, None)
        return self._hook.peak + input_bytes, "bytes allocated from CuPy's pool (a MemoryHook) + the input"


class NumpyPeer(Peer):
    name = "numpy"
    devices = ("cpu",)

    def __init__(self):
        self.ns, self.version = np, np.__version__
        self.dtypes = {"float32": np.float32}  # no bfloat16 in numpy
        self.rng = np.random.default_rng(0)

    def uniform(self, shape, dtype="float32"):
        return self.rng.random(shape, dtype=self.dtypes[dtype])

    def from_numpy(self, a):
        return a

    def finish(self, *xs):
        pass

    sync = finish

    def new_stream(self):
        return object()  # a token: the chains of one token run in one thread

    def run_streams(self, chains):
        run_streams_eager(self, chains, None)

    def peak_begin(self):
        import tracemalloc

        tracemalloc.start()
        tracemalloc.reset_peak()

    def peak_end(self, input_bytes):
        import tracemalloc

        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak + input_bytes, "tracemalloc peak (numpy reports its buffers to it) + the input"


def run_streams_eager(peer, chains, ctx):
    """Eager peers. chains: (stream, fn) pairs. On the GPU each chain is issued under its
    stream's context from this thread; on the CPU (no streams) the chains of each stream run in
    one Python thread of their own (the ops release the GIL), those of one stream in order."""
    if peer.device == "gpu":
        for s, fn in chains:
            with ctx(s):
                fn()
        peer.finish()
        return
    groups = {}
    for s, fn in chains:
        groups.setdefault(id(s), []).append(fn)

    def run(fns):
        for fn in fns:
            fn()

    if len(groups) == 1:
        run([fn for _, fn in chains])
        return
    ts = [threading.Thread(target=run, args=(fns,)) for fns in groups.values()]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


# ---- peak resident set (the CPU figure of eager libraries without an allocator counter) -------

def rss_peak_reset():
    """Linux: writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    rss_peak_reset.base = _status_kb("VmRSS")


def rss_peak_delta(input_bytes):
    peak = _status_kb("VmHWM")
    return (peak - rss_peak_reset.base) * 1024 + input_bytes, \
        "peak RSS (VmHWM after clear_refs) minus RSS before + the input"


def _status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/self/status")


class PeakHook:
    """A CuPy MemoryHook that tracks the bytes in use from the pool and their peak."""

    def __new__(cls, cp):
        from cupy.cuda import memory_hook

        class Hook(memory_hook.MemoryHook):
            name = "PeakHook"

            def __init__(self):
                self.cur = 0
                self.peak = 0

            def malloc_postprocess(self, device_id, size, mem_size, mem_ptr, pmem_id):
                self.cur += mem_size
                self.peak = max(self.peak, self.cur)

            def free_postprocess(self, device_id, mem_size, mem_ptr, pmem_id):
                self.cur -= mem_size

        return Hook()


# ---- discovery ---------------------------------------------------------------------------------

def discover(only=None):
    """name -> adapter for every peer that imports; prints why the others are left out."""
    peers, notes = {}, []

    def want(n):
        return only is None or n in only

    if want("weir"):
        try:
            import weir.core as wmx

            peers["weir"] = MlxApi("weir", wmx, getattr(wmx, "__version__", "?"))
        except ImportError as e:
            notes.append(f"weir: not importable ({e}); build it first (make, or cmake --build build)")
    if want("mlx"):
        try:
            import mlx.core as mmx

            peers["mlx"] = MlxApi("mlx", mmx, getattr(mmx, "__version__", "?"))
        except ImportError as e:
            notes.append(f"mlx: not installed ({e})")
        except Exception as e:  # e.g. a CUDA build that cannot start
            notes.append(f"mlx: {type(e).__name__}: {e}")
    if want("torch"):
        try:
            import torch

            peers["torch"] = TorchPeer(torch)
        except ImportError as e:
            notes.append(f"torch: not installed ({e})")
        except Exception as e:
            notes.append(f"torch: {type(e).__name__}: {e}")
    if want("cupy"):
        try:
            os.environ.setdefault("CUPY_TF32", "0")  # float32 matmul in float32, as weir's
            import cupy

            peers["cupy"] = CupyPeer(cupy)
        except ImportError as e:
            notes.append(f"cupy: not installed ({e})")
        except Exception as e:  # no driver or no GPU
            notes.append(f"cupy: {type(e).__name__}: {e}")
    if want("numpy"):
        peers["numpy"] = NumpyPeer()
    return peers, notes
