"""Error mapping: ValueError (bad argument, dtype or shape; float64 on the GPU), IndexError
(bad device, stream or axis index), TypeError (wrong kind of argument), MemoryError (out of
memory), RuntimeError (the rest), each with its message; errors are per thread, and after any
of them the process keeps working."""

import gc
import os
import threading
import time

import numpy as np
import pytest

import wx
from wx import mx

# (call, exception, pattern matching both MLX's and weir's message)
VALUE_ERRORS = {
    "reshape": (lambda: mx.reshape(mx.zeros((2, 3)), (4, 2)), "(?i)reshape.*size 6"),
    "broadcast": (lambda: mx.add(mx.zeros((2, 3)), mx.zeros((4,))), "(?i)broadcast"),
    "matmul shapes": (lambda: mx.matmul(mx.zeros((2, 3)), mx.zeros((2, 3))), "(?i)last dimension"),
    "matmul ints": (lambda: mx.matmul(mx.zeros((2, 2), dtype=mx.int32), mx.zeros((2, 2), dtype=mx.int32)),
                    "(?i)matmul"),
    "negative dimension": (lambda: mx.zeros((-1, 2)), "(?i)negative"),
    "arange step": (lambda: mx.arange(0, 3, 0), "(?i)step"),
    "normal of ints": (lambda: mx.random.normal((2,), dtype=mx.int32), "(?i)floating point"),
    "uniform of ints": (lambda: mx.random.uniform(shape=(2,), dtype=mx.int32), "(?i)floating point"),
    "negative of bool": (lambda: mx.negative(mx.array([True])), "(?i)logical_not"),
    "max of nothing": (lambda: mx.max(mx.zeros((0,))), "(?i)max"),
    "transpose repeats": (lambda: mx.transpose(mx.zeros((2, 3)), (1, 1)), "(?i)repeat"),
    "duplicate axes": (lambda: mx.sum(mx.zeros((2, 3)), axis=(1, 1)), "(?i)duplicate"),
    "ragged list": (lambda: mx.array([[1, 2], [3]]), None),
    "item of many": (lambda: mx.array([1, 2]).item(), None),
    "item of none": (lambda: mx.zeros((0,)).item(), None),
    "bool of many": (lambda: bool(mx.array([1, 2])), None),
    "random key shape": (lambda: mx.random.normal((2,), key=mx.array([1, 2, 3], dtype=mx.uint32)), "(?i)key"),
}

INDEX_ERRORS = {
    "sum axis": (lambda: mx.sum(mx.zeros((2, 3)), axis=2), "(?i)axis 2"),
    "mean axis": (lambda: mx.mean(mx.zeros((2, 3)), axis=-3), "(?i)axis -3"),
    "argmax axis": (lambda: mx.argmax(mx.zeros((2, 3)), axis=5), "(?i)axis 5"),
    "transpose axis": (lambda: mx.transpose(mx.zeros((2, 3)), (0, 2)), "(?i)axis"),
    "0-d axis": (lambda: mx.sum(mx.array(1.0), axis=0), "(?i)axis 0"),
}

TYPE_ERRORS = {
    "stream str": lambda: mx.add(mx.array([1]), 1, stream="cpu"),
    "stream float": lambda: mx.zeros((2,), stream=2.5),
    "dtype str": lambda: mx.zeros((2,), dtype="float32"),
    "dtype numpy": lambda: mx.ones((2,), dtype=np.float32),
    "astype str": lambda: mx.array([1]).astype("int32"),
    "set_default_device str": lambda: mx.set_default_device("gpu"),
    "default_stream str": lambda: mx.default_stream("cpu"),
    "set_default_stream device": lambda: mx.set_default_stream(mx.cpu),
    "new_stream str": lambda: mx.new_stream("cpu"),
    "len 0-d": lambda: len(mx.array(1.0)),
    "add None": lambda: mx.array([1.0]) + None,
    "seed float": lambda: mx.random.seed(0.5),
    "array None": lambda: mx.array(None),
    "eval keyword": lambda: mx.eval(mx.array(1), stream=mx.cpu),
    "reshape str": lambda: mx.reshape(mx.zeros((2,)), "ab"),
}


@pytest.mark.parametrize("case", list(VALUE_ERRORS))
def test_value_errors(case):
    call, pattern = VALUE_ERRORS[case]
    with pytest.raises(ValueError, match=pattern):
        mx.eval(call())
    assert mx.add(mx.array([1]), 1).item() == 2  # and work goes on


@pytest.mark.parametrize("case", list(INDEX_ERRORS))
def test_index_errors(case):
    call, pattern = INDEX_ERRORS[case]
    with pytest.raises(IndexError, match=pattern):
        mx.eval(call())
    assert mx.add(mx.array([1]), 1).item() == 2


@pytest.mark.parametrize("case", list(TYPE_ERRORS))
def test_type_errors(case):
    with pytest.raises(TypeError):
        TYPE_ERRORS[case]()
    assert mx.add(mx.array([1]), 1).item() == 2


@pytest.mark.weir_only  # MLX: RuntimeError "std::bad_cast" / ValueError "Invalid type str ..."
@pytest.mark.parametrize("call", [
    lambda: mx.zeros("abc"),
    lambda: mx.zeros((2.0, 3)),
    lambda: mx.ones([None]),
    lambda: mx.add(mx.array([1.0]), "x"),
    lambda: mx.sum(mx.zeros((2, 3)), axis="0"),
    lambda: mx.random.normal((2,), key=[1, 2]),
], ids=["shape str", "shape float", "shape None", "add str", "axis str", "key list"])
def test_wrong_kinds_are_type_errors(call):
    with pytest.raises(TypeError):
        call()


# ------------------------------------------------------------------ weir's messages


@pytest.mark.weir_only  # MLX: IndexError "vector::_M_range_check: __n (which is 1) >= ..."
def test_device_index_message():
    with pytest.raises(IndexError, match=r"Device\(cpu, 1\) does not exist: the cpu is Device\(cpu, 0\)"):
        mx.zeros((2,), stream=mx.Device(mx.cpu, 1))
    n = wx.gpu_count()
    if n == 0:
        msg = r"Device\(gpu, 3\) does not exist: this machine has no GPU"
    else:
        msg = rf"Device\(gpu, {n + 2}\) does not exist: this machine has {n} GPU"
    with pytest.raises(IndexError, match=msg):
        mx.default_stream(mx.Device(mx.gpu, n + 2 if n else 3))


@pytest.mark.weir_only  # the C library's message, naming the fix
def test_memory_limit_message():
    wx.quiesce()
    prev = mx.set_memory_limit(mx.get_active_memory() + 1024)
    try:
        x = mx.zeros((1 << 20,), stream=mx.cpu)
        with pytest.raises(MemoryError, match=r"would pass the memory limit.*set_memory_limit"):
            mx.eval(x)
    finally:
        mx.set_memory_limit(prev)
    assert mx.sum(mx.ones((1 << 20,), stream=mx.cpu)).item() == float(1 << 20)


@pytest.mark.weir_only  # mx.start_capture / mx.stop_capture are weir's (MLX has mx.metal's)
def test_runtime_error_for_the_rest(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system to make a write fail")
    mx.start_capture("/dev/full")
    try:
        mx.eval(mx.add(mx.ones((100,)), 1.0))
    except BaseException:
        mx.stop_capture()
        raise
    with pytest.raises(RuntimeError, match="writing capture file '/dev/full' failed"):
        mx.stop_capture()
    # the failure is over: a new capture works
    path = tmp_path / "ok.json"
    mx.start_capture(str(path))
    mx.stop_capture()
    assert path.exists()


@pytest.mark.weir_only  # async errors come from eval/synchronize/item only, never an unrelated call
def test_async_errors_are_reported_only_where_they_belong():
    wx.quiesce()
    s = mx.new_stream(mx.cpu)
    prev = mx.set_memory_limit(mx.get_active_memory() + 1024)
    try:
        big = mx.ones((1 << 20,), stream=s)
        try:
            mx.async_eval(big)
        except MemoryError:
            pass  # reporting at async_eval is fine too
        small = mx.add(mx.array([1, 2]), 1, stream=s)
        assert small.tolist() == [2, 3]  # unrelated work on the same stream
        assert mx.multiply(mx.array([2.0]), 2.0).item() == 4.0  # and on another
        mx.eval(small)
        try:
            mx.synchronize(s)  # synchronize may report the stream's failure
        except MemoryError:
            pass
        assert mx.add(small, 1, stream=s).tolist() == [3, 4]
        with pytest.raises(MemoryError):
            mx.eval(big)
        with pytest.raises(MemoryError):
            big.tolist()
    finally:
        mx.set_memory_limit(prev)
    del big
    gc.collect()


# ------------------------------------------------------------------ errors are per thread


def test_each_thread_gets_its_own_error():
    def body(i):
        n = i + 2
        a = mx.zeros((n, 3))
        for _ in range(20):
            try:
                mx.reshape(a, (5 * n + 1,))
            except ValueError as e:
                assert f"size {3 * n}" in str(e), str(e)
            else:
                raise AssertionError("no error")
            assert mx.reshape(a, (3 * n,)).shape == (3 * n,)
        return True

    assert all(wx.run_threads(8, body))


def test_an_error_in_one_thread_leaves_the_others_alone():
    stop = threading.Event()
    results, failures = [], []

    def worker():
        x = np.arange(100, dtype=np.float32)
        try:
            while not stop.is_set():
                results.append(mx.sum(mx.multiply(mx.array(x), 2.0)).item())
        except BaseException as e:  # noqa: BLE001 - reported below
            failures.append(e)

    t = threading.Thread(target=worker)
    t.start()
    errors = 0
    try:
        deadline = time.monotonic() + 20
        while (errors < 50 or len(results) < 50) and time.monotonic() < deadline and not failures:
            with pytest.raises(ValueError):
                mx.reshape(mx.zeros((2, 3)), (7,))
            errors += 1
    finally:
        stop.set()
        t.join(30)
    assert not failures, failures
    assert len(results) >= 50 and errors >= 50
    assert all(r == 9900.0 for r in results)
