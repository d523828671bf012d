"""Streams: Stream, default_stream / set_default_stream, new_stream, stream() / StreamContext,
synchronize, eval / async_eval on trees, clear_streams, and the seeds' extra forms."""

import re
import threading

import numpy as np
import pytest

import wx
from wx import mx

STREAM_RE = r"Stream\(Device\((cpu|gpu), (\d+)\), (\d+)\)"


def test_default_stream_prints_like_mlx():
    s = mx.default_stream(mx.cpu)
    assert isinstance(s, mx.Stream)
    m = re.fullmatch(STREAM_RE, repr(s))
    assert m, repr(s)
    assert m.group(1) == "cpu" and m.group(2) == "0"
    assert str(s) == repr(s)
    assert s.device == mx.Device(mx.cpu, 0)
    assert s.device == mx.cpu


def test_default_stream_accepts_device_or_type():
    a = mx.default_stream(mx.cpu)
    b = mx.default_stream(mx.Device(mx.cpu, 0))
    assert a == b
    assert mx.default_stream(mx.cpu) == a  # stable
    assert repr(a) == repr(b)


def test_new_stream_is_a_new_stream():
    d = mx.default_stream(mx.cpu)
    s1 = mx.new_stream(mx.cpu)
    s2 = mx.new_stream(mx.Device(mx.cpu, 0))
    for s in (s1, s2):
        assert isinstance(s, mx.Stream)
        assert s.device == mx.Device(mx.cpu, 0)
        assert re.fullmatch(STREAM_RE, repr(s)), repr(s)
    assert s1 != d and s2 != d and s1 != s2
    assert s1 == s1 and not (s1 != s1)
    assert repr(s1) != repr(s2)


def test_new_stream_device_keyword():
    s = mx.new_stream(device=mx.cpu)
    assert s.device == mx.cpu


@pytest.mark.parametrize("form", ["stream", "new_stream", "device", "type", "default"])
def test_ops_run_on_the_given_stream(rng, form):
    x = rng.standard_normal((17, 5)).astype(np.float32)
    y = rng.standard_normal((5,)).astype(np.float32)
    s = {
        "stream": mx.default_stream(mx.cpu),
        "new_stream": mx.new_stream(mx.cpu),
        "device": mx.Device(mx.cpu, 0),
        "type": mx.cpu,
        "default": None,
    }[form]
    r = mx.multiply(mx.add(mx.array(x), mx.array(y), stream=s), 2.0, stream=s)
    mx.eval(r)
    np.testing.assert_allclose(np.array(r), (x.astype(np.float64) + y) * 2, rtol=1e-6)


def test_synchronize_forms(rng):
    s = mx.new_stream(mx.cpu)
    x = rng.standard_normal((64, 64)).astype(np.float32)
    a = mx.array(x)
    b = mx.sum(mx.multiply(a, a, stream=s), stream=s)
    mx.async_eval(b)
    assert mx.synchronize(s) is None
    assert mx.synchronize() is None
    assert mx.synchronize(mx.cpu) is None
    assert mx.synchronize(mx.Device(mx.cpu, 0)) is None
    assert mx.synchronize(None) is None
    assert mx.synchronize(stream=mx.default_stream(mx.cpu)) is None
    assert b.item() == pytest.approx(float(np.sum(x.astype(np.float64) ** 2)), rel=1e-5)


def test_set_default_stream():
    s = mx.new_stream(mx.cpu)
    dev = mx.default_device()
    assert mx.set_default_stream(s) is None
    assert mx.default_stream(mx.cpu) == s
    assert mx.default_device() == dev  # the default device does not change
    a = mx.add(mx.array([1, 2]), 3, stream=mx.cpu)  # the cpu's default stream: s
    assert a.tolist() == [4, 5]


def _current():
    return mx.default_device(), mx.default_stream(mx.default_device())


def test_stream_context_sets_and_restores():
    before_dev, before_stream = _current()
    before_cpu = mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    with mx.stream(s):
        assert mx.default_device() == mx.Device(mx.cpu, 0)
        assert mx.default_stream(mx.cpu) == s
        assert mx.default_stream(mx.default_device()) == s
        a = mx.add(mx.array([1, 2, 3]), 1)
        mx.eval(a)
    assert _current() == (before_dev, before_stream)
    assert mx.default_stream(mx.cpu) == before_cpu
    assert a.tolist() == [2, 3, 4]


def test_stream_context_restores_on_exception():
    before_dev, before_stream = _current()
    before_cpu = mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    with pytest.raises(KeyError, match="inside"):
        with mx.stream(s):
            assert mx.default_stream(mx.cpu) == s
            raise KeyError("inside")
    assert _current() == (before_dev, before_stream)
    assert mx.default_stream(mx.cpu) == before_cpu
    # also when the error comes from weir itself
    with pytest.raises(ValueError):
        with mx.stream(s):
            mx.reshape(mx.zeros((2, 3)), (4, 2))
    assert mx.default_stream(mx.cpu) == before_cpu


def test_stream_context_class():
    before = mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    ctx = mx.StreamContext(s)
    assert isinstance(mx.stream(s), mx.StreamContext)
    with ctx:
        assert mx.default_stream(mx.cpu) == s
    assert mx.default_stream(mx.cpu) == before
    with pytest.raises(RuntimeError, match="boom"):
        with mx.StreamContext(s):
            raise RuntimeError("boom")
    assert mx.default_stream(mx.cpu) == before


def test_stream_context_nests():
    before = mx.default_stream(mx.cpu)
    s1, s2 = mx.new_stream(mx.cpu), mx.new_stream(mx.cpu)
    with mx.stream(s1):
        with mx.stream(s2):
            assert mx.default_stream(mx.cpu) == s2
        assert mx.default_stream(mx.cpu) == s1
    assert mx.default_stream(mx.cpu) == before


@pytest.mark.parametrize("form", ["type", "device"])
def test_stream_context_with_a_device(form):
    before_dev = mx.default_device()
    with mx.stream(mx.cpu if form == "type" else mx.Device(mx.cpu, 0)):
        assert mx.default_device() == mx.cpu
        assert mx.add(mx.array([1.5]), 1).item() == 2.5
    assert mx.default_device() == before_dev


def test_stream_context_restores_the_default_device():
    wx.require_gpu()
    mx.set_default_device(mx.gpu)
    s = mx.new_stream(mx.cpu)
    with mx.stream(s):
        assert mx.default_device() == mx.cpu
        assert mx.default_stream(mx.cpu) == s
    assert mx.default_device() == mx.gpu
    g = mx.new_stream(mx.gpu)
    mx.set_default_device(mx.cpu)
    with pytest.raises(ZeroDivisionError):
        with mx.stream(g):
            assert mx.default_device() == mx.gpu
            1 / 0
    assert mx.default_device() == mx.cpu


def test_stream_context_is_per_thread():
    s = mx.new_stream(mx.cpu)
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def other():
        inside.wait(10)
        seen["stream"] = mx.default_stream(mx.cpu)
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with mx.stream(s):
        inside.set()
        assert done.wait(10)
    t.join()
    assert seen["stream"] != s


def _tree(n=6, size=1000):
    xs = [mx.add(mx.full((size,), float(i)), 1.0) for i in range(n)]
    tree = [xs[0], (xs[1], {"k": xs[2], "j": [xs[3], 7, "text", None]}), {"z": (xs[4],)}, 3.5, xs[5]]
    return xs, tree


@pytest.mark.parametrize("fn", ["eval", "async_eval"])
def test_eval_takes_trees_and_ignores_other_leaves(fn):
    wx.quiesce()
    before = mx.get_active_memory()
    xs, tree = _tree()
    r = getattr(mx, fn)(tree, 42, "s", None, {"a": xs[0]})
    assert r is None
    if fn == "async_eval":
        for x in xs:
            mx.eval(x)
    # the outputs exist now: at least 6 * 1000 float32
    assert mx.get_active_memory() - before >= 6 * 1000 * 4
    for i, x in enumerate(xs):
        assert x.tolist() == [float(i) + 1.0] * 1000


def test_eval_several_arguments_and_nothing():
    a = mx.add(mx.array([1, 2]), 1)
    b = mx.multiply(mx.array([1, 2]), 3)
    assert mx.eval(a, b) is None
    assert mx.eval() is None
    assert mx.async_eval() is None
    assert (a.tolist(), b.tolist()) == ([2, 3], [3, 6])


def test_async_eval_then_read(rng):
    x = rng.standard_normal((200, 30)).astype(np.float32)
    s = mx.new_stream(mx.cpu)
    y = mx.sum(mx.exp(mx.array(x), stream=s), axis=1, stream=s)
    mx.async_eval(y)
    np.testing.assert_allclose(np.array(y), np.exp(x.astype(np.float64)).sum(axis=1), rtol=1e-5)


def test_eval_rejects_keywords_it_does_not_take():
    with pytest.raises(TypeError):
        mx.eval(mx.array(1), stream=mx.cpu)


def test_clear_streams_then_new_streams_work():
    # On a thread of its own: MLX's clear_streams destroys every stream of the calling thread,
    # its default stream included.
    out = {}

    def body():
        a = mx.add(mx.array([1, 2, 3]), 1, stream=mx.new_stream(mx.cpu))
        mx.eval(a)
        out["cleared"] = mx.clear_streams()
        out["a"] = a.tolist()  # evaluated arrays stay readable
        s = mx.new_stream(mx.cpu)
        out["b"] = mx.add(a, 10, stream=s).tolist()

    t = threading.Thread(target=body)
    t.start()
    t.join(30)
    assert out == {"cleared": None, "a": [2, 3, 4], "b": [12, 13, 14]}


@pytest.mark.weir_only  # MLX: afterwards "There is no Stream(cpu, 0) in current thread."
def test_clear_streams_leaves_the_default_streams_working():
    a = mx.add(mx.array([1, 2, 3]), 1)
    mx.eval(a)
    mx.new_stream(mx.cpu)
    assert mx.clear_streams() is None
    assert a.tolist() == [2, 3, 4]
    assert mx.multiply(a, 2).tolist() == [4, 6, 8]
    assert mx.multiply(a, 3, stream=mx.cpu).tolist() == [6, 9, 12]
    s = mx.new_stream(mx.cpu)
    assert mx.add(a, 10, stream=s).tolist() == [12, 13, 14]
    mx.synchronize()


@pytest.mark.parametrize("bad", ["cpu", 3.5, [1], object()])
def test_stream_arguments_of_the_wrong_kind(bad):
    with pytest.raises(TypeError):
        mx.stream(bad)
    with pytest.raises(TypeError):
        mx.synchronize(bad)
    with pytest.raises(TypeError):
        mx.set_default_stream(bad)
    with pytest.raises(TypeError):
        mx.add(mx.array([1]), 1, stream=bad)


def test_set_default_stream_needs_a_stream():
    with pytest.raises(TypeError):
        mx.set_default_stream(mx.cpu)


# ------------------------------------------------------------- the seeds ask for a little more


@pytest.mark.weir_only  # MLX: default_device() takes no argument and a Device is no context manager
@pytest.mark.parametrize("form", ["type", "device"])
def test_default_device_as_a_context_manager(form):
    mx.set_default_device(mx.cpu)
    before_dev = mx.default_device()
    target = mx.cpu if form == "type" else mx.Device(mx.cpu, 0)
    with mx.default_device(target):
        assert mx.default_device() == mx.cpu
        a = mx.ones((1024, 1024))
    assert a.shape == (1024, 1024)
    assert mx.sum(a).item() == 1024 * 1024
    assert mx.default_device() == before_dev
    with pytest.raises(ValueError, match="out"):
        with mx.default_device(mx.cpu):
            raise ValueError("out")
    assert mx.default_device() == before_dev


@pytest.mark.weir_only  # MLX: no-argument default_device() returns the Device; no scoping
def test_default_device_scoping_restores_the_gpu():
    wx.require_gpu()
    mx.set_default_device(mx.gpu)
    with mx.default_device(mx.cpu):
        assert mx.default_device() == mx.cpu
    assert mx.default_device() == mx.gpu


@pytest.mark.weir_only  # MLX: new_stream(device) has no default
@pytest.mark.parametrize("call", ["no_argument", "device_none", "positional_none"])
def test_new_stream_without_a_device(call):
    mx.set_default_device(mx.cpu)
    s = {"no_argument": lambda: mx.new_stream(),
         "device_none": lambda: mx.new_stream(device=None),
         "positional_none": lambda: mx.new_stream(None)}[call]()
    assert isinstance(s, mx.Stream)
    assert s.device == mx.default_device()
    assert s != mx.default_stream(mx.cpu)
    assert mx.add(mx.array([1]), 1, stream=s).item() == 2


@pytest.mark.weir_only  # MLX: a Stream is no context manager
def test_a_stream_is_a_context_manager():
    before = mx.default_stream(mx.cpu)
    before_dev = mx.default_device()
    s = mx.new_stream(mx.cpu)
    with s:
        assert mx.default_stream(mx.cpu) == s
        assert mx.default_device() == mx.cpu
        b = mx.add(mx.array([2, 3]), 1)
    assert mx.default_stream(mx.cpu) == before
    assert mx.default_device() == before_dev
    mx.synchronize()
    assert b.tolist() == [3, 4]
    with pytest.raises(IndexError, match="x"):
        with s:
            raise IndexError("x")
    assert mx.default_stream(mx.cpu) == before


@pytest.mark.weir_only  # MLX: "mlx.core.Stream: no constructor defined!"
@pytest.mark.parametrize("form", ["type", "device"])
def test_stream_constructor_makes_a_new_stream(form):
    s = mx.Stream(mx.cpu if form == "type" else mx.Device(mx.cpu, 0))
    t = mx.Stream(mx.cpu)
    assert isinstance(s, mx.Stream)
    assert s.device == mx.cpu
    assert s != t
    assert s != mx.default_stream(mx.cpu)
    assert mx.multiply(mx.array([1, 2]), 2, stream=s).tolist() == [2, 4]


@pytest.mark.weir_only  # MLX 0.32: the default stream is per thread (another thread gets its own)
def test_set_default_stream_is_process_wide():
    s = mx.new_stream(mx.cpu)
    mx.set_default_stream(s)
    seen = []
    t = threading.Thread(target=lambda: seen.append(mx.default_stream(mx.cpu)))
    t.start()
    t.join()
    assert seen == [s]


@pytest.mark.weir_only  # MLX: "There is no Stream(cpu, N) in current thread."
def test_a_stream_made_in_one_thread_works_in_another(rng):
    s = mx.new_stream(mx.cpu)
    x = rng.standard_normal(100).astype(np.float32)
    out = {}

    def body():
        out["v"] = np.array(mx.multiply(mx.array(x), 3.0, stream=s))

    t = threading.Thread(target=body)
    t.start()
    t.join(30)
    np.testing.assert_allclose(out["v"], x.astype(np.float64) * 3, rtol=1e-6)


@pytest.mark.weir_only  # index comes from one process-wide counter and is printed
def test_stream_indices_are_distinct_and_printed():
    streams = [mx.new_stream(mx.cpu) for _ in range(5)]
    idx = [int(re.fullmatch(STREAM_RE, repr(s)).group(3)) for s in streams]
    assert len(set(idx)) == 5
    assert all(i > 0 for i in idx)
    assert idx == sorted(idx)
    d = int(re.fullmatch(STREAM_RE, repr(mx.default_stream(mx.cpu))).group(3))
    assert d not in idx and d > 0
