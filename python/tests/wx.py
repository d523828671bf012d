"""Shared helpers for weir's pytest suite.

The suite speaks MLX's Python API, so it can run against weir (the default) or against MLX
itself, to check that the tests say what MLX does:

    WEIR_PYTEST_MODULE=mlx.core python3 -m pytest -q python/tests

`mx` below is that module. Random inputs come from numpy Generators seeded from
WEIR_TEST_SEED (or a fresh random seed, printed in the header and with every failure), so a
failing run can be repeated exactly with WEIR_TEST_SEED=<seed>.
"""

import gc
import importlib
import math
import os
import random
import threading
import time
import zlib

import numpy as np
import pytest

MODULE = os.environ.get("WEIR_PYTEST_MODULE", "weir.core")
mx = importlib.import_module(MODULE)

NO_GPU_REASON = "no GPU: weir sees 0 CUDA devices"


def _pick_seed():
    env = os.environ.get("WEIR_TEST_SEED")
    if env:
        return int(env, 0)
    return random.SystemRandom().randrange(2**32)


SEED = _pick_seed()


def is_weir():
    """True when the module under test is weir's own (not MLX used as a reference)."""
    return MODULE == "weir.core"


def gpu_count():
    try:
        return int(mx.device_count(mx.gpu))
    except Exception:  # a module without GPU support at all
        return 0


def has_gpu():
    return gpu_count() > 0


def require_gpu(n=1):
    k = gpu_count()
    if k == 0:
        pytest.skip(NO_GPU_REASON)
    if k < n:
        pytest.skip(f"needs {n} GPUs: weir sees {k} CUDA device{'s' if k != 1 else ''}")


def rng(*keys):
    """A numpy Generator for this run's seed and the given keys (a test's id, a thread number)."""
    h = zlib.crc32("/".join(str(k) for k in keys).encode())
    return np.random.default_rng([SEED, h])


# ---------------------------------------------------------------- dtypes

DTYPE_NAMES = [
    "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64",
]
FLOAT_NAMES = ["float16", "bfloat16", "float32", "float64"]
INT_NAMES = ["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"]
SIGNED_NAMES = ["int8", "int16", "int32", "int64"]
UNSIGNED_NAMES = ["uint8", "uint16", "uint32", "uint64"]
ITEMSIZE = {
    "bool": 1, "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8, "int8": 1, "int16": 2,
    "int32": 4, "int64": 8, "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8,
}
NP_DTYPE = {
    "bool": np.bool_, "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
    "uint64": np.uint64, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "float16": np.float16, "bfloat16": None, "float32": np.float32,
    "float64": np.float64,
}
SHORT = {
    "b": "bool", "u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64",
    "i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64", "f16": "float16",
    "bf16": "bfloat16", "f32": "float32", "f64": "float64",
}

# (rtol, atol) for results of one elementwise op, by result dtype: about two units in the last
# place, because the reference works on the very values the array holds (rounded to its dtype).
TOL = {
    "float64": (1e-12, 1e-12),
    "float32": (2e-6, 1e-6),
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 1.6e-2),
}
# Machine epsilon of each float dtype (for tolerances that grow with a reduction's length).
EPS = {"float64": 2.0**-52, "float32": 2.0**-23, "float16": 2.0**-10, "bfloat16": 2.0**-7}


def dt(name):
    """The module's Dtype object for a dtype name ("bool" is mx.bool_)."""
    return mx.bool_ if name == "bool" else getattr(mx, name)


def name_of(dtype):
    """The dtype name of an mx Dtype (inverse of dt)."""
    for n in DTYPE_NAMES:
        if dtype == dt(n):
            return n
    raise AssertionError(f"unknown dtype {dtype!r}")


def is_float(name):
    return name in FLOAT_NAMES


# ---------------------------------------------------------------- devices


def device(kind):
    """mx.Device for "cpu" or "gpu" (skipping when there is no GPU)."""
    if kind == "gpu":
        require_gpu()
        return mx.Device(mx.gpu, 0)
    return mx.Device(mx.cpu, 0)


def is_gpu(d):
    """True for a GPU Device (as returned by device("gpu"))."""
    return d.type == mx.gpu


# ---------------------------------------------------------------- inputs


def round_to_bfloat16(x):
    """float32 values rounded (to nearest even) to the nearest bfloat16, still as float32."""
    x = np.array(x, dtype=np.float32, order="C")
    u = x.view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32).reshape(x.shape)


def exact_values(x, name):
    """numpy values as an array of dtype `name` holds them (float64 for floats)."""
    if name == "bfloat16":
        return round_to_bfloat16(np.asarray(x, dtype=np.float32)).astype(np.float64)
    if is_float(name):
        return np.asarray(x).astype(NP_DTYPE[name]).astype(np.float64)
    return np.asarray(x).astype(NP_DTYPE[name])


def to_mx(values, name):
    """An mx array of dtype `name` holding exactly `values` (already representable)."""
    # np.array(..., order="C") and not np.ascontiguousarray, which makes a 0-d array 1-d
    if name == "bfloat16":
        f32 = np.array(values, dtype=np.float32, order="C")
        return mx.array(f32).astype(mx.bfloat16)
    arr = np.array(values, dtype=NP_DTYPE[name], order="C")
    return mx.array(arr, dtype=dt(name))


def rand(g, shape, name, low=-4.0, high=4.0):
    """A random input: (mx array of dtype `name`, numpy reference of the same values).

    Floats are uniform in [low, high); integers uniform in [low, high) clipped to the dtype's
    range; bools are fair coins. The reference is float64 for floats, the dtype itself
    otherwise."""
    shape = tuple(shape)
    if name == "bool":
        ref = g.random(shape) < 0.5
        ref = np.asarray(ref, dtype=np.bool_)
    elif is_float(name):
        ref = exact_values(g.uniform(low, high, shape), name)
    else:
        info = np.iinfo(NP_DTYPE[name])
        lo = max(int(math.ceil(low)), int(info.min))
        hi = min(int(math.ceil(high)), int(info.max) + 1)
        if hi <= lo:
            hi = lo + 1
        ref = np.asarray(g.integers(lo, hi, shape, dtype=NP_DTYPE[name]), dtype=NP_DTYPE[name])
    return to_mx(ref, name), ref


def to_numpy(a):
    """The values of an mx array as numpy: float64 for floats, the dtype itself otherwise.

    Goes through tolist() (not the buffer protocol) so that the ops tests do not depend on
    np.array(mx_array); the buffer protocol has its own tests."""
    name = name_of(a.dtype)
    vals = a.tolist()
    if is_float(name):
        return np.array(vals, dtype=np.float64).reshape(a.shape)
    return np.array(vals, dtype=NP_DTYPE[name]).reshape(a.shape)


def assert_dtype(a, name):
    assert a.dtype == dt(name), f"dtype {a.dtype!r}, expected {name}"


def assert_close(got, ref, name=None, rtol=None, atol=None, what=""):
    """Compares an mx array with a numpy reference: shape, then values (exact for ints/bools,
    with TOL[name] for floats; NaNs must match)."""
    assert isinstance(got, mx.array), f"{what}: got {type(got).__name__}, not an array"
    ref = np.asarray(ref)
    if name is None:
        name = name_of(got.dtype)
    assert tuple(got.shape) == tuple(ref.shape), f"{what}: shape {got.shape} != {ref.shape}"
    vals = to_numpy(got)
    if is_float(name):
        r, a = TOL[name]
        rtol = r if rtol is None else rtol
        atol = a if atol is None else atol
        np.testing.assert_allclose(
            vals, ref.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True,
            err_msg=f"{what} ({name}, seed {SEED})")
    else:
        np.testing.assert_array_equal(vals, ref.astype(vals.dtype), err_msg=f"{what} ({name}, seed {SEED})")


# ---------------------------------------------------------------- repr reference


def _fmt_item(v, name):
    if name == "bool":
        return "True" if bool(v) else "False"
    if not is_float(name):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.6g" % v


def ref_repr(values, name):
    """MLX's repr of an array holding `values` (numpy, any shape) of dtype `name`:
    'array(' body ', dtype=' name ')'; rows separated by ',\\n' + (7 + depth) spaces; a
    dimension longer than 6 shows its first 3 and last 3 items around '...'; floats as %.6g."""
    values = np.asarray(values)

    def sub(x, dim):
        n = x.shape[0]
        last = x.ndim == 1
        parts = []
        i = 0
        while i < n:
            if i == 3 and n > 6:
                parts.append("...")
                i = n - 3
                continue
            parts.append(_fmt_item(x[i], name) if last else sub(x[i], dim + 1))
            i += 1
        sep = ", " if last else ",\n" + " " * (7 + dim)
        return "[" + sep.join(parts) + "]"

    body = _fmt_item(values[()], name) if values.ndim == 0 else sub(values, 0)
    return f"array({body}, dtype={name})"


# ---------------------------------------------------------------- processes and timing


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def quiesce():
    """Drops garbage and waits for the default streams, so that memory figures are stable."""
    gc.collect()
    mx.synchronize(mx.cpu)
    if has_gpu():
        mx.synchronize(mx.gpu)


class Ticker:
    """A thread that sleeps 1 ms at a time and counts its wake-ups: it makes progress only
    while other threads let go of the GIL."""

    def __init__(self):
        self.ticks = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            time.sleep(0.001)
            self.ticks += 1

    def __enter__(self):
        self._t.start()
        time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        return False


def run_threads(n, target, timeout=60):
    """Runs target(i) on n threads started together; re-raises the first failure."""
    barrier = threading.Barrier(n)
    errors = [None] * n
    results = [None] * n

    def body(i):
        try:
            barrier.wait(timeout)
            results[i] = target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors[i] = e

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), f"a thread did not finish within {timeout} s (deadlock?)"
    for i, e in enumerate(errors):
        if e is not None:
            raise AssertionError(f"thread {i} failed: {type(e).__name__}: {e}") from e
    return results

