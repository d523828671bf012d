"""mx.array: construction (scalars, nested lists, numpy, other arrays, dtype=), attributes,
item / tolist / astype, repr and str, len and bool, numpy interop, and how dtypes print."""

import sys

import numpy as np
import pytest

import wx
from wx import mx

SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 4), (0,), (3, 0), (2, 0, 5), (1, 1, 1, 1)]


# ------------------------------------------------------------------ dtypes


@pytest.mark.parametrize("name", wx.DTYPE_NAMES)
def test_dtype_prints_like_mlx(name):
    # exactly as MLX prints them, "mlx.core.float32" (bool: "mlx.core.bool"), so that output
    # written for MLX reads the same under weir
    d = wx.dt(name)
    assert repr(d) == f"mlx.core.{name}"
    assert str(d) == f"mlx.core.{name}"
    assert isinstance(d, mx.Dtype)
    assert d.size == wx.ITEMSIZE[name]


def test_dtype_objects():
    assert mx.bool_ == mx.bool_ and mx.float32 != mx.float16
    assert len({wx.dt(n) for n in wx.DTYPE_NAMES}) == len(wx.DTYPE_NAMES)  # hashable, distinct
    for n in wx.DTYPE_NAMES:
        assert wx.dt(n) == wx.dt(n)
        assert sum(wx.dt(n) == wx.dt(m) for m in wx.DTYPE_NAMES) == 1


# ------------------------------------------------------------------ construction


@pytest.mark.parametrize("value,name,pytype", [
    (3, "int32", int), (-7, "int32", int), (0, "int32", int),
    (2.5, "float32", float), (-0.125, "float32", float),
    (True, "bool", bool), (False, "bool", bool),
])
def test_from_python_scalar(value, name, pytype):
    a = mx.array(value)
    wx.assert_dtype(a, name)
    assert a.shape == () and a.ndim == 0 and a.size == 1
    v = a.item()
    assert type(v) is pytype and v == value
    assert a.tolist() == value and type(a.tolist()) is pytype


def test_large_python_int_gives_int64():
    a = mx.array(2**40)
    wx.assert_dtype(a, "int64")
    assert a.item() == 2**40


@pytest.mark.parametrize("name", wx.DTYPE_NAMES)
def test_from_python_scalar_with_dtype(name):
    a = mx.array(3, dtype=wx.dt(name))
    wx.assert_dtype(a, name)
    assert a.item() == (True if name == "bool" else 3)
    value = 1.5 if wx.is_float(name) else 5
    b = mx.array(value, wx.dt(name))  # dtype is also the second positional argument
    wx.assert_dtype(b, name)
    assert b.item() == (True if name == "bool" else value)


@pytest.mark.parametrize("value,name,shape", [
    ([1, 2, 3], "int32", (3,)),
    ([[1, 2], [3, 4], [5, 6]], "int32", (3, 2)),
    ([1.0, 2, 3], "float32", (3,)),
    ([[True, False]], "bool", (1, 2)),
    ([True, 2], "int32", (2,)),
    ([True, 2.5], "float32", (2,)),
    ((1, 2, 3), "int32", (3,)),
    ([(1, 2), (3, 4)], "int32", (2, 2)),
    ([[[1.5]]], "float32", (1, 1, 1)),
    ([], "float32", (0,)),
    ([[], []], "float32", (2, 0)),
])
def test_from_nested_lists(value, name, shape):
    a = mx.array(value)
    wx.assert_dtype(a, name)
    assert a.shape == shape
    expected = np.array(value, dtype=wx.NP_DTYPE[name]).reshape(shape)
    assert a.tolist() == expected.tolist()


def test_from_random_nested_lists(rng):
    for _ in range(20):
        shape = tuple(int(d) for d in rng.integers(1, 5, rng.integers(1, 4)))
        ints = rng.integers(-1000, 1000, shape)
        a = mx.array(ints.tolist())
        wx.assert_dtype(a, "int32")
        assert a.tolist() == ints.tolist()
        floats = rng.standard_normal(shape)
        b = mx.array(floats.tolist())
        wx.assert_dtype(b, "float32")
        np.testing.assert_array_equal(np.array(b.tolist()), floats.astype(np.float32))
        c = mx.array(floats.tolist(), dtype=mx.float16)
        wx.assert_dtype(c, "float16")
        # Python floats become float32 first, then float16, as in MLX: about 1 in 14,000 values
        # then differs by an ulp from rounding the double directly (double rounding)
        np.testing.assert_array_equal(np.array(c.tolist()), floats.astype(np.float32).astype(np.float16))


@pytest.mark.parametrize("name", [n for n in wx.DTYPE_NAMES if n not in ("bfloat16", "float64")])
def test_from_numpy_keeps_the_dtype(rng, name):
    _, ref = wx.rand(rng, (3, 5), name, -100, 100)
    ref = ref.astype(wx.NP_DTYPE[name])
    a = mx.array(ref)
    wx.assert_dtype(a, name)
    assert a.shape == (3, 5)
    assert a.tolist() == ref.tolist()


def test_from_numpy_float64_gives_float32_like_mlx(rng):
    # MLX turns float64 numpy input into float32 unless dtype= says otherwise.
    x = rng.standard_normal((4, 3))
    a = mx.array(x)
    wx.assert_dtype(a, "float32")
    np.testing.assert_array_equal(np.array(a.tolist()), x.astype(np.float32))
    b = mx.array(x, dtype=mx.float64)
    wx.assert_dtype(b, "float64")
    assert b.tolist() == x.tolist()


@pytest.mark.parametrize("src,dst", [("int64", "float32"), ("float32", "float16"), ("int32", "int8"),
                                     ("float32", "bfloat16"), ("uint8", "float32"), ("bool", "int32")])
def test_from_numpy_with_dtype(rng, src, dst):
    _, ref = wx.rand(rng, (6,), src, -50, 50)
    ref = ref.astype(wx.NP_DTYPE[src])
    a = mx.array(ref, dtype=wx.dt(dst))
    wx.assert_dtype(a, dst)
    np.testing.assert_array_equal(wx.to_numpy(a), wx.exact_values(ref.astype(np.float64), dst))


def test_from_numpy_non_contiguous(rng):
    x = rng.standard_normal((5, 7)).astype(np.float32)
    for view in (x.T, x[::2], x[:, 1::3], x[1:4, 2:6].T):
        a = mx.array(view)
        assert a.shape == view.shape
        assert a.tolist() == view.tolist()


@pytest.mark.weir_only  # MLX: "Cannot convert DLPack arrays with negative strides to mlx array."
def test_from_numpy_negative_strides(rng):
    x = rng.standard_normal((5, 7)).astype(np.float32)
    for view in (x[::-1], x[:, ::-2], x[::-1, ::-1].T):
        a = mx.array(view)
        assert a.tolist() == view.tolist()


def test_from_numpy_copies(rng):
    x = rng.standard_normal(10).astype(np.float32)
    a = mx.array(x)
    keep = x.copy()
    x[:] = 123.0
    assert a.tolist() == keep.tolist()


def test_from_numpy_scalars_and_0d():
    assert mx.array(np.array(2.5, dtype=np.float32)).shape == ()
    assert mx.array(np.array(7, dtype=np.int16)).item() == 7
    wx.assert_dtype(mx.array(np.array(7, dtype=np.int16)), "int16")
    assert mx.array(np.float32(1.25)).item() == 1.25


def test_from_another_array(rng):
    _, ref = wx.rand(rng, (4, 3), "float32")
    a = wx.to_mx(ref, "float32")
    b = mx.array(a)
    wx.assert_dtype(b, "float32")
    assert b.tolist() == a.tolist()
    c = mx.array(a, dtype=mx.float16)
    wx.assert_dtype(c, "float16")
    np.testing.assert_array_equal(wx.to_numpy(c), ref.astype(np.float16).astype(np.float64))
    lazy = mx.add(a, 1.0)
    assert mx.array(lazy).tolist() == wx.to_numpy(lazy).tolist()


def test_from_a_list_of_arrays():
    a = mx.array([mx.array(1), mx.array(2)])
    assert a.tolist() == [1, 2]


@pytest.mark.parametrize("bad,exc", [
    ([[1, 2], [3]], ValueError),
    ("abc", (ValueError, TypeError)),  # MLX: ValueError "Invalid type str ..."; weir's rule: TypeError
    (None, TypeError),
])
def test_bad_construction(bad, exc):
    with pytest.raises(exc):
        mx.array(bad)


@pytest.mark.parametrize("bad", ["float32", np.float32, 4])
def test_bad_dtype_argument(bad):
    with pytest.raises(TypeError):
        mx.array([1, 2], dtype=bad)


# ------------------------------------------------------------------ attributes


@pytest.mark.parametrize("name", wx.DTYPE_NAMES)
@pytest.mark.parametrize("shape", SHAPES)
def test_attributes(rng, name, shape):
    a, _ = wx.rand(rng, shape, name)
    assert a.shape == shape and type(a.shape) is tuple
    assert all(type(d) is int for d in a.shape)
    assert a.dtype == wx.dt(name)
    assert a.ndim == len(shape)
    size = int(np.prod(shape, dtype=np.int64))
    assert a.size == size
    assert a.itemsize == wx.ITEMSIZE[name]
    assert a.nbytes == size * wx.ITEMSIZE[name]
    if shape:
        assert len(a) == shape[0]


def test_len_of_0d_is_a_type_error():
    with pytest.raises(TypeError):
        len(mx.array(3.0))


def test_bool_of_one_element():
    assert bool(mx.array([0])) is False
    assert bool(mx.array(3)) is True
    assert bool(mx.array([[1.5]])) is True
    assert bool(mx.array(0.0)) is False
    assert bool(mx.array([True])) is True
    assert bool(mx.add(mx.array([1]), -1)) is False
    with pytest.raises(ValueError):
        bool(mx.array([1, 2]))
    with pytest.raises(ValueError):
        bool(mx.array([]))


# ------------------------------------------------------------------ item / tolist


@pytest.mark.parametrize("name", wx.DTYPE_NAMES)
def test_item(rng, name):
    a, ref = wx.rand(rng, (), name, -100, 100)
    v = a.item()
    expected = {"bool": bool}.get(name, float if wx.is_float(name) else int)
    assert type(v) is expected
    assert v == ref.item()
    b, ref2 = wx.rand(rng, (1, 1), name, -100, 100)
    assert b.item() == ref2.item()


def test_item_extremes():
    u = mx.array(np.array([2**64 - 1], dtype=np.uint64))
    assert u.item() == 2**64 - 1
    i = mx.array(np.array([-(2**63), 2**63 - 1], dtype=np.int64))
    assert i.tolist() == [-(2**63), 2**63 - 1]
    assert mx.array(np.array(65504, dtype=np.float16)).item() == 65504.0


@pytest.mark.parametrize("shape", [(2,), (2, 3), (0,)])
def test_item_of_more_or_less_than_one_element_is_a_value_error(shape):
    with pytest.raises(ValueError):
        mx.zeros(shape).item()


@pytest.mark.parametrize("name", wx.DTYPE_NAMES)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 1, 3), (0,), (2, 0)])
def test_tolist(rng, name, shape):
    a, ref = wx.rand(rng, shape, name, -1000, 1000)
    got = a.tolist()
    if wx.is_float(name):
        expected = ref.astype(np.float64).tolist()
    else:
        expected = ref.tolist()
    assert got == expected
    leaf = {"bool": bool}.get(name, float if wx.is_float(name) else int)

    def leaves(x):
        if isinstance(x, list):
            for y in x:
                yield from leaves(y)
        else:
            yield x

    assert all(type(v) is leaf for v in leaves(got))
    if shape == ():
        assert not isinstance(got, list)


def test_tolist_bfloat16_gives_exact_python_floats():
    a = mx.array([0.1, 1.5, -2.25, 3.0e38], dtype=mx.bfloat16)
    expected = wx.round_to_bfloat16(np.array([0.1, 1.5, -2.25, 3.0e38], dtype=np.float32))
    assert a.tolist() == expected.astype(np.float64).tolist()
    assert a.tolist()[0] == 0.10009765625
    assert mx.array(0.1, dtype=mx.bfloat16).item() == 0.10009765625
    assert mx.array(0.1, dtype=mx.float16).item() == 0.0999755859375
    assert mx.array(0.1).item() == float(np.float32(0.1))


def test_tolist_of_views(rng):
    x = rng.integers(0, 100, (4, 6)).astype(np.int32)
    a = mx.array(x)
    assert mx.transpose(a).tolist() == x.T.tolist()
    assert a[1:, ::-2].tolist() == x[1:, ::-2].tolist()


# ------------------------------------------------------------------ astype


@pytest.mark.parametrize("src", wx.DTYPE_NAMES)
@pytest.mark.parametrize("dst", wx.DTYPE_NAMES)
def test_astype(rng, src, dst):
    low, high = (0, 100) if dst in wx.UNSIGNED_NAMES else (-100, 100)
    if src in wx.UNSIGNED_NAMES:
        low = 0
    a, ref = wx.rand(rng, (3, 4), src, low, high)
    b = a.astype(wx.dt(dst))
    wx.assert_dtype(b, dst)
    if dst == "bool":
        expected = ref.astype(np.float64) != 0
    elif wx.is_float(dst):
        expected = wx.exact_values(ref.astype(np.float64), dst)
    else:
        expected = np.trunc(ref.astype(np.float64)).astype(wx.NP_DTYPE[dst])
    np.testing.assert_array_equal(wx.to_numpy(b), expected)


def test_astype_stream_forms():
    a = mx.array([1.7, -2.5, 3.0])
    for s in (None, mx.cpu, mx.Device(mx.cpu, 0), mx.default_stream(mx.cpu), mx.new_stream(mx.cpu)):
        b = a.astype(mx.int32, stream=s)
        assert b.tolist() == [1, -2, 3]
        c = mx.astype(a, mx.int32, stream=s)
        assert c.tolist() == [1, -2, 3]
    with pytest.raises(TypeError):
        a.astype(mx.int32, stream="cpu")
    with pytest.raises(TypeError):
        a.astype("int32")


# ------------------------------------------------------------------ repr / str


@pytest.mark.parametrize("make,text", [
    (lambda: mx.array([2, 3, 4]), "array([2, 3, 4], dtype=int32)"),
    (lambda: mx.add(mx.array([1, 2, 3]), 1), "array([2, 3, 4], dtype=int32)"),
    (lambda: mx.array(1.5), "array(1.5, dtype=float32)"),
    (lambda: mx.array(3), "array(3, dtype=int32)"),
    (lambda: mx.array(True), "array(True, dtype=bool)"),
    (lambda: mx.array([True, False]), "array([True, False], dtype=bool)"),
    (lambda: mx.array([[1, 2], [3, 4]]), "array([[1, 2],\n       [3, 4]], dtype=int32)"),
    (lambda: mx.array([1.0, 2.5, -3.25]), "array([1, 2.5, -3.25], dtype=float32)"),
    (lambda: mx.array([1, 2], dtype=mx.float16), "array([1, 2], dtype=float16)"),
    (lambda: mx.array([1, 2], dtype=mx.bfloat16), "array([1, 2], dtype=bfloat16)"),
    (lambda: mx.array([1, 2], dtype=mx.uint8), "array([1, 2], dtype=uint8)"),
    (lambda: mx.array([1.5], dtype=mx.float64), "array([1.5], dtype=float64)"),
    (lambda: mx.array(0.1, dtype=mx.bfloat16), "array(0.100098, dtype=bfloat16)"),
    (lambda: mx.array(1 / 3), "array(0.333333, dtype=float32)"),
    (lambda: mx.array([1e-5, 1e10, 3.0]), "array([1e-05, 1e+10, 3], dtype=float32)"),
    (lambda: mx.array([float("nan"), float("inf"), -float("inf")]), "array([nan, inf, -inf], dtype=float32)"),
    (lambda: mx.array(-0.0), "array(-0, dtype=float32)"),
    (lambda: mx.zeros((0,)), "array([], dtype=float32)"),
    (lambda: mx.zeros((0, 3), dtype=mx.int32), "array([], dtype=int32)"),
    (lambda: mx.zeros((2, 0)), "array([[],\n       []], dtype=float32)"),
    (lambda: mx.arange(7), "array([0, 1, 2, ..., 4, 5, 6], dtype=int32)"),
    (lambda: mx.arange(2000), "array([0, 1, 2, ..., 1997, 1998, 1999], dtype=int32)"),
    (lambda: mx.ones((2, 2, 2)),
     "array([[[1, 1],\n        [1, 1]],\n       [[1, 1],\n        [1, 1]]], dtype=float32)"),
    (lambda: mx.reshape(mx.arange(14), (7, 2)),
     "array([[0, 1],\n       [2, 3],\n       [4, 5],\n       ...,\n       [8, 9],\n"
     "       [10, 11],\n       [12, 13]], dtype=int32)"),
    (lambda: mx.array(np.array([2**64 - 1, 5], dtype=np.uint64)),
     "array([18446744073709551615, 5], dtype=uint64)"),
])
def test_repr_fixed(make, text):
    a = make()
    assert repr(a) == text
    assert str(a) == text


@pytest.mark.parametrize("name", wx.DTYPE_NAMES)
def test_repr_random(rng, name):
    for _ in range(12):
        ndim = int(rng.integers(0, 4))
        shape = tuple(int(d) for d in rng.integers(0, 9, ndim))
        low, high = (-1e4, 1e4) if rng.random() < 0.5 else (-2.0, 2.0)
        a, ref = wx.rand(rng, shape, name, low, high)
        expected = wx.ref_repr(ref, name)
        assert repr(a) == expected
        assert str(a) == expected


def test_repr_of_a_transposed_view(rng):
    x = rng.integers(-9, 9, (3, 4)).astype(np.int32)
    a = mx.transpose(mx.array(x))
    assert repr(a) == wx.ref_repr(x.T, "int32")


# ------------------------------------------------------------------ numpy interop


@pytest.mark.parametrize("name", [n for n in wx.DTYPE_NAMES if n != "bfloat16"])
@pytest.mark.parametrize("shape", [(), (6,), (2, 3), (0, 4)])
def test_numpy_from_array(rng, name, shape):
    a, ref = wx.rand(rng, shape, name, -100, 100)
    n = np.array(a)
    assert n.dtype == wx.NP_DTYPE[name]
    assert n.shape == shape
    np.testing.assert_array_equal(n, ref.astype(wx.NP_DTYPE[name]))
    m = np.asarray(a)
    np.testing.assert_array_equal(m, ref.astype(wx.NP_DTYPE[name]))


def test_numpy_from_lazy_and_strided_results(rng):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    a = mx.array(x)
    t = mx.transpose(mx.add(a, 1.0))
    np.testing.assert_allclose(np.array(t), (x + 1).T, rtol=1e-6)
    s = a[::2, ::-1]
    np.testing.assert_array_equal(np.array(s), x[::2, ::-1])
    bf = mx.array(x).astype(mx.bfloat16)
    np.testing.assert_array_equal(np.array(bf.astype(mx.float32)), wx.round_to_bfloat16(x))


def test_numpy_result_is_a_copy_or_read_only(rng):
    x = rng.standard_normal(5).astype(np.float32)
    a = mx.array(x)
    n = np.array(a)
    n[0] = 1000.0
    assert a.tolist() == x.tolist()


def test_memoryview_format():
    a = mx.array([1, 2, 3])
    m = memoryview(a)
    assert m.format == "i" and m.shape == (3,) and m.itemsize == 4
    assert m.tolist() == [1, 2, 3]
    f = memoryview(mx.array([[1.5, 2.5]]))
    assert f.format == "f" and f.shape == (1, 2)


def test_references_to_inputs_are_not_kept():
    lst = [1.0, 2.0, 3.0]
    n = np.ones(4, dtype=np.float32)
    rl, rn = sys.getrefcount(lst), sys.getrefcount(n)
    a = mx.array(lst)
    b = mx.array(n)
    del a, b
    assert sys.getrefcount(lst) == rl
    assert sys.getrefcount(n) == rn
