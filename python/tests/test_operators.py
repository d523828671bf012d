"""Operators of mx.array against numpy: + - * / ** (also reflected), unary -, abs(), the
comparisons, @; broadcasting, 0-d, size 0, non-contiguous operands; promotion, including
Python scalars as weak types."""

import operator

import numpy as np
import pytest

import wx
from wx import mx

ARITH = {
    "+": (operator.add, np.add),
    "-": (operator.sub, np.subtract),
    "*": (operator.mul, np.multiply),
    "/": (operator.truediv, np.true_divide),
    "**": (operator.pow, np.power),
}
COMPARE = {
    "==": (operator.eq, np.equal),
    "!=": (operator.ne, np.not_equal),
    "<": (operator.lt, np.less),
    "<=": (operator.le, np.less_equal),
    ">": (operator.gt, np.greater),
    ">=": (operator.ge, np.greater_equal),
}
SHAPE_PAIRS = [
    ((), ()), ((5,), (5,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)), ((), (2, 3)), ((0,), (0,)), ((0, 3), (3,)), ((2, 1, 0), (1, 5, 1)),
]
NUM_DTYPES = ["uint8", "int8", "int32", "int64", "uint32", "float16", "bfloat16", "float32", "float64"]

# MLX's promotion of two arrays (row dtype op column dtype), in this order:
ORDER = ["b", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "f16", "bf16", "f32", "f64"]
PROMOTE = {
    "b": "b u8 u16 u32 u64 i8 i16 i32 i64 f16 bf16 f32 f64",
    "u8": "u8 u8 u16 u32 u64 i16 i16 i32 i64 f16 bf16 f32 f64",
    "u16": "u16 u16 u16 u32 u64 i32 i32 i32 i64 f16 bf16 f32 f64",
    "u32": "u32 u32 u32 u32 u64 i64 i64 i64 i64 f16 bf16 f32 f64",
    "u64": "u64 u64 u64 u64 u64 f32 f32 f32 f32 f16 bf16 f32 f64",
    "i8": "i8 i16 i32 i64 f32 i8 i16 i32 i64 f16 bf16 f32 f64",
    "i16": "i16 i16 i32 i64 f32 i16 i16 i32 i64 f16 bf16 f32 f64",
    "i32": "i32 i32 i32 i64 f32 i32 i32 i32 i64 f16 bf16 f32 f64",
    "i64": "i64 i64 i64 i64 f32 i64 i64 i64 i64 f16 bf16 f32 f64",
    "f16": "f16 f16 f16 f16 f16 f16 f16 f16 f16 f16 f32 f32 f64",
    "bf16": "bf16 bf16 bf16 bf16 bf16 bf16 bf16 bf16 bf16 f32 bf16 f32 f64",
    "f32": "f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f32 f64",
    "f64": "f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64",
}


def _inputs(g, op, shape, name, second=False):
    """Random operands that keep every op well defined and free of overflow."""
    if op == "**":
        if second:  # exponents
            return wx.rand(g, shape, name, 0, 4) if not wx.is_float(name) else wx.rand(g, shape, name, -2, 2)
        return wx.rand(g, shape, name, 0.5, 3) if wx.is_float(name) else wx.rand(g, shape, name, 0, 5)
    if op == "/" and second:
        a, r = wx.rand(g, shape, name, 1, 9)
        return a, r
    if name in wx.UNSIGNED_NAMES:
        lo = 10 if (op == "-" and not second) else 0
        hi = 10 if (op == "-" and second) else 20
        return wx.rand(g, shape, name, lo, hi)
    if not wx.is_float(name):
        return wx.rand(g, shape, name, -10, 10)
    return wx.rand(g, shape, name, -4, 4)


def _reference(op, ra, rb, name):
    npf = ARITH[op][1]
    if wx.is_float(name) or op == "/":
        return npf(ra.astype(np.float64), rb.astype(np.float64))
    return npf(ra, rb)


@pytest.mark.parametrize("op", list(ARITH))
@pytest.mark.parametrize("name", NUM_DTYPES)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=lambda p: f"{p[0]}x{p[1]}")
def test_arithmetic(rng, op, name, shapes):
    a, ra = _inputs(rng, op, shapes[0], name)
    b, rb = _inputs(rng, op, shapes[1], name, second=True)
    got = ARITH[op][0](a, b)
    out = "float32" if (op == "/" and not wx.is_float(name)) else name
    wx.assert_dtype(got, out)
    wx.assert_close(got, _reference(op, ra, rb, name), out, what=f"{name} {shapes[0]} {op} {shapes[1]}")


@pytest.mark.parametrize("op", list(COMPARE))
@pytest.mark.parametrize("name", ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64"])
def test_comparisons(rng, op, name):
    for sa, sb in SHAPE_PAIRS:
        a, ra = wx.rand(rng, sa, name, -3, 3)
        b, rb = wx.rand(rng, sb, name, -3, 3)
        got = COMPARE[op][0](a, b)
        wx.assert_dtype(got, "bool")
        wx.assert_close(got, COMPARE[op][1](ra, rb), "bool", what=f"{name} {sa} {op} {sb}")


@pytest.mark.parametrize("op", list(COMPARE))
def test_comparisons_with_scalars_and_nan(op):
    a = mx.array([1.0, float("nan"), -2.0, 3.0])
    ra = np.array([1.0, np.nan, -2.0, 3.0])
    f, npf = COMPARE[op]
    wx.assert_close(f(a, 1.0), npf(ra, 1.0), "bool")
    wx.assert_close(f(a, 1), npf(ra, 1), "bool")
    wx.assert_close(f(1.0, a), npf(1.0, ra), "bool")
    wx.assert_close(f(a, a), npf(ra, ra), "bool")


@pytest.mark.parametrize("op", list(ARITH))
@pytest.mark.parametrize("name", ["uint8", "int16", "int32", "int64", "float16", "bfloat16", "float32"])
@pytest.mark.parametrize("scalar", [2, 3.0, True])
def test_with_python_scalars_both_sides(rng, op, name, scalar):
    if op == "**" and isinstance(scalar, float) and not wx.is_float(name):
        scalar = 2.0
    a, ra = wx.rand(rng, (3, 5), name, 1, 4)
    f = ARITH[op][0]
    npf = ARITH[op][1]
    right = f(a, scalar)
    left = f(scalar, a)
    # weak scalars: an int or bool keeps the array's dtype, a float keeps a float dtype and
    # turns an integer array into float32; / always gives a float.
    if wx.is_float(name):
        out = name
    elif isinstance(scalar, float) or op == "/":
        out = "float32"
    else:
        out = name
    wx.assert_dtype(right, out)
    wx.assert_dtype(left, out)
    if out in wx.INT_NAMES:  # integer arithmetic, wrapping like numpy's
        sc = np.array(scalar, dtype=wx.NP_DTYPE[out])
        exp_r, exp_l = npf(ra, sc), npf(sc, ra)
    else:
        ref_a, sc = ra.astype(np.float64), float(scalar)
        exp_r, exp_l = npf(ref_a, sc), npf(sc, ref_a)
    wx.assert_close(right, exp_r, out, what=f"{name} {op} {scalar!r}")
    wx.assert_close(left, exp_l, out, what=f"{scalar!r} {op} {name}")


@pytest.mark.parametrize("name,scalar,expected", [
    ("int32", 1, "int32"), ("int32", 1.5, "float32"), ("int32", True, "int32"),
    ("int8", 1, "int8"), ("uint8", 1, "uint8"), ("uint64", 7, "uint64"), ("int64", 1.0, "float32"),
    ("float16", 2.0, "float16"), ("float16", 2, "float16"), ("bfloat16", 2.0, "bfloat16"),
    ("float32", 1, "float32"), ("float64", 1.5, "float64"),
    ("bool", True, "bool"), ("bool", 1, "int32"), ("bool", 1.5, "float32"),
])
def test_weak_scalar_promotion(name, scalar, expected):
    a = mx.ones((2,), dtype=wx.dt(name))
    for r in (a + scalar, scalar + a, a * scalar, scalar * a, a - scalar):
        wx.assert_dtype(r, expected)


def test_weak_scalar_examples_from_the_issue():
    i = mx.array([1, 2, 3], dtype=mx.int32)
    assert (i + 1).dtype == mx.int32 and (i + 1).tolist() == [2, 3, 4]
    h = mx.array([1.5, 2.0], dtype=mx.float16)
    assert (h * 2.0).dtype == mx.float16 and (h * 2.0).tolist() == [3.0, 4.0]
    f = i + 1.5
    assert f.dtype == mx.float32 and f.tolist() == [2.5, 3.5, 4.5]


def test_zero_dim_arrays_are_not_weak():
    a = mx.ones((2,), dtype=mx.int16)
    wx.assert_dtype(a + mx.array(1), "int32")
    wx.assert_dtype(mx.ones((2,), dtype=mx.float16) + mx.array(1.0), "float32")


@pytest.mark.parametrize("x", ORDER)
def test_array_promotion_table(x):
    row = PROMOTE[x].split()
    a = mx.zeros((2,), dtype=wx.dt(wx.SHORT[x]))
    for y, want in zip(ORDER, row):
        b = mx.zeros((2,), dtype=wx.dt(wx.SHORT[y]))
        wx.assert_dtype(a + b, wx.SHORT[want])
        wx.assert_dtype(mx.add(b, a), wx.SHORT[want])
        wx.assert_dtype(mx.maximum(a, b), wx.SHORT[want])
        wx.assert_dtype(a < b, "bool")


def test_promoted_values(rng):
    a, ra = wx.rand(rng, (4,), "uint8", 0, 200)
    b, rb = wx.rand(rng, (4,), "int8", -100, 100)
    got = a + b
    wx.assert_dtype(got, "int16")
    wx.assert_close(got, ra.astype(np.int16) + rb.astype(np.int16), "int16")
    c, rc = wx.rand(rng, (4,), "float16", -3, 3)
    d, rd = wx.rand(rng, (4,), "bfloat16", -3, 3)
    got = c * d
    wx.assert_dtype(got, "float32")
    wx.assert_close(got, rc * rd, "float32")


def test_integer_wraparound():
    a = mx.array([100, -100, 127], dtype=mx.int8)
    assert (a + a).tolist() == [-56, 56, -2]
    u = mx.array([1, 2], dtype=mx.uint8)
    assert (u - 3).tolist() == [254, 255]


@pytest.mark.parametrize("name", ["int8", "int32", "float16", "bfloat16", "float32", "float64"])
def test_unary_minus_and_abs(rng, name):
    a, ra = wx.rand(rng, (4, 6), name, -50, 50)
    wx.assert_close(-a, -ra, name)
    wx.assert_dtype(-a, name)
    wx.assert_close(abs(a), np.abs(ra), name)
    wx.assert_dtype(abs(a), name)


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 2)), ((5,), (5, 2)), ((3, 5), (5,)),
                                    ((6,), (6,)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 0), (0, 2))],
                         ids=str)
def test_matmul_operator(rng, name, shapes):
    a, ra = wx.rand(rng, shapes[0], name, -1, 1)
    b, rb = wx.rand(rng, shapes[1], name, -1, 1)
    got = a @ b
    ref = np.matmul(ra, rb)
    bound = np.matmul(np.abs(ra), np.abs(rb))
    wx.assert_dtype(got, name)
    assert got.shape == ref.shape
    err = np.abs(wx.to_numpy(got) - ref)
    k = shapes[0][-1]
    assert np.all(err <= 4 * max(k, 1) * wx.EPS[name] * bound + wx.TOL[name][1]), f"max err {err.max()}"


def test_operators_on_non_contiguous_results(rng):
    x = rng.standard_normal((6, 4)).astype(np.float32)
    y = rng.standard_normal((4, 6)).astype(np.float32)
    a, b = mx.array(x), mx.array(y)
    t = mx.transpose(a)
    wx.assert_close(t + b, x.T.astype(np.float64) + y, "float32")
    wx.assert_close(t * 2 - b[::-1], x.T.astype(np.float64) * 2 - y[::-1], "float32")
    wx.assert_close(a[::2] / (b.T[1::2] + 10), x[::2].astype(np.float64) / (y.T[1::2] + 10), "float32")
    wx.assert_close(t < b, x.T < y, "bool")
    wx.assert_close(t @ a, x.T.astype(np.float64) @ x, "float32", rtol=1e-5, atol=1e-5)
