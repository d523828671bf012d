"""GPU: arrays computed on a GPU read on the host (item, tolist, repr, numpy, buffer protocol),
CPU -> GPU -> CPU chains across streams, float64 refused on GPU streams, the placement rules
with one and two GPUs, device_info, threads on GPU streams. Every test here skips without a GPU
("no GPU: weir sees 0 CUDA devices")."""

import os
import time

import numpy as np
import pytest

import wx
from wx import mx

F64 = "float64 is not supported on the GPU"


@pytest.fixture(autouse=True)
def _need_gpu():
    wx.require_gpu()


def test_gpu_is_available_everywhere():
    assert mx.is_available(mx.gpu)
    assert mx.device_count(mx.gpu) >= 1
    assert mx.cuda.is_available() is True
    assert mx.metal.is_available() is False
    s = mx.default_stream(mx.gpu)
    assert s.device == mx.Device(mx.gpu, 0)


def test_default_device_is_the_gpu():
    if os.environ.get("WEIR_DEVICE") == "cpu":
        pytest.skip("WEIR_DEVICE=cpu makes the cpu the default")
    assert mx.default_device() == mx.Device(mx.gpu, 0)
    a = mx.add(mx.array([1, 2, 3]), 1)
    assert mx.default_stream(mx.default_device()).device == mx.gpu
    assert a.tolist() == [2, 3, 4]


@pytest.mark.parametrize("name", ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32"])
def test_gpu_results_read_on_the_host(rng, name):
    a, ra = wx.rand(rng, (5, 7), name, -50, 50)
    g = mx.maximum(a, a, stream=mx.gpu)  # computed on the GPU
    wx.assert_close(g, ra, name, rtol=0, atol=0)
    assert repr(g) == wx.ref_repr(ra, name)
    assert g[2, 3].item() == ra[2, 3].item()
    assert bool(g[0, 0]) == bool(ra[0, 0])
    if name != "bfloat16":
        n = np.array(g)
        assert n.dtype == wx.NP_DTYPE[name]
        np.testing.assert_array_equal(n, ra.astype(wx.NP_DTYPE[name]))
    if name in ("int32", "float32"):
        assert memoryview(g).tolist() == ra.astype(wx.NP_DTYPE[name]).tolist()


def test_numpy_of_a_lazy_gpu_array(rng):
    x = rng.standard_normal((300, 200)).astype(np.float32)
    with mx.stream(mx.gpu):
        y = mx.transpose(mx.exp(mx.multiply(mx.array(x), 0.5)))
    n = np.array(y)  # evaluates on the GPU and copies back
    assert n.shape == (200, 300) and n.dtype == np.float32
    np.testing.assert_allclose(n, np.exp(x.astype(np.float64) * 0.5).T, rtol=1e-5)


def test_large_gpu_ops(rng):
    n = 1 << 20
    x = rng.uniform(0.5, 2.0, n).astype(np.float32)
    y = rng.uniform(-1.0, 1.0, n).astype(np.float32)
    a, b = mx.array(x), mx.array(y)
    s = mx.sum(mx.multiply(mx.log(a, stream=mx.gpu), b, stream=mx.gpu), stream=mx.gpu)
    ref = float(np.sum(np.log(x.astype(np.float64)) * y))
    assert s.item() == pytest.approx(ref, rel=1e-3, abs=1e-2)
    m = mx.argmax(mx.add(a, b, stream=mx.gpu), stream=mx.gpu)
    assert m.item() == int(np.argmax(x.astype(np.float32) + y))


def test_cpu_gpu_cpu_chain_across_streams(rng):
    c1, c2 = mx.new_stream(mx.cpu), mx.new_stream(mx.cpu)
    g1, g2 = mx.new_stream(mx.gpu), mx.new_stream(mx.gpu)
    x = rng.standard_normal((64, 48)).astype(np.float32)
    w = rng.standard_normal((48, 32)).astype(np.float32)
    a = mx.multiply(mx.array(x), 2.0, stream=c1)  # cpu
    b = mx.matmul(a, mx.array(w), stream=g1)  # gpu, input from the cpu
    c = mx.tanh(b, stream=g2)  # gpu, another stream
    d = mx.sum(mx.add(c, a[:, :32], stream=c2), axis=0, stream=c2)  # back on the cpu, mixed inputs
    e = mx.multiply(d, 3.0, stream=g1)  # and to the gpu again
    mx.eval(e)
    rb = (x.astype(np.float64) * 2) @ w
    rd = (np.tanh(rb) + x[:, :32] * 2).sum(axis=0)
    np.testing.assert_allclose(np.array(d), rd, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.array(e), rd * 3, rtol=1e-4, atol=1e-4)


def test_mixed_device_inputs(rng):
    x = rng.standard_normal(1000).astype(np.float32)
    on_cpu = mx.add(mx.array(x), 1.0, stream=mx.cpu)
    on_gpu = mx.multiply(mx.array(x), 2.0, stream=mx.gpu)
    for s in (mx.cpu, mx.gpu, mx.new_stream(mx.cpu), mx.new_stream(mx.gpu)):
        r = mx.subtract(on_gpu, on_cpu, stream=s)
        np.testing.assert_allclose(np.array(r), x.astype(np.float64) - 1.0, rtol=1e-5, atol=1e-6,
                                   err_msg=f"stream={s!r}")


def test_synchronize_gpu_streams(rng):
    s = mx.new_stream(mx.gpu)
    x = rng.standard_normal((512, 512)).astype(np.float32)
    y = mx.matmul(mx.array(x), mx.array(x), stream=s)
    mx.async_eval(y)
    mx.synchronize(s)
    mx.synchronize(mx.gpu)
    mx.synchronize()
    np.testing.assert_allclose(np.array(y), x.astype(np.float64) @ x, rtol=1e-3, atol=1e-3)


# ------------------------------------------------------------------ float64


@pytest.mark.parametrize("stream_form", ["type", "device", "stream", "new_stream"])
@pytest.mark.parametrize("op", ["astype", "add", "zeros", "arange", "normal", "matmul", "sum", "exp"])
def test_float64_on_a_gpu_stream_is_a_value_error(stream_form, op):
    s = {"type": mx.gpu, "device": mx.Device(mx.gpu, 0), "stream": mx.default_stream(mx.gpu),
         "new_stream": mx.new_stream(mx.gpu)}[stream_form]
    f64 = mx.array(np.ones((4, 4)), dtype=mx.float64)
    calls = {
        "astype": lambda: mx.astype(mx.ones((4,)), mx.float64, stream=s),
        "add": lambda: mx.add(f64, f64, stream=s),
        "zeros": lambda: mx.zeros((4,), dtype=mx.float64, stream=s),
        "arange": lambda: mx.arange(4, dtype=mx.float64, stream=s),
        "normal": lambda: mx.random.normal((4,), dtype=mx.float64, stream=s),
        "matmul": lambda: mx.matmul(f64, f64, stream=s),
        "sum": lambda: mx.sum(f64, stream=s),
        "exp": lambda: mx.exp(f64, stream=s),
    }
    with pytest.raises(ValueError, match=F64):
        mx.eval(calls[op]())
    # and the GPU stream goes on working
    assert mx.add(mx.array([1.0]), 1.0, stream=s).item() == 2.0


@pytest.mark.weir_only  # DESIGN: the error comes from the call itself, and says how to fix it
def test_float64_is_refused_at_the_call():
    with pytest.raises(ValueError, match=F64 + "; run this op on the CPU with stream=mx.cpu"):
        mx.astype(mx.ones((4,)), mx.float64, stream=mx.gpu)
    with pytest.raises(ValueError, match=F64):
        mx.zeros((4,), dtype=mx.float64, stream=mx.gpu)


@pytest.mark.weir_only  # seed 004: with the GPU as default, float64 work with no stream runs on the CPU
def test_float64_without_a_stream_goes_to_the_cpu():
    mx.set_default_device(mx.gpu)
    with mx.default_device(mx.cpu):
        x = mx.ones((1024, 1024))
    y64 = mx.sum(x.astype(mx.float64), stream=mx.cpu)
    assert y64.dtype == mx.float64 and y64.item() == 1024.0 * 1024.0
    z = mx.add(mx.ones((8,), dtype=mx.float64), 1.0)  # no stream named: on the cpu
    assert z.tolist() == [2.0] * 8
    f32 = mx.add(mx.ones((8,)), 1.0)  # float32 work stays on the GPU
    assert f32.tolist() == [2.0] * 8


# ------------------------------------------------------------------ placement with one or two GPUs


@pytest.mark.weir_only  # MLX does not validate device indices
def test_one_past_the_last_gpu_is_an_index_error():
    n = wx.gpu_count()
    plural = "" if n == 1 else "s"
    with pytest.raises(IndexError, match=rf"Device\(gpu, {n}\) does not exist: this machine has {n} GPU{plural}"):
        mx.default_stream(mx.Device(mx.gpu, n))
    with pytest.raises(IndexError, match=rf"Device\(gpu, {n}\) does not exist"):
        mx.add(mx.array([1.0]), 1.0, stream=mx.Device(mx.gpu, n))


def test_default_stream_of_each_gpu_is_on_that_gpu():
    for k in range(wx.gpu_count()):
        d = mx.Device(mx.gpu, k)
        s = mx.default_stream(d)
        assert s.device == d, f"default stream of {d!r} is on {s.device!r}"
        n = mx.new_stream(d)
        assert n.device == d


def test_two_gpus_pass_data_between_them(rng):
    wx.require_gpu(2)
    g0, g1 = mx.Device(mx.gpu, 0), mx.Device(mx.gpu, 1)
    x = rng.standard_normal((256, 256)).astype(np.float32)
    a = mx.matmul(mx.array(x), mx.array(x), stream=g0)
    b = mx.tanh(a, stream=g1)  # gpu:0's output consumed on gpu:1
    c = mx.add(b, a, stream=mx.new_stream(g1))  # both inputs, one from each GPU
    d = mx.sum(c, axis=0, stream=mx.cpu)
    ra = x.astype(np.float64) @ x
    np.testing.assert_allclose(np.array(d), (np.tanh(ra) + ra).sum(axis=0), rtol=1e-3, atol=1e-2)
    with mx.stream(g1):
        assert mx.default_device() == g1
        e = mx.multiply(a, 2.0)
    np.testing.assert_allclose(np.array(e), ra * 2, rtol=1e-4, atol=1e-3)


def test_set_default_device_second_gpu():
    wx.require_gpu(2)
    g1 = mx.Device(mx.gpu, 1)
    mx.set_default_device(g1)
    assert mx.default_device() == g1
    assert mx.default_stream(mx.default_device()).device == g1
    assert mx.add(mx.array([1, 2]), 1).tolist() == [2, 3]


# ------------------------------------------------------------------ device info, threads, memory


def test_device_info_gpu():
    info = mx.device_info(mx.gpu)
    assert isinstance(info, dict)
    assert isinstance(info.get("device_name"), str) and info["device_name"]
    mx.set_default_device(mx.gpu)
    assert mx.device_info()["device_name"] == info["device_name"]


@pytest.mark.weir_only  # DESIGN's list of keys
def test_device_info_gpu_keys():
    for k in range(wx.gpu_count()):
        info = mx.device_info(mx.Device(mx.gpu, k))
        for key in ("device_name", "architecture", "uuid", "pci_bus_id"):
            assert isinstance(info.get(key), str) and info[key], (key, info)
        for key in ("total_memory", "free_memory", "compute_capability_major", "compute_capability_minor",
                    "multiprocessor_count"):
            assert isinstance(info.get(key), int), (key, info)
        assert 0 < info["free_memory"] <= info["total_memory"]
        assert info["compute_capability_major"] >= 1 and info["multiprocessor_count"] >= 1


def _gpu_work(i, stream):
    g = wx.rng("gpu-thread", i)
    x = g.standard_normal((128, 64)).astype(np.float32)
    for r in range(4):
        y = mx.sum(mx.exp(mx.multiply(mx.array(x), 0.1, stream=stream), stream=stream), axis=0, stream=stream)
        np.testing.assert_allclose(np.array(y), np.exp(x.astype(np.float64) * 0.1).sum(axis=0), rtol=1e-4,
                                   err_msg=f"thread {i} round {r}")
    return i


def test_threads_on_their_own_gpu_streams():
    assert wx.run_threads(8, lambda i: _gpu_work(i, mx.new_stream(mx.gpu))) == list(range(8))


@pytest.mark.weir_only  # MLX: streams belong to their thread
def test_threads_on_one_shared_gpu_stream():
    s = mx.new_stream(mx.gpu)
    assert wx.run_threads(8, lambda i: _gpu_work(i, s)) == list(range(8))


@pytest.mark.weir_only  # MLX: streams belong to their thread
def test_threads_mixing_cpu_and_gpu_streams():
    cs = [mx.new_stream(mx.cpu) for _ in range(4)]
    gs = [mx.new_stream(mx.gpu) for _ in range(4)]

    def body(i):
        x = wx.rng("mix", i).standard_normal((100,)).astype(np.float32)
        a = mx.multiply(mx.array(x), 2.0, stream=cs[i % 4])
        b = mx.add(a, 1.0, stream=gs[(i + 1) % 4])
        c = mx.sum(b, stream=cs[(i + 2) % 4])
        assert c.item() == pytest.approx(float((x.astype(np.float64) * 2 + 1).sum()), rel=1e-5, abs=1e-4)
        return i

    assert wx.run_threads(8, body) == list(range(8))


def test_gil_is_released_while_the_gpu_works():
    g = wx.rng("gpu-gil")
    # ~5 TFLOP: about 0.1 s on an H100 or H200, long enough to watch another thread run.
    a = mx.array((g.standard_normal((4096, 4096)) / 64).astype(np.float32))
    mx.eval(a)
    x = a
    for _ in range(40):
        x = mx.tanh(mx.matmul(x, a, stream=mx.gpu), stream=mx.gpu)
    with wx.Ticker() as ticker:
        c0 = ticker.ticks
        t0 = time.perf_counter()
        mx.eval(x)
        dt = time.perf_counter() - t0
    if dt < 0.02:
        pytest.skip(f"the GPU finished in {dt * 1000:.1f} ms: too fast to measure the GIL")
    assert ticker.ticks - c0 >= max(3, 0.1 * dt / 0.001)


@pytest.mark.weir_only  # per-device figures add up; exact bytes
def test_gpu_memory_figures():
    wx.quiesce()
    mx.clear_cache()
    a0 = mx.get_active_memory()
    n = 1 << 18
    a = mx.ones((n,), stream=mx.gpu)
    mx.eval(a)
    assert mx.get_active_memory() == a0 + 4 * n
    b = mx.astype(a, mx.float16, stream=mx.cpu)  # copied to the host and converted there
    mx.eval(b)
    assert mx.get_active_memory() >= a0 + 4 * n + 2 * n
    del a, b
    wx.quiesce()
    assert mx.get_active_memory() == a0
