"""Threads: 8 Python threads on separate streams and 8 on one shared stream, each building and
evaluating work that is checked against numpy; streams used from any thread; cross-thread
dependencies; the GIL is released while eval / synchronize / item wait."""

import threading
import time

import numpy as np
import pytest

import wx
from wx import mx

THREADS = 8


def _work(i, stream, rounds=6):
    """Builds a small graph on `stream` (None: the default), evaluates it, checks it."""
    g = wx.rng("thread-work", i)
    for r in range(rounds):
        x = g.standard_normal((48, 32)).astype(np.float32)
        y = g.standard_normal((32, 40)).astype(np.float32)
        a, b = mx.array(x), mx.array(y)
        t = mx.tanh(mx.matmul(a, b, stream=stream), stream=stream)
        s = mx.sum(mx.multiply(t, t, stream=stream), axis=1, stream=stream)
        m = mx.maximum(mx.add(s, float(i), stream=stream), 0.5, stream=stream)
        if r % 2:
            mx.async_eval(m)
            if stream is not None:
                mx.synchronize(stream)
        mx.eval(m)
        ref = np.maximum((np.tanh(x.astype(np.float64) @ y) ** 2).sum(axis=1) + i, 0.5)
        np.testing.assert_allclose(np.array(m), ref, rtol=1e-4, atol=1e-4, err_msg=f"thread {i} round {r}")
    return i


def test_threads_on_their_own_streams():
    # each thread makes its stream itself (MLX needs that)
    assert wx.run_threads(THREADS, lambda i: _work(i, mx.new_stream(mx.cpu))) == list(range(THREADS))


def test_threads_on_the_default_stream():
    assert wx.run_threads(THREADS, lambda i: _work(i, None)) == list(range(THREADS))


def test_threads_with_their_own_stream_context():
    def body(i):
        s = mx.new_stream(mx.cpu)
        with mx.stream(s):
            assert mx.default_stream(mx.cpu) == s
            time.sleep(0.01)  # the others enter theirs meanwhile
            assert mx.default_stream(mx.cpu) == s
            out = _work(i, None, rounds=2)
            assert mx.default_stream(mx.cpu) == s
        return out

    assert wx.run_threads(THREADS, body) == list(range(THREADS))


@pytest.mark.weir_only  # MLX: "There is no Stream(cpu, N) in current thread."
def test_threads_on_one_shared_stream():
    s = mx.new_stream(mx.cpu)
    assert wx.run_threads(THREADS, lambda i: _work(i, s)) == list(range(THREADS))
    mx.synchronize(s)


@pytest.mark.weir_only  # MLX: streams belong to the thread that made them
def test_threads_on_streams_made_by_the_main_thread():
    streams = [mx.new_stream(mx.cpu) for _ in range(THREADS)]
    assert wx.run_threads(THREADS, lambda i: _work(i, streams[i])) == list(range(THREADS))
    assert wx.run_threads(THREADS, lambda i: _work(i, streams[(i + 3) % THREADS], rounds=2)) == \
        list(range(THREADS))


@pytest.mark.weir_only  # MLX: streams belong to the thread that made them
def test_cross_thread_dependencies():
    """Thread i builds a lazy array on its stream; thread (i+1) % 8 consumes it on its own."""
    streams = [mx.new_stream(mx.cpu) for _ in range(THREADS)]
    inputs = [wx.rng("cross", i).standard_normal((64, 64)).astype(np.float32) for i in range(THREADS)]
    produced = [None] * THREADS
    ready = threading.Barrier(THREADS)

    def body(i):
        produced[i] = mx.exp(mx.multiply(mx.array(inputs[i]), 0.5, stream=streams[i]), stream=streams[i])
        ready.wait(30)
        j = (i - 1) % THREADS
        out = mx.sum(mx.add(produced[j], 1.0, stream=streams[i]), stream=streams[i])
        return out.item()

    got = wx.run_threads(THREADS, body)
    for i in range(THREADS):
        j = (i - 1) % THREADS
        assert got[i] == pytest.approx(float((np.exp(inputs[j].astype(np.float64) * 0.5) + 1).sum()), rel=1e-5)


@pytest.mark.weir_only  # MLX: streams belong to the thread that made them
def test_synchronize_a_stream_from_another_thread():
    s = mx.new_stream(mx.cpu)
    x = np.ones((256, 256), dtype=np.float32)
    y = mx.matmul(mx.array(x), mx.array(x), stream=s)
    mx.async_eval(y)
    done = []
    t = threading.Thread(target=lambda: (mx.synchronize(s), done.append(True)))
    t.start()
    t.join(30)
    assert done == [True]
    assert np.array(y)[0, 0] == 256.0


# ------------------------------------------------------------------ the GIL


def _chain(a, n):
    x = a
    for _ in range(n):
        x = mx.tanh(mx.matmul(x, a, stream=mx.cpu), stream=mx.cpu)
    return x


def _long_graph(target=0.3):
    """A chain of matmuls that takes about `target` seconds on this machine's CPU."""
    g = wx.rng("gil")
    a = mx.array((g.standard_normal((384, 384)) / 20).astype(np.float32))
    mx.eval(a)
    t0 = time.perf_counter()
    mx.eval(_chain(a, 4))
    dt = time.perf_counter() - t0
    n = int(min(max(4 * target / max(dt, 1e-5), 4), 4000))
    return _chain(a, n)


def _assert_progress(ticker, c0, dt, what):
    progressed = ticker.ticks - c0
    # a thread that sleeps 1 ms at a time wakes up ~dt/1ms times when the GIL is free; while
    # the main thread held it, it would not wake up at all
    assert dt > 0.02, f"{what} took only {dt:.3f} s: not long enough to tell"
    assert progressed >= max(5, 0.1 * dt / 0.001), f"{what}: {progressed} wake-ups in {dt:.3f} s"


@pytest.mark.parametrize("wait", ["eval", "item", "tolist", "synchronize", "numpy"])
def test_gil_is_released_while_waiting(wait):
    x = _long_graph()
    with wx.Ticker() as ticker:
        c0 = ticker.ticks
        t0 = time.perf_counter()
        if wait == "eval":
            mx.eval(x)
        elif wait == "item":
            mx.sum(x).item()
        elif wait == "tolist":
            x[0, :4].tolist()
        elif wait == "numpy":
            np.array(x)
        else:
            mx.async_eval(x)
            mx.synchronize(mx.cpu)
        dt = time.perf_counter() - t0
    _assert_progress(ticker, c0, dt, wait)


def test_other_threads_compute_while_one_waits():
    """While the main thread waits in eval, a second thread builds and evaluates its own work."""
    x = _long_graph()
    done = []

    def other():
        s = mx.new_stream(mx.cpu)
        # all on s: the cpu's default stream is busy with the main thread's chain
        v = mx.sum(mx.add(mx.ones((100,), stream=s), 1.0, stream=s), stream=s).item()
        done.append((v, time.perf_counter()))

    t = threading.Thread(target=other)
    t.start()
    mx.eval(x)
    t1 = time.perf_counter()
    t.join(30)
    assert done and done[0][0] == 200.0
    assert done[0][1] < t1, "the other thread finished only after the main thread's eval"
