"""Reference counting is exact: creating and dropping arrays a million times holds flat memory
(RSS from /proc/self/statm and mx.get_active_memory()); no Python object leaks a reference
through the module's functions, attributes or error paths."""

import gc
import sys
import time

import numpy as np
import pytest

import wx
from wx import mx

MB = 1 << 20


def _flat(loop, warm, n, slack_mb, what):
    """Runs loop(k) for `warm` then `n` iterations; RSS and active memory must not grow."""
    loop(warm)
    gc.collect()
    wx.quiesce()
    r0, m0 = wx.rss_bytes(), mx.get_active_memory()
    t0 = time.perf_counter()
    loop(n)
    dt = time.perf_counter() - t0
    gc.collect()
    wx.quiesce()
    r1, m1 = wx.rss_bytes(), mx.get_active_memory()
    assert m1 == m0, f"{what}: active memory {m0} -> {m1} after {n} iterations"
    assert r1 - r0 < slack_mb * MB, f"{what}: RSS grew {(r1 - r0) / MB:.1f} MiB over {n} iterations ({dt:.1f} s)"
    return dt


def test_a_million_arrays_hold_flat_memory():
    x = mx.array([1.0, 2.0, 3.0])
    mx.eval(x)

    def loop(n):
        for i in range(n):
            a = mx.array(float(i))  # created, then dropped on the next iteration
            b = mx.multiply(x, a)  # a lazy node holding both
            del a, b

    # 1M iterations; a leak of even 16 bytes each would be 16 MB
    dt = _flat(loop, 100_000, 1_000_000, 12, "array + lazy op")
    assert dt < 20, f"a million iterations took {dt:.1f} s"


def test_evaluated_arrays_hold_flat_memory():
    x = mx.array(np.arange(64, dtype=np.float32))
    mx.eval(x)

    def loop(n):
        for i in range(n):
            y = mx.add(x, float(i))
            mx.eval(y)
            del y

    _flat(loop, 5_000, 40_000, 8, "eval")


def test_accessors_hold_flat_memory():
    x = mx.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    mx.eval(x)

    def loop(n):
        for _ in range(n):
            _ = (x.shape, x.dtype, x.ndim, x.size, x.nbytes, x.itemsize, len(x), x[1, 2].item(), x.tolist(),
                 repr(x), np.array(x), x[0], x.astype(mx.int32), mx.default_device(), mx.default_stream(mx.cpu))

    _flat(loop, 5_000, 40_000, 8, "accessors")


def test_errors_hold_flat_memory():
    x = mx.zeros((2, 3))

    def loop(n):
        for _ in range(n):
            try:
                mx.reshape(x, (4, 2))
            except ValueError:
                pass
            try:
                mx.add(x, 1, stream="cpu")
            except TypeError:
                pass
            try:
                mx.sum(x, axis=3)
            except IndexError:
                pass

    _flat(loop, 10_000, 60_000, 8, "errors")


def test_eval_of_trees_holds_flat_memory():
    def loop(n):
        for i in range(n):
            a = mx.add(mx.array([float(i)]), 1.0)
            mx.eval([a, {"k": (a, 3)}], "x")
            mx.async_eval(a)
            del a

    _flat(loop, 2_000, 20_000, 8, "eval of trees")


def test_singletons_keep_their_reference_counts():
    s = mx.new_stream(mx.cpu)
    d = mx.Device(mx.cpu, 0)
    x = mx.array([1.0, 2.0])
    objs = [mx.float32, mx.int32, mx.bool_, mx.cpu, mx.gpu, d, s, x]
    before = [sys.getrefcount(o) for o in objs]
    for _ in range(5000):
        y = mx.add(x, 1, stream=s)
        y = mx.multiply(y, 2, stream=mx.cpu).astype(mx.int32, stream=d)
        z = mx.zeros((2,), dtype=mx.float32, stream=s) + mx.ones((2,), mx.bool_)
        _ = (y.dtype, z.dtype, s.device, d.type, x.dtype == mx.float32)
        mx.eval(y, z)
    del y, z, _
    gc.collect()
    after = [sys.getrefcount(o) for o in objs]
    assert after == before, list(zip(map(repr, objs), before, after))


def test_inputs_are_released():
    lst = [[1.0, 2.0], [3.0, 4.0]]
    n = np.ones((3, 3), dtype=np.float32)
    key = mx.random.key(3)
    refs = [sys.getrefcount(o) for o in (lst, n, key)]
    for _ in range(1000):
        a = mx.array(lst)
        b = mx.array(n)
        c = mx.random.normal((2,), key=key)
        d = mx.add(b, b)
        mx.eval(a, c, d)
        np.array(d)
    del a, b, c, d
    gc.collect()
    assert [sys.getrefcount(o) for o in (lst, n, key)] == refs


def test_arrays_are_freed_when_dropped():
    wx.quiesce()
    m0 = mx.get_active_memory()
    arrs = [mx.add(mx.zeros((1000,)), float(i)) for i in range(50)]
    mx.eval(arrs)
    assert mx.get_active_memory() >= m0 + 50 * 4000
    del arrs
    gc.collect()
    assert mx.get_active_memory() == m0


@pytest.mark.parametrize("kind", ["cpu", "gpu"])
def test_gpu_and_cpu_buffers_are_freed(kind):
    dev = wx.device(kind)
    wx.quiesce()
    m0 = mx.get_active_memory()
    for i in range(200):
        a = mx.multiply(mx.ones((4096,), stream=dev), float(i), stream=dev)
        assert a[5].item() == float(i)
        del a
    gc.collect()
    wx.quiesce()
    assert mx.get_active_memory() == m0
