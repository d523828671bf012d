"""Every op of the C API as an mx. function, against numpy (float64 reference on the very values
the inputs hold), on the CPU and on the GPU: creation (zeros ones full arange zeros_like
ones_like), astype, copy, the binary and unary elementwise ops, matmul, the reductions, reshape
and transpose, allclose and array_equal. Also the stream= argument of every op."""

import math

import numpy as np
import pytest

import wx
from wx import mx

F64_GPU = "float64 is not supported on the GPU"


def gpu_f64(device, *names):
    return wx.is_gpu(device) and "float64" in names


def expect_f64_refused(fn):
    with pytest.raises(ValueError, match=F64_GPU):
        mx.eval(fn())


# ------------------------------------------------------------------ creation


@pytest.mark.parametrize("name", wx.DTYPE_NAMES)
@pytest.mark.parametrize("shape", [(), 3, (3,), [2, 3], (2, 0, 4), (1, 1, 5)], ids=str)
def test_zeros_ones(device, name, shape):
    if gpu_f64(device, name):
        expect_f64_refused(lambda: mx.zeros(shape, dtype=mx.float64, stream=device))
        return
    shp = (shape,) if isinstance(shape, int) else tuple(shape)
    z = mx.zeros(shape, dtype=wx.dt(name), stream=device)
    o = mx.ones(shape, wx.dt(name), stream=device)
    for a, v in ((z, 0), (o, 1)):
        wx.assert_dtype(a, name)
        assert a.shape == shp
        wx.assert_close(a, np.full(shp, v, dtype=wx.NP_DTYPE[name] or np.float64), name)


def test_zeros_ones_default_dtype():
    wx.assert_dtype(mx.zeros((2,)), "float32")
    wx.assert_dtype(mx.ones(4), "float32")
    assert mx.ones(4).tolist() == [1.0] * 4


@pytest.mark.parametrize("value,dtype,out", [
    (3, None, "int32"), (3.5, None, "float32"), (True, None, "bool"), (-2, "int8", "int8"),
    (7, "float16", "float16"), (2.25, "bfloat16", "bfloat16"), (2.5, "float64", "float64"),
    (5, "uint32", "uint32"), (False, "bool", "bool"), (1.5, "float32", "float32"),
    # not tested: an int value with dtype=bool (MLX gives int32) or a float value with an
    # integer dtype (MLX gives float32): MLX promotes the value's weak type with dtype.
])
def test_full(device, value, dtype, out):
    if gpu_f64(device, out):
        expect_f64_refused(lambda: mx.full((2, 3), value, dtype=wx.dt(out), stream=device))
        return
    kw = {} if dtype is None else {"dtype": wx.dt(dtype)}
    a = mx.full((2, 3), value, stream=device, **kw)
    wx.assert_dtype(a, out)
    expected = np.full((2, 3), value).astype(wx.NP_DTYPE[out] or np.float64)
    wx.assert_close(a, expected, out)
    b = mx.full(4, value, **kw)
    assert b.shape == (4,)


def test_full_with_an_array_value(rng):
    v, rv = wx.rand(rng, (3,), "float32")
    a = mx.full((2, 3), v)
    wx.assert_close(a, np.broadcast_to(rv, (2, 3)), "float32")
    b = mx.full((2, 2), mx.array(4))
    wx.assert_close(b, np.full((2, 2), 4, dtype=np.int32), "int32")


@pytest.mark.parametrize("args,dtype", [
    ((5,), None), ((2, 9), None), ((0, 10, 3), None), ((10, 0, -3), None), ((5, 0), None),
    ((5.0,), None), ((0, 1, 0.25), None), ((1.0, 2.0, 0.3), None), ((-3, 3, 0.5), None),
    ((5,), "float16"), ((0, 6), "int64"), ((0, 5, 2), "float32"), ((3, 10, 2), "uint8"),
    ((0, 2, 0.5), "bfloat16"), ((0, 4), "float64"),
])
def test_arange(device, args, dtype):
    if gpu_f64(device, dtype):
        expect_f64_refused(lambda: mx.arange(*args, dtype=mx.float64, stream=device))
        return
    kw = {} if dtype is None else {"dtype": wx.dt(dtype)}
    a = mx.arange(*args, stream=device, **kw)
    ref = np.arange(*args)
    if dtype is None:
        out = "float32" if any(isinstance(x, float) for x in args) else "int32"
    else:
        out = dtype
    wx.assert_dtype(a, out)
    wx.assert_close(a, wx.exact_values(ref, out) if wx.is_float(out) else ref.astype(wx.NP_DTYPE[out]), out,
                    rtol=1e-6 if out == "float32" else None)


def test_arange_step_zero():
    with pytest.raises(ValueError):
        mx.arange(0, 5, 0)


@pytest.mark.parametrize("name", ["int32", "float16", "bool", "float32", "uint8"])
def test_zeros_like_ones_like(rng, device, name):
    a, _ = wx.rand(rng, (3, 4), name)
    z = mx.zeros_like(a, stream=device)
    o = mx.ones_like(a, stream=device)
    wx.assert_dtype(z, name)
    wx.assert_dtype(o, name)
    wx.assert_close(z, np.zeros((3, 4)), name)
    wx.assert_close(o, np.ones((3, 4)), name)
    h = mx.ones_like(a, mx.float16)
    wx.assert_dtype(h, "float16")
    assert mx.zeros_like(mx.transpose(a)).shape == (4, 3)


@pytest.mark.parametrize("src", ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("dst", ["bool", "uint8", "int8", "int32", "uint64", "float16", "bfloat16", "float32", "float64"])
def test_astype_function(rng, device, src, dst):
    low = 0 if (dst in wx.UNSIGNED_NAMES or src in wx.UNSIGNED_NAMES) else -100
    a, ref = wx.rand(rng, (5, 7), src, low, 100)
    if gpu_f64(device, src, dst):
        expect_f64_refused(lambda: mx.astype(a, wx.dt(dst), stream=device))
        return
    b = mx.astype(a, wx.dt(dst), stream=device)
    wx.assert_dtype(b, dst)
    r64 = ref.astype(np.float64)
    if dst == "bool":
        exp = r64 != 0
    elif wx.is_float(dst):
        exp = wx.exact_values(r64, dst)
    else:
        exp = np.trunc(r64).astype(wx.NP_DTYPE[dst])
    wx.assert_close(b, exp, dst, rtol=0, atol=0)
    # a transposed input
    t = mx.astype(mx.transpose(a), wx.dt(dst), stream=device)
    wx.assert_close(t, exp.T, dst, rtol=0, atol=0)


@pytest.mark.weir_only  # MLX 0.32 has no mx.copy (the C API's weir_copy)
@pytest.mark.parametrize("name", ["int32", "float32", "bfloat16", "bool"])
def test_copy(rng, device, name):
    a, ref = wx.rand(rng, (4, 5), name)
    b = mx.copy(a, stream=device)
    wx.assert_dtype(b, name)
    wx.assert_close(b, ref, name, rtol=0, atol=0)
    c = mx.copy(mx.transpose(a)[::2], stream=device)
    wx.assert_close(c, ref.T[::2], name, rtol=0, atol=0)
    assert mx.copy(a).tolist() == a.tolist()


# ------------------------------------------------------------------ elementwise


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _rsqrt(x):
    return 1.0 / np.sqrt(x)


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x) if np.size(x) else np.asarray(x, np.float64)


# name: (numpy function, dtypes, (low, high), output dtype rule)
UNARY = {
    "abs": (np.abs, ["int8", "int32", "int64", "uint8", "float16", "bfloat16", "float32", "float64"], (-4, 4), "same"),
    "negative": (np.negative, ["int8", "int32", "int64", "float16", "bfloat16", "float32", "float64"], (-4, 4), "same"),
    "square": (np.square, ["int8", "int32", "uint16", "float16", "bfloat16", "float32", "float64"], (-10, 10), "same"),
    "exp": (np.exp, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "log": (np.log, ["int32", "uint8", "float16", "bfloat16", "float32", "float64"], (0.1, 8), "float"),
    "sin": (np.sin, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "cos": (np.cos, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "tanh": (np.tanh, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "sqrt": (np.sqrt, ["int32", "uint8", "float16", "bfloat16", "float32", "float64"], (0, 8), "float"),
    "sigmoid": (_sigmoid, ["int32", "float16", "bfloat16", "float32", "float64"], (-6, 6), "float"),
    "logical_not": (np.logical_not, ["bool", "int32", "float16", "float32", "float64"], (-2, 2), "bool"),
    "expm1": (np.expm1, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "log1p": (np.log1p, ["int32", "uint8", "float16", "bfloat16", "float32", "float64"], (0, 8), "float"),
    "log2": (np.log2, ["int32", "uint8", "float16", "bfloat16", "float32", "float64"], (0.1, 8), "float"),
    "log10": (np.log10, ["int32", "float16", "bfloat16", "float32", "float64"], (0.1, 8), "float"),
    "rsqrt": (_rsqrt, ["int32", "float16", "bfloat16", "float32", "float64"], (0.5, 8), "float"),
    "reciprocal": (np.reciprocal, ["int32", "float16", "bfloat16", "float32", "float64"], (0.5, 8), "float"),
    "tan": (np.tan, ["int32", "float16", "bfloat16", "float32", "float64"], (-1.2, 1.2), "float"),
    "arcsin": (np.arcsin, ["int8", "float16", "bfloat16", "float32", "float64"], (-1, 1), "float"),
    "arccos": (np.arccos, ["int8", "float16", "bfloat16", "float32", "float64"], (-1, 1), "float"),
    "arctan": (np.arctan, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "sinh": (np.sinh, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "cosh": (np.cosh, ["int32", "float16", "bfloat16", "float32", "float64"], (-4, 4), "float"),
    "erf": (_erf, ["int32", "float16", "bfloat16", "float32", "float64"], (-3, 3), "float"),
    "floor": (np.floor, ["bool", "int8", "int32", "uint8", "float16", "bfloat16", "float32", "float64"], (-10, 10),
              "same"),
    "ceil": (np.ceil, ["bool", "int8", "int32", "uint8", "float16", "bfloat16", "float32", "float64"], (-10, 10),
             "same"),
    "round": (np.round, ["bool", "int8", "int32", "uint8", "float16", "bfloat16", "float32", "float64"], (-10, 10),
              "same"),
    "sign": (np.sign, ["int8", "int32", "int64", "uint8", "float16", "bfloat16", "float32", "float64"], (-4, 4),
             "same"),
    "isnan": (np.isnan, ["bool", "int32", "uint8", "float16", "bfloat16", "float32", "float64"], (-4, 4), "bool"),
    "isinf": (np.isinf, ["bool", "int32", "uint8", "float16", "bfloat16", "float32", "float64"], (-4, 4), "bool"),
}
UNARY_CASES = [(op, n) for op, spec in UNARY.items() for n in spec[1]]
ELEMENTWISE_SHAPES = [(), (0,), (1,), (7,), (33, 17), (2, 3, 4), (3, 0, 2)]


def _out_dtype(rule, name):
    if rule == "same":
        return name
    if rule == "bool":
        return "bool"
    return name if wx.is_float(name) else "float32"


TRANSCENDENTAL = ("exp", "log", "sin", "cos", "tanh", "sigmoid", "expm1", "log1p", "log2", "log10", "tan", "arcsin",
                  "arccos", "arctan", "sinh", "cosh", "erf")


def _fp_tol(op, out):
    # one rounding of the result plus the kernel's own error (a few ulp for transcendentals)
    r, a = wx.TOL[out]
    if op in TRANSCENDENTAL and out == "float32":
        return 1e-5, 1e-5  # GPU fast-math sin/cos have ~1e-6 absolute error past pi
    if op in TRANSCENDENTAL and out == "float64":
        # MLX computes float64 exp/sin/cos/sigmoid in float32 (sin near pi is off by 1e-7);
        # weir's own bound is test_float64_transcendentals_are_double_precise.
        return 2e-6, 1e-6
    return r, a


@pytest.mark.parametrize("op,name", UNARY_CASES, ids=[f"{o}-{n}" for o, n in UNARY_CASES])
def test_unary(rng, device, op, name):
    npf, _, (low, high), rule = UNARY[op]
    fn = getattr(mx, op)
    out = _out_dtype(rule, name)
    if gpu_f64(device, name):
        a, _ = wx.rand(rng, (3,), name, low, high)
        expect_f64_refused(lambda: fn(a, stream=device))
        return
    rt, at = _fp_tol(op, out) if wx.is_float(out) else (None, None)
    for shape in ELEMENTWISE_SHAPES:
        a, ref = wx.rand(rng, shape, name, low, high)
        got = fn(a, stream=device)
        wx.assert_dtype(got, out)
        wx.assert_close(got, _unary_ref(npf, ref, out), out, rtol=rt, atol=at, what=f"{op}({name}{shape})")
    # on a transposed (non-contiguous) input, and transposing the result
    a, ref = wx.rand(rng, (9, 5), name, low, high)
    got = mx.transpose(fn(mx.transpose(a), stream=device))
    wx.assert_close(got, _unary_ref(npf, ref, out), out, rtol=rt, atol=at, what=f"{op} on a transposed input")


def _unary_ref(npf, ref, out):
    if wx.is_float(out):
        return npf(ref.astype(np.float64))
    return npf(ref)  # integers wrap like numpy's; logical_not gives bools


@pytest.mark.weir_only  # MLX computes float64 exp/sin/cos/sigmoid in float32 (errors ~1e-7)
@pytest.mark.parametrize("op", TRANSCENDENTAL + ("sqrt",))
def test_float64_transcendentals_are_double_precise(rng, op):
    npf, _, (low, high), _ = UNARY[op]
    a, ref = wx.rand(rng, (1000,), "float64", low, high)
    got = getattr(mx, op)(a, stream=mx.cpu)
    wx.assert_close(got, npf(ref), "float64", rtol=1e-13, atol=1e-15)


def test_negative_of_bool_is_a_value_error():
    with pytest.raises(ValueError, match="(?i)logical_not"):
        mx.negative(mx.array([True, False]))


def test_unary_special_values():
    x = mx.array([0.0, -0.0, float("inf"), -float("inf"), float("nan")])
    rx = np.array([0.0, -0.0, np.inf, -np.inf, np.nan])
    with np.errstate(all="ignore"):
        for op, npf in (("exp", np.exp), ("tanh", np.tanh), ("abs", np.abs), ("negative", np.negative),
                        ("sigmoid", _sigmoid), ("square", np.square)):
            wx.assert_close(getattr(mx, op)(x), npf(rx), "float32", what=op)
        wx.assert_close(mx.log(mx.array([0.0, -1.0, 1.0])), np.log(np.array([0.0, -1.0, 1.0])), "float32")
        wx.assert_close(mx.sqrt(mx.array([-1.0, 4.0])), np.sqrt(np.array([-1.0, 4.0])), "float32")


def test_new_unary_special_values():
    vals = [0.0, -0.0, float("inf"), -float("inf"), float("nan"), 0.5, -0.5, 1.5, 2.5, -2.5, 1.0, -1.0, 3.7]
    rx = np.array(vals)
    with np.errstate(all="ignore"):
        for name in ("float32", "float16", "bfloat16"):
            x = mx.array(vals).astype(getattr(mx, name))
            rx = wx.to_numpy(x)
            for op in ("expm1", "log1p", "log2", "log10", "rsqrt", "reciprocal", "tan", "arcsin", "arccos", "arctan",
                       "sinh", "cosh", "erf", "floor", "ceil", "round"):
                npf = UNARY[op][0]
                wx.assert_close(getattr(mx, op)(x), npf(rx), name, what=f"{op} of {name} specials")
            wx.assert_close(mx.isnan(x), np.isnan(rx), "bool", what="isnan")
            wx.assert_close(mx.isinf(x), np.isinf(rx), "bool", what="isinf")
            finite = mx.array([-0.0, 0.0, 2.5, -3.0]).astype(getattr(mx, name))
            wx.assert_close(mx.sign(finite), np.array([0.0, 0.0, 1.0, -1.0]), name, what="sign")
    assert mx.round(mx.array([0.5, 1.5, 2.5, -0.5, -1.5])).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0]
    assert mx.sign(mx.array([-5, 0, 7], dtype=mx.int8)).tolist() == [-1, 0, 1]
    assert mx.sign(mx.array([0, 200], dtype=mx.uint8)).tolist() == [0, 1]


@pytest.mark.weir_only  # MLX gives sign(NaN) = 0; weir keeps NaN, as numpy
def test_sign_of_nan_is_nan():
    assert math.isnan(mx.sign(mx.array([float("nan")])).item())


@pytest.mark.weir_only  # MLX rounds to other decimals too
def test_new_unary_methods():
    a = mx.array([[0.5, 2.5], [4.0, 9.0]])
    ra = np.array([[0.5, 2.5], [4.0, 9.0]])
    for m, npf in (("log1p", np.log1p), ("log2", np.log2), ("log10", np.log10), ("rsqrt", _rsqrt),
                   ("reciprocal", np.reciprocal), ("round", np.round)):
        wx.assert_close(getattr(a, m)(), npf(ra), "float32", what=f"array.{m}")
    wx.assert_close(a.round(0), np.round(ra), "float32", what="array.round(0)")
    wx.assert_dtype(mx.isnan(mx.array([1, 2])), "bool")
    wx.assert_dtype(mx.floor(mx.array([1, 2], dtype=mx.uint16)), "uint16")
    wx.assert_dtype(mx.reciprocal(mx.array([1, 2])), "float32")


BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.true_divide,
    "maximum": np.maximum, "minimum": np.minimum, "power": np.power,
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
    "greater": np.greater, "greater_equal": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
}
COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}
LOGICAL = {"logical_and", "logical_or"}
BINARY_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "uint32", "float16", "bfloat16", "float32", "float64"]
BINARY_SHAPES = [((), ()), ((6,), (6,)), ((3, 4), (4,)), ((3, 1), (1, 5)), ((2, 3, 4), (3, 1)),
                 ((), (2, 3)), ((0,), (1,)), ((0, 3), (0, 3))]


def _binary_case_ok(op, name):
    if name == "bool" and op in ("subtract", "power", "divide", "add", "multiply"):
        return False  # MLX: no bool arithmetic beyond max/min/comparisons/logic
    return True


BINARY_CASES = [(op, n) for op in BINARY for n in BINARY_DTYPES if _binary_case_ok(op, n)]


def _binary_inputs(g, op, shape, name, second):
    if op == "power":
        if wx.is_float(name):
            return wx.rand(g, shape, name, -2, 2) if second else wx.rand(g, shape, name, 0.5, 3)
        return wx.rand(g, shape, name, 0, 4) if second else wx.rand(g, shape, name, 0, 5)
    if op == "divide" and second:
        return wx.rand(g, shape, name, 1, 9) if name != "bool" else wx.rand(g, shape, name)
    if op == "subtract" and name in wx.UNSIGNED_NAMES:
        return wx.rand(g, shape, name, 0, 10) if second else wx.rand(g, shape, name, 10, 20)
    if op in COMPARISONS or op in ("maximum", "minimum"):
        return wx.rand(g, shape, name, -3, 3)  # ties happen
    return wx.rand(g, shape, name, -10, 10)


def _binary_out(op, name):
    if op in COMPARISONS or op in LOGICAL:
        return "bool"
    if op == "divide" and not wx.is_float(name):
        return "float32"
    return name


def _binary_ref(op, ra, rb, name, out):
    npf = BINARY[op]
    if out in wx.INT_NAMES or (out == "bool" and name == "bool") or op in COMPARISONS or op in LOGICAL:
        return npf(ra, rb)
    return npf(ra.astype(np.float64), rb.astype(np.float64))


@pytest.mark.parametrize("op,name", BINARY_CASES, ids=[f"{o}-{n}" for o, n in BINARY_CASES])
def test_binary(rng, device, op, name):
    fn = getattr(mx, op)
    out = _binary_out(op, name)
    if gpu_f64(device, name):
        a, _ = wx.rand(rng, (3,), name)
        expect_f64_refused(lambda: fn(a, a, stream=device))
        return
    for sa, sb in BINARY_SHAPES:
        a, ra = _binary_inputs(rng, op, sa, name, False)
        b, rb = _binary_inputs(rng, op, sb, name, True)
        got = fn(a, b, stream=device)
        wx.assert_dtype(got, out)
        wx.assert_close(got, _binary_ref(op, ra, rb, name, out), out, what=f"{op}({name}{sa}, {name}{sb})")
    # a transposed operand and a strided one
    a, ra = _binary_inputs(rng, op, (5, 4), name, False)
    b, rb = _binary_inputs(rng, op, (4, 10), name, True)
    got = fn(mx.transpose(a), b[:, ::2], stream=device)
    wx.assert_close(got, _binary_ref(op, ra.T, rb[:, ::2], name, out), out, what=f"{op} on views")


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_with_python_scalars(rng, device, op):
    fn = getattr(mx, op)
    a, ra = wx.rand(rng, (4, 3), "float32", 0.5, 3)
    i, ri = wx.rand(rng, (4, 3), "int32", 1, 4)
    r64 = ra.astype(np.float64)
    npf = BINARY[op]
    out_f = "bool" if (op in COMPARISONS or op in LOGICAL) else "float32"
    wx.assert_close(fn(a, 2.0, stream=device), npf(r64, 2.0), out_f, rtol=1e-5)
    wx.assert_close(fn(2.0, a, stream=device), npf(2.0, r64), out_f, rtol=1e-5)
    wx.assert_close(fn(a, 2, stream=device), npf(r64, 2), out_f, rtol=1e-5)
    r = fn(i, 2, stream=device)
    want = "bool" if out_f == "bool" else ("float32" if op == "divide" else "int32")
    wx.assert_dtype(r, want)
    ref = npf(ri.astype(np.float64), 2.0) if want == "float32" else npf(ri, np.int32(2))
    wx.assert_close(r, ref, want)
    wx.assert_dtype(fn(i, 2.5, stream=device), "bool" if out_f == "bool" else "float32")


def test_maximum_minimum_nan():
    a = mx.array([float("nan"), 1.0, 2.0])
    b = mx.array([0.0, float("nan"), 1.0])
    ra, rb = np.array([np.nan, 1.0, 2.0]), np.array([0.0, np.nan, 1.0])
    wx.assert_close(mx.maximum(a, b), np.maximum(ra, rb), "float32")
    wx.assert_close(mx.minimum(a, b), np.minimum(ra, rb), "float32")


def test_integer_power_and_division():
    assert mx.power(mx.array([2, 3, 0]), mx.array([10, 0, 0])).tolist() == [1024, 1, 1]
    wx.assert_dtype(mx.power(mx.array([2], dtype=mx.int8), 3), "int8")
    assert mx.divide(mx.array([3, -7]), mx.array([2, 2])).tolist() == [1.5, -3.5]
    assert mx.divide(mx.array([1.0]), 0.0).tolist() == [float("inf")]


def test_broadcast_error():
    with pytest.raises(ValueError, match="(?i)broadcast"):
        mx.add(mx.zeros((2, 3)), mx.zeros((4,)))


# ------------------------------------------------------------------ matmul


MATMUL_SHAPES = [((3, 4), (4, 5)), ((1, 7), (7, 1)), ((16, 33), (33, 9)), ((2, 3, 4), (4, 2)),
                 ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((5,), (5, 2)), ((3, 5), (5,)),
                 ((6,), (6,)), ((3, 0), (0, 2)), ((0, 3), (3, 4)), ((2, 0, 3), (3, 1))]


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_matmul(rng, device, name):
    if gpu_f64(device, name):
        a, _ = wx.rand(rng, (2, 2), name)
        expect_f64_refused(lambda: mx.matmul(a, a, stream=device))
        return
    for sa, sb in MATMUL_SHAPES:
        a, ra = wx.rand(rng, sa, name, -1, 1)
        b, rb = wx.rand(rng, sb, name, -1, 1)
        got = mx.matmul(a, b, stream=device)
        wx.assert_dtype(got, name)
        ref = np.matmul(ra, rb)
        assert got.shape == ref.shape, f"{sa} @ {sb}"
        k = sa[-1]
        bound = np.matmul(np.abs(ra), np.abs(rb))
        err = np.abs(wx.to_numpy(got) - ref)
        tol = 4 * max(k, 1) * wx.EPS[name] * bound + wx.TOL[name][1]
        assert np.all(err <= tol), f"{name} {sa} @ {sb}: max err {err.max()}"


@pytest.mark.parametrize("ta,tb", [(False, True), (True, False), (True, True)])
def test_matmul_transposed_inputs(rng, device, ta, tb):
    x = rng.standard_normal((24, 17)).astype(np.float32)
    y = rng.standard_normal((17, 24)).astype(np.float32)
    a = mx.transpose(mx.array(x.T.copy())) if ta else mx.array(x)
    b = mx.transpose(mx.array(y.T.copy())) if tb else mx.array(y)
    got = mx.matmul(a, b, stream=device)
    wx.assert_close(got, x.astype(np.float64) @ y, "float32", rtol=1e-4, atol=1e-4)


def test_matmul_errors():
    with pytest.raises(ValueError):
        mx.matmul(mx.zeros((2, 3)), mx.zeros((2, 3)))
    with pytest.raises(ValueError):
        mx.matmul(mx.array(1.0), mx.array(2.0))
    with pytest.raises(ValueError):
        mx.matmul(mx.zeros((2, 2), dtype=mx.int32), mx.zeros((2, 2), dtype=mx.int32))


# ------------------------------------------------------------------ reductions


AXES = [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2), [1]]
REDUCE_DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _reduce_out(op, name):
    if op in ("sum", "prod"):
        if name == "bool" or name in ("int8", "int16", "int32"):
            return "int32"
        if name in ("uint8", "uint16", "uint32"):
            return "uint32"
        return name
    if op == "mean":
        return name if wx.is_float(name) else "float32"
    return name


def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("name", REDUCE_DTYPES)
def test_reductions(rng, device, op, name):
    fn = getattr(mx, op)
    npf = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}[op]
    out = _reduce_out(op, name)
    if op == "prod":
        low, high = (0.7, 1.4) if wx.is_float(name) else (-1, 2)  # integer products stay in {-1, 0, 1}
    else:
        low, high = (-4, 4) if name not in wx.UNSIGNED_NAMES else (0, 9)
    shape = (3, 4, 5)
    if gpu_f64(device, name):
        a, _ = wx.rand(rng, shape, name, low, high)
        expect_f64_refused(lambda: fn(a, stream=device))
        return
    a, ref = wx.rand(rng, shape, name, low, high)
    for axis in AXES:
        for keepdims in (False, True):
            got = fn(a, axis=axis, keepdims=keepdims, stream=device)
            wx.assert_dtype(got, out)
            ax = _norm_axes(axis, 3)
            if wx.is_float(out):
                exp = npf(ref.astype(np.float64), axis=ax, keepdims=keepdims)
                n = int(np.prod([shape[i] for i in ax]))
                mag = np.sum(np.abs(ref.astype(np.float64)), axis=ax, keepdims=keepdims)
                if op == "prod":
                    mag = np.abs(exp)
                elif op == "mean":
                    mag = mag / n
                atol = n * wx.EPS[out] * mag + wx.TOL[out][1]
                assert got.shape == exp.shape
                err = np.abs(wx.to_numpy(got) - exp)
                assert np.all(err <= atol + wx.TOL[out][0] * np.abs(exp)), \
                    f"{op}({name}, axis={axis}, keepdims={keepdims}): max err {err.max()}"
            else:
                exp = npf(ref.astype(wx.NP_DTYPE[out]), axis=ax, keepdims=keepdims)
                wx.assert_close(got, exp, out, what=f"{op}({name}, axis={axis}, keepdims={keepdims})")
    # positional axis, the default (everything), and a transposed input
    wx.assert_dtype(fn(a), out)
    assert fn(a).shape == ()
    assert fn(a, 1).shape == (3, 5)
    t = fn(mx.transpose(a), axis=0, stream=device)
    assert t.shape == (4, 3)
    if out in wx.INT_NAMES or out == "bool":
        wx.assert_close(t, npf(ref.T.astype(wx.NP_DTYPE[out]), axis=0), out)


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min", "prod"])
def test_reduce_0d(op):
    a = mx.array(2.5)
    got = getattr(mx, op)(a)
    assert got.shape == () and got.item() == 2.5


def test_reduce_size_0():
    e = mx.zeros((0, 3))
    assert mx.sum(e).item() == 0.0
    assert mx.prod(e).item() == 1.0
    assert mx.sum(e, axis=0).tolist() == [0.0, 0.0, 0.0]
    assert mx.sum(e, axis=1).shape == (0,)
    with pytest.raises(ValueError):
        mx.max(mx.zeros((0,)))
    with pytest.raises(ValueError):
        mx.argmin(mx.zeros((0,)))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("name", ["uint8", "int32", "float16", "bfloat16", "float32", "float64"])
def test_argmax_argmin(rng, device, op, name):
    fn = getattr(mx, op)
    npf = getattr(np, op)
    if gpu_f64(device, name):
        a, _ = wx.rand(rng, (3, 4), name)
        expect_f64_refused(lambda: fn(a, stream=device))
        return
    a, ref = wx.rand(rng, (4, 5, 6), name, 0, 50)
    for axis in (None, 0, 1, 2, -1):
        for keepdims in (False, True):
            got = fn(a, axis=axis, keepdims=keepdims, stream=device)
            wx.assert_dtype(got, "uint32")
            exp = npf(ref, axis=axis, keepdims=keepdims)  # first of equal values, as numpy
            assert got.shape == np.shape(exp), f"axis={axis} keepdims={keepdims}"
            assert np.array_equal(wx.to_numpy(got).astype(np.int64), np.asarray(exp)), f"axis={axis}"


def test_argmax_ties_pick_the_first():
    a = mx.array([[1, 3, 3, 2], [5, 5, 0, 5]])
    assert mx.argmax(a).item() == 4
    assert mx.argmax(a, axis=1).tolist() == [1, 0]
    assert mx.argmin(a, axis=1).tolist() == [0, 2]
    assert mx.argmin(mx.array([2, 1, 1])).item() == 1


def test_reduction_axis_errors():
    a = mx.zeros((2, 3))
    for call in (lambda: mx.sum(a, axis=2), lambda: mx.mean(a, axis=-3), lambda: mx.argmax(a, axis=5),
                 lambda: mx.max(a, axis=(0, 2))):
        with pytest.raises(IndexError, match="(?i)axis"):
            call()
    with pytest.raises(ValueError):
        mx.sum(a, axis=(0, 0))


# ------------------------------------------------------------------ reshape / transpose


@pytest.mark.parametrize("src,dst", [((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1, 2)),
                                     ((6,), (1, 6, 1)), ((1,), ()), ((), (1, 1)), ((0, 3), (3, 0)),
                                     ((0, 4), (2, 0, 2)), ((12,), [3, 4])], ids=str)
def test_reshape(rng, device, src, dst):
    a, ref = wx.rand(rng, src, "float32")
    got = mx.reshape(a, dst, stream=device)
    wx.assert_close(got, ref.reshape(dst), "float32", rtol=0, atol=0)
    got2 = mx.reshape(a, shape=dst)
    assert got2.shape == ref.reshape(dst).shape


def test_reshape_of_a_transposed_input(rng, device):
    a, ref = wx.rand(rng, (3, 4, 5), "int32", -100, 100)
    got = mx.reshape(mx.transpose(a, (2, 0, 1)), (5, 12), stream=device)
    wx.assert_close(got, np.transpose(ref, (2, 0, 1)).reshape(5, 12), "int32")
    got = mx.add(mx.reshape(mx.transpose(a), (-1,)), 1, stream=device)
    wx.assert_close(got, ref.T.reshape(-1) + 1, "int32")


def test_reshape_errors():
    with pytest.raises(ValueError, match="(?i)reshape"):
        mx.reshape(mx.zeros((2, 3)), (4, 2))
    with pytest.raises(ValueError):
        mx.reshape(mx.zeros((2, 3)), (-1, -1))


@pytest.mark.parametrize("perm", [None, (0, 1, 2), (2, 1, 0), (1, 0, 2), (2, 0, 1), [0, 2, 1]], ids=str)
def test_transpose(rng, device, perm):
    a, ref = wx.rand(rng, (2, 3, 4), "int32", -100, 100)
    got = mx.transpose(a, perm, stream=device) if perm is not None else mx.transpose(a, stream=device)
    wx.assert_close(got, np.transpose(ref, perm), "int32")
    # and an op on the (non-contiguous) result
    wx.assert_close(mx.multiply(got, 3, stream=device), np.transpose(ref, perm) * 3, "int32")
    if perm is not None:
        wx.assert_close(mx.transpose(a, axes=perm), np.transpose(ref, perm), "int32")


def test_transpose_errors():
    a = mx.zeros((2, 3))
    with pytest.raises(ValueError):
        mx.transpose(a, (0, 0))
    with pytest.raises(ValueError):
        mx.transpose(a, (0,))
    with pytest.raises(IndexError):
        mx.transpose(a, (0, 2))


# ------------------------------------------------------------------ allclose / array_equal


def test_allclose(rng, device):
    x = rng.standard_normal((5, 6)).astype(np.float32)
    a = mx.array(x)
    r = mx.allclose(a, mx.array(x * (1 + 1e-7)), stream=device)
    assert isinstance(r, mx.array) and r.dtype == mx.bool_ and r.shape == ()
    assert r.item() is True
    far = x.copy()
    far[2, 3] += 1e-2 + 1e-2 * abs(far[2, 3])
    assert mx.allclose(a, mx.array(far)).item() is False
    assert mx.allclose(a, mx.array(far), rtol=0.1, atol=0.1).item() is True
    assert mx.allclose(a, mx.array(far), 0.1, 0.1).item() is True
    assert mx.allclose(mx.array([1.0, 1.0]), mx.array(1.0)).item() is True  # broadcasts
    nan = mx.array([1.0, float("nan")])
    assert mx.allclose(nan, nan).item() is False
    assert mx.allclose(nan, nan, equal_nan=True).item() is True
    assert bool(mx.allclose(a, a)) is True


def test_array_equal(rng, device):
    a, ref = wx.rand(rng, (4, 5), "int32", -100, 100)
    r = mx.array_equal(a, mx.array(ref.copy()), stream=device)
    assert isinstance(r, mx.array) and r.dtype == mx.bool_ and r.shape == ()
    assert r.item() is True
    changed = ref.copy()
    changed[3, 4] += 1
    assert mx.array_equal(a, mx.array(changed)).item() is False
    assert mx.array_equal(a, mx.transpose(a)).item() is False  # shapes differ: False, no error
    assert mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0])).item() is True  # values, not dtypes
    assert mx.array_equal(mx.array(1), mx.array([1])).item() is False
    nan = mx.array([float("nan")])
    assert mx.array_equal(nan, nan).item() is False
    assert mx.array_equal(nan, nan, equal_nan=True).item() is True


# ------------------------------------------------------------------ stream= on every op


def _calls():
    f = mx.array([[1.5, -2.0], [0.5, 4.0]])
    g = mx.array([[2.0, 1.0], [-1.0, 3.0]])
    b = mx.array([True, False])
    calls = {
        "zeros": lambda s: mx.zeros((2, 2), stream=s),
        "ones": lambda s: mx.ones((2, 2), stream=s),
        "full": lambda s: mx.full((2, 2), 3.0, stream=s),
        "arange": lambda s: mx.arange(0, 6, 2, stream=s),
        "zeros_like": lambda s: mx.zeros_like(f, stream=s),
        "ones_like": lambda s: mx.ones_like(f, stream=s),
        "astype": lambda s: mx.astype(f, mx.int32, stream=s),
        "matmul": lambda s: mx.matmul(f, g, stream=s),
        "reshape": lambda s: mx.reshape(f, (4,), stream=s),
        "transpose": lambda s: mx.transpose(f, stream=s),
        "argmax": lambda s: mx.argmax(f, axis=1, stream=s),
        "argmin": lambda s: mx.argmin(f, stream=s),
        "allclose": lambda s: mx.allclose(f, g, stream=s),
        "array_equal": lambda s: mx.array_equal(f, g, stream=s),
        "logical_not": lambda s: mx.logical_not(b, stream=s),
        "logical_and": lambda s: mx.logical_and(b, b, stream=s),
        "logical_or": lambda s: mx.logical_or(b, b, stream=s),
        "random.normal": lambda s: mx.random.normal((3,), key=mx.random.key(1), stream=s),
        "random.uniform": lambda s: mx.random.uniform(shape=(3,), key=mx.random.key(1), stream=s),
        "random.split": lambda s: mx.random.split(mx.random.key(1), stream=s),
    }
    for op in ("sum", "mean", "max", "min", "prod"):
        calls[op] = lambda s, op=op: getattr(mx, op)(f, axis=0, stream=s)
    for op in ("abs", "negative", "exp", "log", "sin", "cos", "tanh", "sqrt", "square", "sigmoid", "expm1", "log1p",
               "log2", "log10", "rsqrt", "reciprocal", "tan", "arctan", "sinh", "cosh", "erf", "floor", "ceil",
               "round", "sign", "isnan", "isinf"):
        calls[op] = lambda s, op=op: getattr(mx, op)(mx.abs(f), stream=s)
    for op in BINARY:
        if op not in LOGICAL:
            calls[op] = lambda s, op=op: getattr(mx, op)(mx.abs(f), g, stream=s)
    return calls


CALL_NAMES = sorted(_calls())
if wx.is_weir():
    CALL_NAMES.append("copy")


def _call(name):
    if name == "copy":
        return lambda s: mx.copy(mx.array([1, 2]), stream=s)
    return _calls()[name]


@pytest.mark.parametrize("name", CALL_NAMES)
def test_every_op_takes_stream_device_or_type(name):
    call = _call(name)
    ref = wx.to_numpy(call(mx.cpu))
    forms = [mx.Device(mx.cpu, 0), mx.default_stream(mx.cpu), mx.new_stream(mx.cpu)]
    if wx.has_gpu():
        forms += [mx.gpu, mx.Device(mx.gpu, 0), mx.new_stream(mx.gpu)]
    for s in forms:
        got = wx.to_numpy(call(s))
        np.testing.assert_allclose(got.astype(np.float64), ref.astype(np.float64), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name} with stream={s!r}")
    assert wx.to_numpy(call(None)).shape == ref.shape


@pytest.mark.parametrize("name", CALL_NAMES)
@pytest.mark.parametrize("bad", ["cpu", 1.5, [mx.cpu], mx.float32], ids=repr)
def test_every_op_rejects_a_stream_of_the_wrong_kind(name, bad):
    with pytest.raises(TypeError):
        _call(name)(bad)


@pytest.mark.weir_only  # MLX converts an int to a DeviceType (stream=0 is the cpu)
@pytest.mark.parametrize("name", ["add", "zeros", "sum", "astype", "matmul"])
def test_an_int_is_not_a_stream(name):
    with pytest.raises(TypeError):
        _call(name)(0)
