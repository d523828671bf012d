"""The composite ops against numpy (a float64 reference on the very values the inputs hold), on the
CPU and on the GPU: var std all any logsumexp softmax, flatten swapaxes moveaxis expand_dims
squeeze broadcast_to clip tile repeat eye linspace tril triu, outer inner tensordot einsum, the
array methods among them, and their errors (MLX's exception types)."""

import warnings

import numpy as np
import pytest

import wx
from wx import mx

INF, NAN = float("inf"), float("nan")
# (rtol, atol) of a float result computed from a few dozen elements: the work runs in float32
# (float16/bfloat16 rounded once at the end), so a few units in the last place of the result.
RTOL = {"float32": 2e-5, "float16": 4e-3, "bfloat16": 2.5e-2, "float64": 1e-12}


def result_float(name):
    return name if wx.is_float(name) else "float32"


def gpu_f64(device, name):
    return wx.is_gpu(device) and name == "float64"


def close(got, ref, name, what=""):
    r = RTOL[name]
    wx.assert_close(got, ref, name, rtol=r, atol=r, what=what)


# ------------------------------------------------------------------ reductions

AXES = [None, 0, 1, -1, (0, 2), (2, 0, 1), []]


@pytest.mark.parametrize("name", ["float32", "float16", "bfloat16", "float64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("axis", AXES, ids=str)
def test_var_std(rng, device, name, axis):
    if gpu_f64(device, name):
        return
    a, ra = wx.rand(rng, (3, 4, 5), name, 0, 6)
    r = ra.astype(np.float64)
    npaxis = tuple(axis) if isinstance(axis, list) else axis
    out = result_float(name)
    for keepdims in (False, True):
        for ddof in (0, 1):
            with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
                warnings.simplefilter("ignore")  # ddof >= N: numpy warns and gives inf / NaN
                rv = np.var(r, axis=npaxis, keepdims=keepdims, ddof=ddof)
            v = mx.var(a, axis=axis, keepdims=keepdims, ddof=ddof, stream=device)
            s = mx.std(a, axis, keepdims, ddof, stream=device)
            wx.assert_dtype(v, out)
            wx.assert_dtype(s, out)
            close(v, rv, out, f"var axis={axis} kd={keepdims} ddof={ddof}")
            close(s, np.sqrt(rv), out, f"std axis={axis} kd={keepdims} ddof={ddof}")
    # a transposed (non-contiguous) input
    close(mx.var(mx.transpose(a), axis=0, stream=device), np.var(r.T, axis=0), out, "var of a transpose")


def test_var_ddof_edges():
    a = mx.array([1.0, 2.0, 3.0])
    assert mx.var(a, ddof=3).item() == INF
    assert mx.var(a, ddof=4).item() == INF
    assert np.isnan(mx.var(mx.array([1.0, 1.0, 1.0]), ddof=3).item())
    assert abs(mx.std(a, ddof=-1).item() - np.std([1, 2, 3], ddof=-1)) < 1e-6
    assert abs(mx.var(mx.array([1e4 + 1, 1e4 + 2, 1e4 + 3])).item() - 2 / 3) < 1e-5
    assert mx.var(mx.array(2.0)).item() == 0
    v = mx.var(mx.zeros((0, 3)), axis=0)
    assert v.shape == (3,) and np.all(np.isnan(np.array(v.tolist())))


@pytest.mark.parametrize("name", ["float32", "int32", "bool", "float16"])
@pytest.mark.parametrize("axis", AXES, ids=str)
def test_all_any(rng, device, name, axis):
    a, ra = wx.rand(rng, (3, 4, 5), name, -1, 2)
    if wx.is_float(name):
        ra = np.where(rng.random(ra.shape) < 0.3, 0.0, ra)
        ra[0, 0, 0] = np.nan  # NaN is true
        a = wx.to_mx(ra, name)
    npaxis = tuple(axis) if isinstance(axis, list) else axis
    for keepdims in (False, True):
        got_all = mx.all(a, axis=axis, keepdims=keepdims, stream=device)
        got_any = mx.any(a, axis, keepdims, stream=device)
        wx.assert_dtype(got_all, "bool")
        wx.assert_close(got_all, np.all(ra != 0, axis=npaxis, keepdims=keepdims), "bool")
        wx.assert_close(got_any, np.any(ra != 0, axis=npaxis, keepdims=keepdims), "bool")


def test_all_any_empty_and_0d(device):
    z = mx.zeros((0, 3))
    assert mx.all(z, stream=device).item() is True
    assert mx.any(z, stream=device).item() is False
    assert mx.all(z, axis=0, stream=device).tolist() == [True] * 3
    assert mx.any(z, axis=0, keepdims=True, stream=device).shape == (1, 3)
    assert mx.all(z, axis=1, stream=device).shape == (0,)
    assert mx.any(mx.array(3), stream=device).item() is True
    assert mx.all(mx.array(0.0), stream=device).item() is False


def np_logsumexp(r, axis, keepdims):
    m = np.max(r, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(r - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("name", ["float32", "float16", "bfloat16", "int32"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)], ids=str)
def test_logsumexp(rng, device, name, axis):
    a, ra = wx.rand(rng, (3, 4, 5), name, -20, 20)
    r = ra.astype(np.float64)
    out = result_float(name)
    for keepdims in (False, True):
        got = mx.logsumexp(a, axis=axis, keepdims=keepdims, stream=device)
        wx.assert_dtype(got, out)
        close(got, np_logsumexp(r, axis, keepdims), out, f"logsumexp axis={axis}")
    assert mx.logsumexp(a, stream=device).shape == ()


def test_logsumexp_special_values(device):
    rows = [[-INF, -INF], [INF, 1.0], [INF, -INF], [NAN, 1.0], [1000.0, 1000.0], [-1000.0, -1001.0]]
    got = mx.logsumexp(mx.array(rows), axis=1, stream=device).tolist()
    assert got[0] == -INF and got[1] == INF and got[2] == INF and np.isnan(got[3])
    assert abs(got[4] - (1000 + np.log(2))) < 1e-3
    assert abs(got[5] - np.logaddexp(-1000.0, -1001.0)) < 1e-3
    with pytest.raises(ValueError):
        mx.logsumexp(mx.zeros((0, 3)), axis=0)


def np_softmax(r, axis):
    m = np.max(r, axis=axis, keepdims=True)
    e = np.exp(r - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("name", ["float32", "float16", "bfloat16", "int32", "float64"])
@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2]], ids=str)
def test_softmax(rng, device, name, axis):
    if gpu_f64(device, name):
        return
    if name == "int32" and axis != -1 and not wx.is_weir():
        pytest.skip("MLX keeps int32 for a softmax over other than the last axis")
    a, ra = wx.rand(rng, (3, 4, 5), name, -30, 30)
    ref = np_softmax(ra.astype(np.float64), tuple(axis) if isinstance(axis, list) else axis)
    out = result_float(name)
    # MLX computes float64 exp in float32; weir in float64
    r = RTOL["float32" if name == "float64" and not wx.is_weir() else out]
    for precise in (False, True):
        got = mx.softmax(a, axis=axis, precise=precise, stream=device)
        wx.assert_dtype(got, out)
        wx.assert_close(got, ref, out, rtol=r, atol=r * 1e-2, what=f"softmax axis={axis}")
    got = mx.softmax(mx.transpose(a), axis=-1, stream=device)
    wx.assert_close(got, np_softmax(ra.astype(np.float64).T, -1), out, rtol=r, atol=r * 1e-2)


def test_softmax_special_values(device):
    got = mx.softmax(mx.array([[-INF, -INF], [INF, 1.0], [1000.0, 1000.0]]), axis=-1, stream=device).tolist()
    assert all(np.isnan(got[0])) and all(np.isnan(got[1]))  # MLX: NaN rows, as numpy
    assert got[2] == [0.5, 0.5]
    assert mx.softmax(mx.zeros((0, 3)), axis=0, stream=device).shape == (0, 3)
    assert mx.softmax(mx.array(2.0), stream=device).item() == 1.0
    assert mx.softmax(mx.array([1.0, 2.0]), axis=[], stream=device).tolist() == [1.0, 1.0]


def test_reduction_axis_errors():
    a = mx.zeros((2, 3))
    for fn in (mx.var, mx.std, mx.all, mx.any, mx.logsumexp, mx.softmax):
        with pytest.raises(IndexError):
            mx.eval(fn(a, axis=2))
        with pytest.raises(ValueError):
            mx.eval(fn(a, axis=[0, -2]))


# ------------------------------------------------------------------ shape


def test_flatten(rng, device):
    a, ra = wx.rand(rng, (2, 3, 4, 5), "float32")
    for args, shape in [((), (120,)), ((1, 2), (2, 12, 5)), ((-5, 1), (6, 4, 5)), ((2, 2), (2, 3, 4, 5)),
                        ((1, 9), (2, 60)), ((-3,), (2, 60))]:
        got = mx.flatten(a, *args, stream=device)
        wx.assert_close(got, ra.reshape(shape), "float32", what=f"flatten{args}")
    assert mx.flatten(a, start_axis=1, end_axis=-2).shape == (2, 12, 5)
    assert mx.flatten(mx.array(3.0)).shape == (1,)
    with pytest.raises(ValueError):
        mx.flatten(a, 3, 1)
    with pytest.raises(ValueError):
        mx.flatten(a, 4, 5)


def test_swapaxes_moveaxis(rng, device):
    a, ra = wx.rand(rng, (2, 3, 4, 5), "int32", -50, 50)
    wx.assert_close(mx.swapaxes(a, 0, -1, stream=device), np.swapaxes(ra, 0, -1), "int32")
    wx.assert_close(mx.swapaxes(a, 1, 1, stream=device), ra, "int32")
    for s, d in [(0, -1), (3, 0), (1, 2), (-1, 1)]:
        wx.assert_close(mx.moveaxis(a, s, d, stream=device), np.moveaxis(ra, s, d), "int32", what=f"moveaxis {s} {d}")
    t = mx.transpose(a)
    wx.assert_close(mx.moveaxis(t, 0, 2, stream=device), np.moveaxis(ra.T, 0, 2), "int32")
    with pytest.raises(IndexError):
        mx.swapaxes(a, 0, 4)
    with pytest.raises(IndexError):
        mx.moveaxis(a, 4, 0)
    with pytest.raises(IndexError):
        mx.swapaxes(mx.array(1.0), 0, 0)


def test_expand_dims_squeeze(rng, device):
    a, ra = wx.rand(rng, (2, 3), "float32")
    e = mx.expand_dims(a, (0, 3), stream=device)
    assert e.shape == (1, 2, 3, 1)
    wx.assert_close(e, ra.reshape(1, 2, 3, 1), "float32")
    assert mx.expand_dims(a, -1).shape == (2, 3, 1)
    assert mx.expand_dims(a, []).shape == (2, 3)
    assert mx.expand_dims(mx.array(1.0), (0, 1, -1)).shape == (1, 1, 1)
    assert mx.squeeze(e, stream=device).shape == (2, 3)
    assert mx.squeeze(e, 0).shape == (2, 3, 1)
    assert mx.squeeze(e, (0, -1)).shape == (2, 3)
    assert mx.squeeze(e, []).shape == (1, 2, 3, 1)
    assert mx.squeeze(mx.array(2.0)).shape == ()
    wx.assert_close(mx.squeeze(e), ra, "float32")
    with pytest.raises(ValueError):
        mx.expand_dims(a, (0, 0))
    with pytest.raises(ValueError):
        mx.expand_dims(a, (0, -4))
    with pytest.raises(IndexError):
        mx.expand_dims(a, 4)
    with pytest.raises(ValueError):
        mx.squeeze(e, 1)
    with pytest.raises(ValueError):
        mx.squeeze(e, (0, 0))
    with pytest.raises(IndexError):
        mx.squeeze(e, 5)


@pytest.mark.parametrize("name", ["float32", "int8", "bool", "float16"])
def test_broadcast_to(rng, device, name):
    a, ra = wx.rand(rng, (3, 1), name)
    for shape in [(2, 3, 4), (3, 1), (2, 3, 1), (3, 0), [1, 3, 5]]:
        got = mx.broadcast_to(a, shape, stream=device)
        wx.assert_dtype(got, name)
        wx.assert_close(got, np.broadcast_to(ra, tuple(shape)), name, what=f"to {shape}")
    t, rt = wx.rand(rng, (4, 3), name)
    wx.assert_close(mx.broadcast_to(mx.transpose(t), (2, 3, 4), stream=device), np.broadcast_to(rt.T, (2, 3, 4)), name)
    got = mx.broadcast_to(3, (2, 2))
    wx.assert_dtype(got, "int32")
    assert got.tolist() == [[3, 3], [3, 3]]
    with pytest.raises(ValueError):
        mx.broadcast_to(a, (2, 4))
    with pytest.raises(ValueError):
        mx.broadcast_to(a, (3,))
    with pytest.raises(ValueError):
        mx.broadcast_to(a, (-1, 4))


def test_clip(rng, device):
    a, ra = wx.rand(rng, (4, 5), "float32", -3, 3)
    lo, rlo = wx.rand(rng, (5,), "float32", -2, 0)
    wx.assert_close(mx.clip(a, lo, 1.5, stream=device), np.clip(ra, rlo, 1.5), "float32")
    wx.assert_close(mx.clip(a, None, 0.5, stream=device), np.minimum(ra, 0.5), "float32")
    wx.assert_close(mx.clip(a, lo, None, stream=device), np.maximum(ra, rlo), "float32")
    assert mx.clip(mx.array([1, 5, 9]), 2, 6).tolist() == [2, 5, 6]
    wx.assert_dtype(mx.clip(mx.array([1, 5, 9]), 2, 6), "int32")
    wx.assert_dtype(mx.clip(mx.array([1, 5, 9]), 2.5, None), "float32")
    wx.assert_dtype(mx.clip(mx.array([True, False]), 0, 0), "int32")
    got = mx.clip(mx.array([1.0, NAN, 9.0]), 0, 2).tolist()
    assert got[0] == 1 and np.isnan(got[1]) and got[2] == 2
    assert mx.clip(mx.array([[1.0, 2, 3]]), mx.zeros((2, 1)), None).shape == (2, 3)
    with pytest.raises(ValueError):
        mx.clip(a, None, None)


@pytest.mark.parametrize("reps", [2, (2,), (2, 1, 3), (0, 1), (), (1, 1)], ids=str)
def test_tile(rng, device, reps):
    a, ra = wx.rand(rng, (3, 4), "int32", -9, 9)
    wx.assert_close(mx.tile(a, reps, stream=device), np.tile(ra, reps), "int32", what=f"tile {reps}")
    wx.assert_close(mx.tile(mx.transpose(a), reps, stream=device), np.tile(ra.T, reps), "int32")


def test_tile_errors_and_scalars():
    assert mx.tile(mx.array(3), (2, 2)).tolist() == [[3, 3], [3, 3]]
    with pytest.raises(ValueError):
        mx.tile(mx.array([1, 2]), -1)


def test_repeat(rng, device):
    a, ra = wx.rand(rng, (3, 4), "float32")
    for repeats, axis in [(2, None), (2, 0), (3, 1), (3, -1), (0, 0), (1, None)]:
        got = mx.repeat(a, repeats, axis, stream=device)
        wx.assert_close(got, np.repeat(ra, repeats, axis), "float32", what=f"repeat {repeats} {axis}")
    wx.assert_close(mx.repeat(mx.transpose(a), 2, axis=1), np.repeat(ra.T, 2, axis=1), "float32")
    assert mx.repeat(mx.array(5), 3).tolist() == [5, 5, 5]
    with pytest.raises(ValueError):
        mx.repeat(a, -1, axis=0)
    with pytest.raises(IndexError):
        mx.repeat(a, 2, axis=2)
    with pytest.raises(IndexError):
        mx.repeat(mx.array(5), 3, axis=0)


@pytest.mark.parametrize("n,m,k,name", [(3, None, 0, "float32"), (2, 3, 1, "int32"), (4, 2, -1, "bool"),
                                        (2, 3, -5, "float16"), (0, None, 0, "float32"), (3, 3, 2, "uint8"),
                                        (2, 0, 0, "float32")])
def test_eye(device, n, m, k, name):
    got = mx.eye(n, m, k, dtype=wx.dt(name), stream=device)
    wx.assert_dtype(got, name)
    wx.assert_close(got, np.eye(n, m, k).astype(wx.NP_DTYPE[name] or np.float64), name)
    wx.assert_dtype(mx.eye(2), "float32")
    with pytest.raises(ValueError):
        mx.eye(-1)


@pytest.mark.parametrize("start,stop,num,endpoint", [(0, 1, 5, True), (0.1, 0.7, 7, True), (1, 0, 3, True),
                                                     (0, 1, 4, False), (2, 3, 1, True), (0, 1, 0, True),
                                                     (-3.5, 7.25, 50, True), (0, 1, 1, False)])
def test_linspace(device, start, stop, num, endpoint):
    got = mx.linspace(start, stop, num, endpoint=endpoint, stream=device)
    wx.assert_dtype(got, "float32")
    ref = np.linspace(start, stop, num, endpoint=endpoint)
    wx.assert_close(got, ref, "float32", rtol=2e-6, atol=1e-6)
    if endpoint and num > 1:
        assert got.tolist()[-1] == np.float32(stop)


def test_linspace_dtypes():
    assert mx.linspace(0, 10, 4, dtype=mx.int32).tolist() == [0, 3, 6, 10]
    assert mx.linspace(-5, 5, 7, dtype=mx.int32).tolist() == [-5, -3, -1, 0, 1, 3, 5]
    wx.assert_dtype(mx.linspace(0, 1, 3, dtype=mx.float16), "float16")
    assert mx.linspace(0, 1, 3, dtype=mx.float64).tolist() == [0.0, 0.5, 1.0]
    assert len(mx.linspace(0, 1)) == 50
    with pytest.raises(ValueError):
        mx.linspace(0, 1, -1)


@pytest.mark.parametrize("name", ["float32", "int32", "bool", "bfloat16"])
def test_tril_triu(rng, device, name):
    a, ra = wx.rand(rng, (2, 3, 4), name)
    if wx.is_float(name):  # inf and NaN outside the triangle give exact zeros
        ra = ra.copy()
        ra[0, 0, 3], ra[1, 2, 0], ra[0, 1, 2] = np.inf, np.nan, -np.inf
        a = wx.to_mx(ra, name)
    for k in (-4, -1, 0, 1, 2, 5):
        with np.errstate(invalid="ignore"):
            wx.assert_close(mx.tril(a, k, stream=device), np.tril(ra, k), name, what=f"tril k={k}")
            wx.assert_close(mx.triu(a, k=k, stream=device), np.triu(ra, k), name, what=f"triu k={k}")
    with pytest.raises(ValueError):
        mx.tril(mx.array([1.0, 2.0]))


# ------------------------------------------------------------------ linear algebra


def test_outer_inner(rng, device):
    a, ra = wx.rand(rng, (2, 3), "float32")
    b, rb = wx.rand(rng, (4, 3), "float32")
    wx.assert_close(mx.outer(a, b, stream=device), np.outer(ra, rb), "float32", rtol=1e-6)
    got = mx.outer(mx.array([1, 2]), mx.array([[1, 2], [3, 4]]))
    wx.assert_dtype(got, "int32")
    assert got.tolist() == [[1, 2, 3, 4], [2, 4, 6, 8]]
    wx.assert_close(mx.inner(a, b, stream=device), np.inner(ra, rb), "float32", rtol=1e-5, atol=1e-5)
    wx.assert_close(mx.inner(mx.array(2.0), b), 2 * rb, "float32")
    with pytest.raises(ValueError):
        mx.inner(a, mx.zeros((3, 2)))


def test_tensordot(rng, device):
    a, ra = wx.rand(rng, (2, 3, 4), "float32", -2, 2)
    b, rb = wx.rand(rng, (3, 4, 5), "float32", -2, 2)
    c, rc = wx.rand(rng, (4, 3, 5), "float32", -2, 2)
    for x, rx, y, ry, axes in [(a, ra, b, rb, 2), (a, ra, b, rb, 0), (a, ra, c, rc, [[1, 2], [1, 0]]),
                               (a, ra, c, rc, [[1, -1], [1, 0]]), (a, ra, c, rc, [[2], [0]]),
                               (a, ra, b, rb, [[], []])]:
        got = mx.tensordot(x, y, axes, stream=device)
        ref = np.tensordot(rx, ry, axes if isinstance(axes, int) else tuple(axes))
        wx.assert_close(got, ref, "float32", rtol=1e-5, atol=1e-5, what=f"tensordot {axes}")
    assert mx.tensordot(a, b).shape == (2, 5)
    d, rd = wx.rand(rng, (2, 5), "float32", -2, 2)
    got = mx.tensordot(mx.transpose(a), d, axes=1, stream=device)
    wx.assert_close(got, np.tensordot(ra.T, rd, 1), "float32", rtol=1e-5, atol=1e-5, what="transposed a")
    with pytest.raises(ValueError):
        mx.tensordot(a, b, 1)
    with pytest.raises(ValueError):
        mx.tensordot(a, b, 4)
    with pytest.raises(ValueError):
        mx.tensordot(a, b, -1)
    with pytest.raises(ValueError):
        mx.tensordot(a, c, [[1], [1, 0]])
    with pytest.raises(ValueError):
        mx.tensordot(mx.ones((2, 3), mx.int32), mx.ones((3, 2), mx.int32), 1)


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(6,), (6,)]), ("i,i", [(6,), (6,)]), ("ij->ji", [(3, 4)]), ("ji", [(3, 4)]), ("ij", [(3, 4)]),
    ("ij->", [(3, 4)]), ("ij->i", [(3, 4)]), ("i j -> j", [(3, 4)]), ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ij,jk->i", [(3, 4), (4, 5)]), ("i,j->ij", [(3,), (4,)]), ("bi,bi->b", [(3, 4), (3, 4)]),
    ("ij,ij->ji", [(3, 4), (3, 4)]), (",->", [(), ()]), ("Ab,bC->CA", [(2, 3), (3, 4)]),
    ("abc,cad->bd", [(2, 3, 4), (4, 2, 5)]), ("ij,jk->ik", [(3, 0), (0, 5)]), ("ij,kl->ijkl", [(2, 3), (4, 5)]),
]


@pytest.mark.parametrize("sub,shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum(rng, device, sub, shapes):
    ops = [wx.rand(rng, s, "float32", -2, 2) for s in shapes]
    got = mx.einsum(sub, *[o[0] for o in ops], stream=device)
    ref = np.einsum(sub.replace(" ", ""), *[o[1].astype(np.float64) for o in ops])
    wx.assert_close(got, ref, "float32", rtol=1e-5, atol=1e-5, what=sub)
    if len(ops) == 2 and len(shapes[0]) == 2 and len(shapes[1]) == 2:  # transposed operands
        ta = mx.transpose(mx.transpose(ops[0][0]))
        wx.assert_close(mx.einsum(sub, ta, ops[1][0]), ref, "float32", rtol=1e-5, atol=1e-5, what=sub)


def test_einsum_broadcast_and_errors():
    x, y = mx.ones((2, 1)), mx.ones((3, 4))
    assert mx.einsum("ij,jk->ik", x, y).tolist() == [[3.0] * 4] * 2
    assert mx.einsum("ij,ij->ij", mx.ones((2, 3)), mx.ones((1, 3))).shape == (2, 3)
    a = mx.ones((2, 3))
    for sub, ops in [("ij,jk", [a]), ("i1,jk", [a, a]), ("ij->ji->", [a]), ("ij,jk->ik", [a, mx.ones((4, 4))]),
                     ("ij,jk->ii", [a, mx.ones((3, 4))]), ("ij,jk->il", [a, mx.ones((3, 4))])]:
        with pytest.raises(ValueError):
            mx.eval(mx.einsum(sub, *ops))


@pytest.mark.weir_only  # MLX supports these forms
def test_einsum_unsupported_forms():
    a = mx.ones((2, 2))
    for sub, ops, word in [("...ij,jk->ik", [a, a], "ellipsis"), ("ij,jk,kl->il", [a, a, a], "ij,jk,kl->il"),
                           ("ii->i", [a], "ii->i"), ("ij,jj->i", [a, a], "repeated")]:
        with pytest.raises(ValueError, match=word.replace(".", r"\.")):
            mx.einsum(sub, *ops)


# ------------------------------------------------------------------ methods


def test_array_methods(rng):
    a, ra = wx.rand(rng, (3, 1, 4), "float32", -2, 2)
    r = ra.astype(np.float64)
    close(a.var(), np.var(r), "float32")
    close(a.var(axis=2, ddof=1), np.var(r, axis=2, ddof=1), "float32")
    close(a.std(0, True), np.std(r, axis=0, keepdims=True), "float32")
    wx.assert_close(a.all(), np.all(r != 0), "bool")
    wx.assert_close((a > 0).any(axis=-1), np.any(r > 0, axis=-1), "bool")
    close(a.logsumexp(axis=0), np_logsumexp(r, 0, False), "float32")
    assert a.flatten().shape == (12,)
    assert a.flatten(start_axis=1).shape == (3, 4)
    assert a.swapaxes(0, 2).shape == (4, 1, 3)
    assert a.moveaxis(0, -1).shape == (1, 4, 3)
    assert a.squeeze().shape == (3, 4)
    assert a.squeeze(1).shape == (3, 4)
