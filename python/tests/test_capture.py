"""Capture: mx.start_capture(path) / mx.stop_capture() write a Chrome/Perfetto trace (JSON with
traceEvents) of every task of every stream, one lane per stream. weir's stand-in for MLX's
Metal capture (MLX has mx.metal.start_capture, not mx.start_capture)."""

import json

import numpy as np
import pytest

import wx
from wx import mx

pytestmark = pytest.mark.weir_only


@pytest.fixture(autouse=True)
def _no_capture_left_running():
    """A failing test must not leave a capture running for the next one."""
    yield
    try:
        mx.stop_capture()
    except Exception:  # noqa: BLE001 - nothing was running: the normal case
        pass


def _load(path):
    with open(path) as f:
        trace = json.load(f)
    assert isinstance(trace, dict) and isinstance(trace.get("traceEvents"), list), str(trace)[:200]
    return trace["traceEvents"]


def _tasks(events):
    return [e for e in events if e.get("ph") == "X"]


def _lane_names(events):
    return {(e["pid"], e["tid"]): e["args"]["name"] for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name"}


def test_capture_two_streams(tmp_path, rng):
    path = tmp_path / "trace.json"
    s1, s2 = mx.new_stream(mx.cpu), mx.new_stream(mx.cpu)
    x = rng.standard_normal((128, 128)).astype(np.float32)
    assert mx.start_capture(str(path)) is None
    a = mx.matmul(mx.array(x), mx.array(x), stream=s1)
    b = mx.sum(mx.exp(mx.multiply(a, 0.01, stream=s2), stream=s2), axis=0, stream=s2)
    mx.eval(b)
    assert mx.stop_capture() is None
    np.testing.assert_allclose(np.array(b), np.exp((x.astype(np.float64) @ x) * 0.01).sum(axis=0), rtol=1e-4)

    events = _load(path)
    tasks = _tasks(events)
    assert len(tasks) >= 2
    for e in tasks:
        assert isinstance(e["name"], str) and e["name"]
        assert e["ts"] >= 0 and e["dur"] >= 0
        assert "pid" in e and "tid" in e
    lanes = {(e["pid"], e["tid"]) for e in tasks}
    assert len(lanes) >= 2, f"one lane per stream: {lanes}"
    names = set(_lane_names(events).values())
    assert str(s1) in names and str(s2) in names, names
    assert any("matmul" in e["name"].lower() for e in tasks), sorted({e["name"] for e in tasks})


def test_dependent_task_starts_after_its_input(tmp_path):
    path = tmp_path / "dep.json"
    s1, s2 = mx.new_stream(mx.cpu), mx.new_stream(mx.cpu)
    mx.start_capture(str(path))
    a = mx.matmul(mx.ones((256, 256), stream=s1), mx.ones((256, 256), stream=s1), stream=s1)
    b = mx.sum(a, stream=s2)
    assert b.item() == 256.0 ** 3
    mx.stop_capture()
    tasks = _tasks(_load(path))
    lanes = _lane_names(_load(path))
    by_lane = {}
    for e in tasks:
        by_lane.setdefault(lanes.get((e["pid"], e["tid"])), []).append(e)
    first = by_lane.get(str(s1), [])
    second = by_lane.get(str(s2), [])
    assert first and second, by_lane.keys()
    end_first = max(e["ts"] + e["dur"] for e in first)
    start_second = min(e["ts"] for e in second)
    assert start_second >= end_first - 1.0, (end_first, start_second)  # microseconds, 1 us of rounding


def test_work_outside_the_capture_is_not_recorded(tmp_path):
    mx.eval(mx.add(mx.ones((1000,)), 1.0))
    path = tmp_path / "empty.json"
    mx.start_capture(str(path))
    mx.stop_capture()
    assert _tasks(_load(path)) == []
    mx.eval(mx.add(mx.ones((1000,)), 2.0))  # after the stop
    assert _tasks(_load(path)) == []


def test_capture_sees_every_thread(tmp_path):
    path = tmp_path / "threads.json"
    mx.start_capture(str(path))
    streams = [mx.new_stream(mx.cpu) for _ in range(4)]

    def body(i):
        return mx.sum(mx.multiply(mx.ones((1000,)), float(i + 1), stream=streams[i]), stream=streams[i]).item()

    assert wx.run_threads(4, body) == [1000.0, 2000.0, 3000.0, 4000.0]
    mx.stop_capture()
    events = _load(path)
    lanes = _lane_names(events)
    used = {lanes.get((e["pid"], e["tid"])) for e in _tasks(events)}
    assert {str(s) for s in streams} <= used


def test_capture_misuse(tmp_path):
    with pytest.raises(ValueError, match="no capture is running"):
        mx.stop_capture()
    path = tmp_path / "one.json"
    mx.start_capture(str(path))
    try:
        with pytest.raises(ValueError, match="already running"):
            mx.start_capture(str(tmp_path / "two.json"))
    finally:
        mx.stop_capture()
    _load(path)
    with pytest.raises(ValueError, match="cannot open capture file"):
        mx.start_capture(str(tmp_path / "no" / "such" / "dir" / "t.json"))
    with pytest.raises(TypeError):
        mx.start_capture(42)


def test_capture_includes_the_gpu(tmp_path):
    wx.require_gpu()
    path = tmp_path / "gpu.json"
    g = mx.new_stream(mx.gpu)
    mx.start_capture(str(path))
    a = mx.add(mx.ones((4096,), stream=mx.cpu), 1.0, stream=mx.cpu)
    b = mx.sum(mx.multiply(a, 2.0, stream=g), stream=g)
    assert b.item() == 4096 * 4.0
    mx.stop_capture()
    events = _load(path)
    lanes = _lane_names(events)
    used = {lanes.get((e["pid"], e["tid"])) for e in _tasks(events)}
    assert str(g) in used
    assert any(n and n.startswith("Stream(Device(cpu") for n in used)
