"""where, cumsum/cumprod, take/take_along_axis, concatenate/stack/split, pad, sort/argsort/topk
against numpy (on the very values the inputs hold), on the CPU and on the GPU: dtypes and MLX's
result dtypes, axes (negative, None), broadcasting, size 0, the array methods, and the errors.
Passes against MLX too (WEIR_PYTEST_MODULE=mlx.core) but for the weir_only tests."""

import numpy as np
import pytest

import wx
from wx import mx

F64_GPU = "float64 is not supported on the GPU"


def skip_f64(device, *names):
    if wx.is_gpu(device) and "float64" in names:
        pytest.skip("float64 runs on the CPU only")


def np_of(ref, name):
    """A numpy reference in a dtype numpy can compute in (bfloat16 values as float64)."""
    return np.asarray(ref, dtype=np.float64) if wx.is_float(name) else np.asarray(ref)


# ------------------------------------------------------------------ where


@pytest.mark.parametrize("xn,yn", [("float32", "float32"), ("int8", "float32"), ("uint8", "int8"),
                                   ("bool", "int32"), ("float16", "float16"), ("int64", "uint16"),
                                   ("bfloat16", "float32"), ("float64", "int32")])
@pytest.mark.parametrize("shapes", [((3, 1, 4), (2, 1), (4,)), ((5,), (5,), (5,)), ((), (2, 3), ()),
                                    ((0, 3), (1,), (3,)), ((2, 1), (1, 6), (2, 6))], ids=str)
def test_where(device, xn, yn, shapes):
    skip_f64(device, xn, yn)
    g = wx.rng("where", xn, yn, shapes)
    c, cr = wx.rand(g, shapes[0], "bool")
    x, xr = wx.rand(g, shapes[1], xn, -50, 50)
    y, yr = wx.rand(g, shapes[2], yn, -50, 50)
    out = mx.where(c, x, y, stream=device)
    ref = np.where(cr, np_of(xr, xn), np_of(yr, yn))
    res = wx.name_of(out.dtype)
    assert out.dtype == (mx.zeros((1,), dtype=wx.dt(xn)) + mx.zeros((1,), dtype=wx.dt(yn))).dtype  # promotion
    wx.assert_close(out, ref.astype(np.float64) if wx.is_float(res) else ref.astype(wx.NP_DTYPE[res]), res)


def test_where_scalars_and_conditions(device):
    a = mx.array([1, 2, 3], dtype=mx.int8)
    out = mx.where(mx.array([True, False, True]), a, 7, stream=device)
    wx.assert_dtype(out, "int8")  # a Python scalar takes the array's dtype
    assert out.tolist() == [1, 7, 3]
    out = mx.where(mx.array([1.5, 0.0, -2.0]), 1, 2.5, stream=device)  # non-bool condition: != 0
    wx.assert_dtype(out, "float32")
    assert out.tolist() == [1.0, 2.5, 1.0]
    out = mx.where(True, mx.array([1.0, 2.0]), mx.array([3.0, 4.0]), stream=device)
    assert out.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        mx.where(mx.array([True, False]), mx.zeros((3,)), 1.0, stream=device)


# ------------------------------------------------------------------ cumsum / cumprod


def scan_ref(x, axis, reverse, inclusive, prod):
    if axis is None:
        x, axis = x.reshape(-1), 0
    if reverse:
        x = np.flip(x, axis)
    r = np.cumprod(x, axis=axis, dtype=x.dtype) if prod else np.cumsum(x, axis=axis, dtype=x.dtype)
    if not inclusive:
        ident = np.ones_like if prod else np.zeros_like
        first = ident(np.take(r, [0], axis=axis)) if x.shape[axis] else np.take(r, [], axis=axis)
        r = np.concatenate([first, np.take(r, np.arange(x.shape[axis] - 1), axis=axis)], axis=axis)
    return np.flip(r, axis) if reverse else r


@pytest.mark.parametrize("name", ["float32", "float64", "int32", "int8", "uint8", "bool", "float16", "int64",
                                  "bfloat16"])
@pytest.mark.parametrize("prod", [False, True], ids=["cumsum", "cumprod"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("reverse,inclusive", [(False, True), (True, True), (False, False), (True, False)])
def test_scan(device, name, prod, axis, reverse, inclusive):
    skip_f64(device, name)
    g = wx.rng("scan", name, prod, axis, reverse, inclusive)
    lo, hi = (0.5, 1.5) if prod and wx.is_float(name) else ((-3, 3) if prod else (-50, 50))
    x, xr = wx.rand(g, (3, 4, 5), name, lo, hi)
    fn = mx.cumprod if prod else mx.cumsum
    out = fn(x, axis=axis, reverse=reverse, inclusive=inclusive, stream=device)
    res = "int32" if name == "bool" and not prod else name
    wx.assert_dtype(out, res)
    if wx.is_float(name):
        ref = scan_ref(xr.astype(np.float64), axis, reverse, inclusive, prod)
        mag = scan_ref(np.abs(xr.astype(np.float64)), axis, reverse, inclusive, prod)
        # the error of a running sum grows with its length (60 at most here)
        np.testing.assert_allclose(wx.to_numpy(out), ref, rtol=0, atol=1e-12 + 64 * wx.EPS[name] * mag.max())
    else:
        src = xr.astype(np.int32) if name == "bool" and not prod else xr
        ref = scan_ref(src, axis, reverse, inclusive, prod)
        wx.assert_close(out, ref.astype(wx.NP_DTYPE[res]), res)


def test_scan_long_row_and_methods(device):
    g = wx.rng("scan_long")
    x, xr = wx.rand(g, (20000,), "float32", -1, 1)
    out = mx.cumsum(x, stream=device)
    np.testing.assert_allclose(wx.to_numpy(out), np.cumsum(xr), rtol=0, atol=20000 * 2**-23 * np.abs(xr).sum())
    a = mx.array([[1, 2], [3, 4]])
    assert a.cumsum(axis=1).tolist() == [[1, 3], [3, 7]]
    assert a.cumprod().tolist() == [1, 2, 6, 24]
    assert a.cumsum(0, reverse=True, inclusive=False).tolist() == [[3, 4], [0, 0]]
    assert mx.cumsum(mx.array([True, False, True]), stream=device).tolist() == [1, 1, 2]
    assert mx.cumprod(mx.array([True, True, False, True]), stream=device).tolist() == [True, True, False, False]
    assert mx.cumsum(mx.zeros((0, 3)), axis=1, stream=device).shape == (0, 3)
    with pytest.raises(IndexError):
        mx.cumsum(mx.array(3.0), axis=0, stream=device)
    with pytest.raises(IndexError):
        mx.cumsum(mx.zeros((2, 3)), axis=2, stream=device)


# ------------------------------------------------------------------ take / take_along_axis


@pytest.mark.parametrize("name", ["float32", "int16", "bool", "float16", "float64", "uint64", "bfloat16"])
@pytest.mark.parametrize("iname", ["int32", "int64", "uint8", "int8", "uint32"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("ishape", [(), (4,), (2, 3), (0,)], ids=str)
def test_take(device, name, iname, axis, ishape):
    skip_f64(device, name)
    g = wx.rng("take", name, iname, axis, ishape)
    x, xr = wx.rand(g, (3, 4, 5), name, -50, 50)
    n = xr.size if axis is None else xr.shape[axis]
    lo = 0 if iname.startswith("u") else -n
    ir = g.integers(lo, n, ishape).astype(wx.NP_DTYPE[iname])
    out = mx.take(x, mx.array(ir, dtype=wx.dt(iname)), axis=axis, stream=device)
    wx.assert_dtype(out, name)
    wx.assert_close(out, np.take(np_of(xr, name), ir.astype(np.int64), axis=axis), name)


def test_take_scalar_index(device):
    a = mx.arange(12).reshape(3, 4)
    assert mx.take(a, 5, stream=device).tolist() == 5
    assert mx.take(a, 1, axis=1, stream=device).tolist() == [1, 5, 9]
    assert mx.take(a, mx.array([[-1, 0]]), axis=0, stream=device).tolist() == [[[8, 9, 10, 11], [0, 1, 2, 3]]]


@pytest.mark.weir_only
def test_take_clamps_out_of_range(device):
    a = mx.arange(10)
    out = mx.take(a, mx.array([-1, -10, 10, 11, 100, -11, -100]), stream=device)
    assert out.tolist() == [9, 0, 9, 9, 9, 0, 0]  # wrapped once, then clamped (MLX: undefined)


@pytest.mark.parametrize("name", ["float32", "int32", "bool", "float64"])
@pytest.mark.parametrize("ashape,ishape,axis", [((3, 4, 5), (3, 2, 5), 1), ((3, 4, 5), (3, 4, 7), -1),
                                                ((1, 4, 5), (3, 2, 5), 1), ((3, 4, 5), (1, 6, 1), 1),
                                                ((3, 4, 5), (2, 4, 5), 0), ((3, 4, 5), (3, 0, 5), 1)], ids=str)
def test_take_along_axis(device, name, ashape, ishape, axis):
    skip_f64(device, name)
    g = wx.rng("along", name, ashape, ishape, axis)
    x, xr = wx.rand(g, ashape, name, -50, 50)
    n = ashape[axis]
    ir = g.integers(-n, n, ishape).astype(np.int32)
    out = mx.take_along_axis(x, mx.array(ir), axis=axis, stream=device)
    shape = [max(a, i) if k != axis % 3 else i for k, (a, i) in enumerate(zip(ashape, ishape))]
    ref = np.take_along_axis(np.broadcast_to(np_of(xr, name), [s if k != axis % 3 else n for k, s in
                                                               enumerate(shape)]),
                             np.broadcast_to(ir, shape), axis=axis)
    wx.assert_close(out, ref, name)


def test_take_along_axis_none_and_errors(device):
    a = mx.arange(6).reshape(2, 3)
    assert mx.take_along_axis(a, mx.array([5, -1, 0]), axis=None, stream=device).tolist() == [5, 5, 0]
    with pytest.raises(ValueError):
        mx.take_along_axis(a, mx.array([0, 1]), axis=1, stream=device)  # ndim 1 vs 2
    with pytest.raises(ValueError):
        mx.take(a, mx.array([0.0]), stream=device)
    with pytest.raises(ValueError):
        mx.take(mx.zeros((0, 3)), mx.array([0]), axis=0, stream=device)
    assert mx.take(mx.zeros((0, 3)), mx.array([], dtype=mx.int32), axis=0, stream=device).shape == (0, 3)


# ------------------------------------------------------------------ concatenate / stack / split / pad


@pytest.mark.parametrize("names", [("float32", "float32", "float32"), ("int8", "float32"), ("uint8", "int8"),
                                   ("bool", "int32", "int16", "uint8", "float16"), ("float64", "int32")], ids=str)
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concatenate(device, names, axis):
    skip_f64(device, *names)
    g = wx.rng("concat", names, axis)
    xs, refs = [], []
    for k, n in enumerate(names):
        shape = [2, 3, 4]
        if axis is not None:
            shape[axis] = k  # 0, 1, 2, ... along the axis (an empty part first)
        x, r = wx.rand(g, shape, n, -50, 50)
        xs.append(x)
        refs.append(np_of(r, n))
    out = mx.concatenate(xs, axis=axis, stream=device)
    res = wx.name_of(out.dtype)
    want = xs[0].dtype
    for x in xs[1:]:
        want = (mx.array(0, dtype=want) + mx.array(0, dtype=x.dtype)).dtype if x.dtype != mx.bool_ else want
    if "bool" not in names:
        assert out.dtype == want
    ref = np.concatenate([r.reshape(-1) if axis is None else r for r in refs], axis=0 if axis is None else axis)
    wx.assert_close(out, ref.astype(np.float64) if wx.is_float(res) else ref.astype(wx.NP_DTYPE[res]), res)


def test_concatenate_many_and_errors(device):
    parts = [mx.full((2, k), k, dtype=mx.int32) for k in range(9)]
    out = mx.concatenate(parts, axis=1, stream=device)
    assert out.tolist() == [[k for k in range(9) for _ in range(k)]] * 2
    assert mx.concatenate([mx.array([1, 2])], stream=device).tolist() == [1, 2]
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((2, 3)), mx.zeros((3, 4))], axis=1, stream=device)
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((2, 3)), mx.zeros((2,))], axis=1, stream=device)
    with pytest.raises(ValueError):
        mx.concatenate([], stream=device)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(device, axis):
    g = wx.rng("stack", axis)
    xs = [wx.rand(g, (2, 3), "float32") for _ in range(4)]
    out = mx.stack([x for x, _ in xs], axis=axis, stream=device)
    wx.assert_close(out, np.stack([r for _, r in xs], axis=axis), "float32")
    assert mx.stack([mx.array(1), mx.array(2.5)], stream=device).tolist() == [1.0, 2.5]
    with pytest.raises(ValueError):
        mx.stack([mx.zeros((2, 3)), mx.zeros((2, 4))], stream=device)
    with pytest.raises(ValueError):
        mx.stack([], stream=device)


@pytest.mark.parametrize("ios,axis", [(3, 0), (2, 1), ([2, 5, 20], 1), ([5, 2], 1), ([-2], -1), ([], 0),
                                      ((1,), 0)], ids=str)
def test_split(device, ios, axis):
    g = wx.rng("split", str(ios), axis)
    x, xr = wx.rand(g, (6, 8), "int32", -100, 100)
    parts = mx.split(x, ios, axis=axis, stream=device)
    refs = np.split(xr, ios if isinstance(ios, int) else list(ios), axis=axis)
    assert isinstance(parts, list) and len(parts) == len(refs)
    for p, r in zip(parts, refs):
        wx.assert_close(p, r, "int32")
    assert [p.tolist() for p in x.split(2)] == [r.tolist() for r in np.split(xr, 2)]
    with pytest.raises(ValueError):
        mx.split(x, 5, axis=0, stream=device)


@pytest.mark.parametrize("name", ["float32", "int32", "uint8", "bool", "float16"])
@pytest.mark.parametrize("width", [2, (1,), (1, 2), [(0, 1), (2, 0), (1, 1)], [(0, 0), (0, 0), (3, 0)]], ids=str)
def test_pad(device, name, width):
    g = wx.rng("pad", name, str(width))
    x, xr = wx.rand(g, (2, 0, 3) if name == "uint8" else (2, 3, 4), name, -50, 50)
    value = 3 if name in ("bool", "uint8") else 2.5
    out = mx.pad(x, width, constant_values=value, stream=device)
    w = width if isinstance(width, int) else (width[0] if len(width) == 1 else width)
    ref = np.pad(np_of(xr, name), w if not isinstance(width, list) else width, constant_values=value)
    if name == "int32":
        ref = np.pad(xr, w if not isinstance(width, list) else width, constant_values=2)
    wx.assert_dtype(out, name)
    wx.assert_close(out, ref.astype(np.float64) if wx.is_float(name) else ref.astype(wx.NP_DTYPE[name]), name)


def test_pad_errors(device):
    with pytest.raises(ValueError):
        mx.pad(mx.ones((2, 2)), -1, stream=device)


# ------------------------------------------------------------------ sort / argsort / topk


@pytest.mark.parametrize("name", ["float32", "float64", "int32", "uint8", "int8", "float16", "bool", "int64"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_sort_argsort(device, name, axis):
    skip_f64(device, name)
    g = wx.rng("sort", name, axis)
    x, xr = wx.rand(g, (5, 33), name, -8, 8)  # small ranges: many ties
    if wx.is_float(name):  # NaN among the values; no -0 (its place among 0s is not the point here)
        xr = xr.copy()
        xr[g.random(xr.shape) < 0.1] = np.nan
        x = wx.to_mx(xr, name)
    ref_in = np_of(xr, name)
    out = mx.sort(x, axis=axis, stream=device)
    wx.assert_close(out, np.sort(ref_in, axis=axis, kind="stable"), name)
    idx = mx.argsort(x, axis=axis, stream=device)
    wx.assert_dtype(idx, "uint32")
    if not wx.is_float(name):  # stable: ties keep their order (MLX orders NaNs among themselves freely)
        wx.assert_close(idx, np.argsort(ref_in, axis=axis, kind="stable").astype(np.uint32), "uint32")
    else:
        got = np.take_along_axis(ref_in.reshape(-1) if axis is None else ref_in, wx.to_numpy(idx).astype(np.int64),
                                 axis=-1 if axis is None else axis)
        np.testing.assert_array_equal(got, np.sort(ref_in, axis=axis))


@pytest.mark.parametrize("k,axis", [(3, -1), (0, -1), (5, 0), (33, 1), (4, None)])
def test_topk(device, k, axis):
    g = wx.rng("topk", k, axis)
    x, xr = wx.rand(g, (5, 33), "float32", -8, 8)
    out = mx.topk(x, k, axis=axis, stream=device)
    a = -1 if axis is None else axis
    ref = np.sort(xr.reshape(-1) if axis is None else xr, axis=a)
    ref = np.take(ref, np.arange(ref.shape[a] - k, ref.shape[a]), axis=a)
    got = np.sort(wx.to_numpy(out), axis=a)  # MLX leaves the order of the k unspecified
    np.testing.assert_array_equal(got, ref)
    with pytest.raises(ValueError):
        mx.topk(x, 34, axis=1, stream=device)


@pytest.mark.weir_only
def test_topk_ascending_and_nan(device):
    x = mx.array([3.0, float("nan"), 1.0, 2.0, 9.0])
    assert mx.topk(x, 3, stream=device).tolist()[:2] == [3.0, 9.0]
    assert np.isnan(mx.topk(x, 3, stream=device).tolist()[2])


def test_sort_errors(device):
    with pytest.raises(IndexError):
        mx.sort(mx.array(3.0), stream=device)
    with pytest.raises(IndexError):
        mx.argsort(mx.zeros((2, 3)), axis=2, stream=device)
    assert mx.sort(mx.zeros((0, 3)), stream=device).shape == (0, 3)


@pytest.mark.weir_only
def test_float64_refused_on_gpu(device):
    if not wx.is_gpu(device):
        pytest.skip("GPU only")
    a = mx.zeros((3,), dtype=mx.float64)
    for fn in (lambda: mx.cumsum(a, stream=device), lambda: mx.sort(a, stream=device),
               lambda: mx.take(a, mx.array([0]), stream=device),
               lambda: mx.concatenate([a, a], stream=device)):
        with pytest.raises(ValueError, match=F64_GPU):
            mx.eval(fn())
