"""pytest configuration for weir's Python tests.

- WEIR_PYTEST_MODULE picks the module under test (default weir.core; mlx.core to check the
  suite against MLX). Tests of weir-only behaviour carry @pytest.mark.weir_only and are
  skipped for any other module.
- WEIR_TEST_SEED fixes the random inputs; the seed is printed in the header and with every
  failure.
- The `device` fixture runs a test on the CPU and on the GPU (skipped without one).
- Every test starts and ends with the same default device and default streams.
"""

import os
import sys

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
_PYTHON_DIR = os.path.dirname(_HERE)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
# The in-tree package (python/weir), after anything on PYTHONPATH or installed.
if os.path.isdir(os.path.join(_PYTHON_DIR, "weir")) and _PYTHON_DIR not in sys.path:
    sys.path.append(_PYTHON_DIR)

import wx  # noqa: E402

mx = wx.mx


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "weir_only: weir behaviour that MLX lacks or does differently (skipped unless "
        "WEIR_PYTEST_MODULE is weir.core)")


def pytest_report_header(config):
    return [
        f"weir tests: module {wx.MODULE} ({getattr(mx, '__file__', '?')}), "
        f"WEIR_TEST_SEED={wx.SEED}, GPUs seen: {wx.gpu_count()}",
    ]


def pytest_collection_modifyitems(config, items):
    if wx.is_weir():
        return
    skip = pytest.mark.skip(
        reason=f"weir-only behaviour: the module under test is {wx.MODULE}, not weir.core")
    for item in items:
        if "weir_only" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        rep.sections.append(
            ("weir test seed", f"rerun with WEIR_TEST_SEED={wx.SEED} WEIR_PYTEST_MODULE={wx.MODULE}"))


@pytest.fixture
def rng(request):
    """A numpy Generator seeded from WEIR_TEST_SEED and this test's id."""
    return wx.rng(request.node.nodeid)


@pytest.fixture(params=["cpu", "gpu"])
def device(request):
    """mx.Device(cpu, 0), then mx.Device(gpu, 0) (skipped when there is no GPU)."""
    return wx.device(request.param)


@pytest.fixture(autouse=True)
def _restore_defaults():
    """Puts back the default device and the default streams a test may have changed."""
    dev = mx.default_device()
    streams = [mx.default_stream(mx.cpu)]
    if wx.has_gpu():
        streams.append(mx.default_stream(mx.gpu))
    yield
    mx.set_default_device(dev)
    for s in streams:
        mx.set_default_stream(s)
