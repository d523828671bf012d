"""Limits (issue 6), the Python side of tests/test_limits.c: shapes whose element count overflows
int64, dimensions beyond int64, more than 32 dimensions, axes far out of range, a memory limit
below one array. Each is a clear error naming what was wrong, and the process keeps working."""

import numpy as np
import pytest

import wx
from wx import mx

BIG = 2**32

LIMIT_ERRORS = {
    "zeros overflow": (lambda: mx.zeros((BIG, BIG)), ValueError, r"zeros.*shape"),
    "ones overflow": (lambda: mx.ones((2**62, 4), dtype=mx.int8), ValueError, r"ones.*shape"),
    "full overflow": (lambda: mx.full((BIG, BIG), 1.0), ValueError, r"full.*shape"),
    "reshape overflow": (lambda: mx.reshape(mx.zeros((2, 3)), (2**40, 2**40)), ValueError, r"reshape.*shape"),
    "broadcast_to overflow": (lambda: mx.broadcast_to(mx.zeros((2, 3)), (2**62, 2, 3)), ValueError,
                              r"broadcast_to.*shape"),
    "normal overflow": (lambda: mx.random.normal((BIG, BIG)), ValueError, r"normal.*shape"),
    "uniform overflow": (lambda: mx.random.uniform(shape=(BIG, BIG)), ValueError, r"uniform.*shape"),
    "tile overflow": (lambda: mx.tile(mx.zeros((2, 3)), (2**62, 4)), ValueError, r"tile"),
    "eye overflow": (lambda: mx.eye(2**40), ValueError, r"eye"),
    "linspace overflow": (lambda: mx.linspace(0, 1, 2**62), ValueError, r"linspace"),
    "dim beyond int64": (lambda: mx.zeros((2**70,)), ValueError, r"shape.*64-bit"),
    "negative dim": (lambda: mx.zeros((3, -2)), ValueError, r"negative"),
    "33 dims": (lambda: mx.zeros((1,) * 33), ValueError, r"33 dimensions.*32"),
    "reshape 33 dims": (lambda: mx.reshape(mx.zeros((1,)), (1,) * 33), ValueError, r"33 dimensions.*32"),
    "expand_dims past 32": (lambda: mx.expand_dims(mx.zeros((1,) * 32), 0), ValueError, r"33 dimensions"),
    "sum huge axis": (lambda: mx.sum(mx.zeros((2, 3)), axis=2**40), IndexError, r"axis"),
    "sum huge negative axis": (lambda: mx.sum(mx.zeros((2, 3)), axis=-2**40), IndexError, r"axis"),
    "axis beyond int64": (lambda: mx.sum(mx.zeros((2, 3)), axis=2**70), ValueError, r"axis.*64-bit"),
    "argmin axis": (lambda: mx.argmin(mx.zeros((2, 3)), axis=-3), IndexError, r"axis"),
    "cumsum axis": (lambda: mx.cumsum(mx.zeros((2, 3)), axis=2), IndexError, r"axis"),
    "sort axis": (lambda: mx.sort(mx.zeros((2, 3)), axis=-3), IndexError, r"axis"),
    "concatenate axis": (lambda: mx.concatenate([mx.zeros((2, 3))] * 2, axis=2), IndexError, r"axis"),
    "split axis": (lambda: mx.split(mx.zeros((2, 3)), 2, axis=5), IndexError, r"axis"),
    "swapaxes axis": (lambda: mx.swapaxes(mx.zeros((2, 3)), 0, 7), IndexError, r"axis"),
    "transpose too few": (lambda: mx.transpose(mx.zeros((2, 3)), (0,)), ValueError, r"transpose.*perm"),
    "too many indices": (lambda: mx.zeros((2, 3))[0, 0, 0], IndexError, r"indices"),
}


@pytest.mark.weir_only
@pytest.mark.parametrize("case", list(LIMIT_ERRORS))
def test_limit_errors(case):
    call, exc, pattern = LIMIT_ERRORS[case]
    with pytest.raises(exc, match=f"(?i){pattern}"):
        call()
    # the process keeps working
    a = wx.rng().standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_array_equal(np.array(mx.array(a) * 2), a * 2)


@pytest.mark.weir_only
def test_empty_array_with_huge_dims_evaluates():
    """A zero dimension makes the other dimensions free: 0 elements, and evaluating reads nothing
    (the C core used to overflow computing its strides)."""
    a = mx.zeros((0, 2**62, 2**62))
    mx.eval(a)
    assert a.shape == (0, 2**62, 2**62) and a.size == 0
    b = mx.transpose(a, (2, 0, 1)) + 1
    mx.eval(b)
    assert b.shape == (2**62, 0, 2**62) and b.size == 0


def test_memory_limit_below_one_array():
    mx.clear_cache()
    active = mx.get_active_memory()
    prev = mx.set_memory_limit(active + 1000)
    try:
        big = mx.full((4096,), 3.0)  # 16 KiB, lazy: the call succeeds
        with pytest.raises(MemoryError, match=r"(?i)memory limit"):
            mx.eval(big)
        small = mx.array([1.0, 2.0])  # below the limit: still works
        assert small.tolist() == [1.0, 2.0]
        del big, small
    finally:
        mx.set_memory_limit(prev)
    again = mx.full((4096,), 3.0)
    assert np.array(again).sum() == 3.0 * 4096
    del again
    mx.clear_cache()
    assert mx.get_active_memory() == active
