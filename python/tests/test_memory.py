"""Memory functions: get_active_memory, get_peak_memory, reset_peak_memory, get_cache_memory,
clear_cache, set_memory_limit, set_cache_limit; weir's exact figures; out of memory as a
MemoryError at eval, after which work goes on."""

import gc

import numpy as np
import pytest

import wx
from wx import mx

N = 1 << 16  # 256 KiB of float32: a size no caching allocator needs to round


def _settle():
    wx.quiesce()
    mx.clear_cache()


def test_functions_return_ints():
    for f in (mx.get_active_memory, mx.get_peak_memory, mx.get_cache_memory):
        v = f()
        assert isinstance(v, int) and v >= 0
    assert mx.reset_peak_memory() is None
    assert mx.clear_cache() is None


def test_active_memory_grows_with_an_evaluated_array(device):
    _settle()
    base = mx.get_active_memory()
    a = mx.add(mx.zeros((N,), stream=device), 1.0, stream=device)
    mx.eval(a)
    assert mx.get_active_memory() - base >= 4 * N
    assert mx.get_peak_memory() >= base + 4 * N
    del a
    gc.collect()
    assert mx.get_active_memory() - base < 4 * N


def test_reset_peak_memory():
    a = mx.ones((N,))
    mx.eval(a)
    assert mx.get_peak_memory() >= 4 * N
    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0
    b = mx.multiply(a, 2.0)
    mx.eval(b)
    assert mx.get_peak_memory() >= 4 * N
    del a, b


def test_clear_cache_empties_the_cache():
    a = mx.ones((N,))
    mx.eval(a)
    del a
    gc.collect()
    mx.clear_cache()
    assert mx.get_cache_memory() == 0


def test_set_memory_limit_returns_the_previous_value():
    first = mx.set_memory_limit(123456789)
    try:
        assert isinstance(first, int) and first > 0
        assert mx.set_memory_limit(987654321) == 123456789
    finally:
        assert mx.set_memory_limit(first) == 987654321
    assert mx.set_memory_limit(first) == first


def test_set_cache_limit_returns_the_previous_value():
    first = mx.set_cache_limit(1 << 20)
    try:
        assert isinstance(first, int) and first >= 0
        assert mx.set_cache_limit(0) == 1 << 20
    finally:
        assert mx.set_cache_limit(first) == 0


def test_cache_limit_zero_keeps_nothing():
    prev = mx.set_cache_limit(0)
    try:
        _settle()
        a = mx.ones((N,))
        mx.eval(a)
        del a
        gc.collect()
        assert mx.get_cache_memory() == 0
    finally:
        mx.set_cache_limit(prev)


# ------------------------------------------------------------------ weir's exact figures


@pytest.mark.weir_only  # MLX also holds small scalar buffers (e.g. 4 bytes for a lazy zeros)
@pytest.mark.parametrize("n", [N, 4 * N, 1 << 20])
def test_exact_figures(device, n):
    _settle()
    assert mx.get_cache_memory() == 0
    a0 = mx.get_active_memory()
    a = mx.zeros((n,), dtype=mx.float32, stream=device)
    assert mx.get_active_memory() == a0  # lazy: nothing yet
    mx.eval(a)
    assert mx.get_active_memory() == a0 + 4 * n
    assert mx.get_peak_memory() >= a0 + 4 * n

    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0
    b = mx.ones((n,), dtype=mx.float32, stream=device)
    mx.eval(b)
    assert mx.get_active_memory() == a0 + 8 * n
    assert mx.get_peak_memory() == a0 + 8 * n

    del a
    gc.collect()
    assert mx.get_active_memory() == a0 + 4 * n
    assert mx.get_cache_memory() == 4 * n  # the freed block is cached
    del b
    gc.collect()
    assert mx.get_active_memory() == a0
    assert mx.get_cache_memory() == 8 * n
    assert mx.get_peak_memory() == a0 + 8 * n  # frees do not lower the peak

    c = mx.zeros((n,), dtype=mx.int32, stream=device)  # reuses a cached block
    mx.eval(c)
    assert mx.get_active_memory() == a0 + 4 * n
    assert mx.get_cache_memory() == 4 * n
    del c
    gc.collect()
    mx.clear_cache()
    assert mx.get_cache_memory() == 0
    assert mx.get_active_memory() == a0


@pytest.mark.weir_only  # exact: size * itemsize
@pytest.mark.parametrize("name", ["bool", "int8", "float16", "bfloat16", "uint32", "int64", "float64"])
def test_exact_figures_per_dtype(name):
    _settle()
    a0 = mx.get_active_memory()
    a = mx.zeros((N,), dtype=wx.dt(name), stream=mx.cpu)
    mx.eval(a)
    assert mx.get_active_memory() == a0 + N * wx.ITEMSIZE[name]
    del a
    gc.collect()
    assert mx.get_active_memory() == a0


@pytest.mark.weir_only
def test_array_from_numpy_holds_its_copy(rng):
    _settle()
    a0 = mx.get_active_memory()
    x = rng.standard_normal(N).astype(np.float32)
    a = mx.array(x)
    mx.eval(a)
    assert mx.get_active_memory() == a0 + 4 * N
    del a
    gc.collect()
    assert mx.get_active_memory() == a0


@pytest.mark.weir_only
def test_cache_limit_is_respected():
    _settle()
    prev = mx.set_cache_limit(6 * N)
    try:
        a = mx.zeros((N,), stream=mx.cpu)
        b = mx.zeros((N,), stream=mx.cpu)
        mx.eval(a, b)
        del a, b
        gc.collect()
        assert mx.get_cache_memory() == 4 * N  # the second block would pass 6N
    finally:
        assert mx.set_cache_limit(prev) == 6 * N
    mx.clear_cache()


@pytest.mark.weir_only  # MLX on the CPU treats the limit as a guideline and allocates anyway
def test_out_of_memory_is_a_memory_error_at_eval_and_work_goes_on():
    _settle()
    s2 = mx.new_stream(mx.cpu)
    one = mx.array(1.0)
    mx.eval(one)
    a0 = mx.get_active_memory()
    prev = mx.set_memory_limit(a0 + 4096)
    try:
        big = mx.ones((1 << 20,), stream=mx.cpu)  # 4 MiB: building the graph is fine
        dep = mx.add(big, one, stream=s2)  # dependent, on another stream
        red = mx.sum(dep, stream=mx.cpu)  # small output of a poisoned input
        with pytest.raises(MemoryError, match="(?i)memory"):
            mx.eval(big)
        with pytest.raises(MemoryError, match="(?i)memory"):
            mx.eval(dep)
        with pytest.raises(MemoryError, match="(?i)memory"):
            red.item()
        with pytest.raises(MemoryError):
            np.array(dep)
        assert mx.get_active_memory() == a0
        # under the limit, on both streams, work still runs
        small = mx.add(mx.full((10,), 2.5, stream=mx.cpu), one, stream=s2)
        assert small.tolist() == [3.5] * 10
        mx.synchronize(s2)
    finally:
        assert mx.set_memory_limit(prev) == a0 + 4096
    # the next computation under the restored limit works, the big one included
    big2 = mx.ones((1 << 20,), stream=mx.cpu)
    assert mx.sum(big2).item() == float(1 << 20)
    del big, dep, red, big2


@pytest.mark.weir_only
def test_out_of_memory_on_a_huge_request():
    # far beyond any machine: the allocator itself fails (no limit involved)
    x = mx.zeros((1 << 50,), dtype=mx.uint8, stream=mx.cpu)
    with pytest.raises(MemoryError):
        mx.eval(x)
    assert mx.add(mx.array([1, 2]), 1).tolist() == [2, 3]
