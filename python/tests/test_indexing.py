"""Basic indexing against numpy: integers (also negative), slices with steps (also negative
and out of range), None, Ellipsis, and their combinations; results used in later ops; errors."""

import numpy as np
import pytest

import wx
from wx import mx

S = slice
INDICES = [
    0, -1, 1, (1, 2), (1, 2, 3), (-1, -2, -3), (0, -1),
    S(None), S(None, None, -1), S(1, None), S(None, -1), S(5, 1, -2), S(10, 20), S(-100, 100),
    (S(None), S(None, None, 2)), (S(None), S(None, None, -2), S(3, 0, -1)),
    (Ellipsis, 1), (Ellipsis,), (Ellipsis, S(None, None, -3)), (1, Ellipsis), (0, Ellipsis, 0),
    None, (None,), (0, None, S(1, 3)), (S(None), None, Ellipsis, None), (None, None, 1),
    (1, S(0, 0)), (S(None), S(2, 2)), (), (S(None, None, 3), -1, S(None, None, -1)),
    (-2, S(1, None, 2), None),
]


@pytest.mark.parametrize("idx", INDICES, ids=repr)
@pytest.mark.parametrize("name", ["int32", "float32", "bool", "float16", "bfloat16", "uint64"])
def test_index_like_numpy(rng, idx, name):
    a, ref = wx.rand(rng, (2, 3, 4), name, -50, 50)
    got = a[idx]
    expected = ref[idx]
    wx.assert_dtype(got, name)
    wx.assert_close(got, expected, name, what=f"a[{idx!r}]")


@pytest.mark.parametrize("idx", [(), Ellipsis, None, (None, Ellipsis)], ids=repr)
def test_index_0d(idx):
    a = mx.array(5)
    ref = np.array(5, dtype=np.int32)
    got = a[idx]
    assert got.shape == ref[idx].shape
    assert got.tolist() == ref[idx].tolist()


def test_index_size_0(rng):
    a = mx.zeros((0, 3))
    assert a[:, 1].shape == (0,)
    assert a[None, ::-1].shape == (1, 0, 3)
    b = mx.zeros((3, 0))
    assert b[1].shape == (0,)
    assert b[::2].shape == (2, 0)


def _random_index(g, shape):
    idx = []
    for d in shape:  # one entry per axis
        k = g.integers(0, 3)
        if k == 0:
            idx.append(int(g.integers(-d, d)))
        elif k == 1:
            start, stop = (int(v) if g.random() < 0.8 else None for v in g.integers(-d - 2, d + 2, 2))
            idx.append(slice(start, stop, int(g.choice([-3, -2, -1, 1, 2, 3]))))
        else:
            idx.append(slice(None))
    if g.random() < 0.4:  # the last few axes by an Ellipsis, or left out
        cut = int(g.integers(0, len(idx) + 1))
        idx = idx[:cut] + ([Ellipsis] if g.random() < 0.7 else [])
    for _ in range(int(g.integers(0, 3))):  # new axes anywhere
        idx.insert(int(g.integers(0, len(idx) + 1)), None)
    return tuple(idx)


def test_random_indices(rng):
    shape = (5, 6, 7)
    a, ref = wx.rand(rng, shape, "int32", -1000, 1000)
    for _ in range(300):
        idx = _random_index(rng, shape)
        got = a[idx]
        assert got.shape == ref[idx].shape, f"a[{idx!r}]"
        assert got.tolist() == ref[idx].tolist(), f"a[{idx!r}]"


def test_indexing_then_ops(rng, device):
    a, ref = wx.rand(rng, (6, 8), "float32")
    with mx.stream(device):
        v = a[::-2, 1::3]
        got = mx.add(mx.multiply(v, 2.0), a[0, None, 1::3])
        t = mx.transpose(a)[::3]
        red = mx.sum(t[:, ::-1], axis=1)
    wx.assert_close(got, ref[::-2, 1::3] * 2 + ref[0, None, 1::3], "float32")
    wx.assert_close(red, ref.T[::3][:, ::-1].sum(axis=1), "float32", rtol=1e-5, atol=1e-5)


def test_index_of_index(rng):
    a, ref = wx.rand(rng, (4, 5, 6), "int32", -100, 100)
    assert a[1][::-1][2].tolist() == ref[1][::-1][2].tolist()
    assert a[..., 2][1:][:, None].tolist() == ref[..., 2][1:][:, None].tolist()


def test_index_of_lazy_result():
    a = mx.add(mx.arange(12), 100)
    assert a[3].item() == 103
    assert a[-1].item() == 111
    assert a[::4].tolist() == [100, 104, 108]


def test_too_many_indices():
    a = mx.zeros((2, 3))
    # numpy says IndexError, MLX ValueError: either is an error about the index
    with pytest.raises((IndexError, ValueError)):
        a[0, 0, 0]


def test_two_ellipses():
    a = mx.zeros((2, 3))
    with pytest.raises((IndexError, ValueError)):
        a[..., 0, ...]


@pytest.mark.weir_only  # MLX does not check: a[5] reads out of bounds (garbage or a crash)
@pytest.mark.parametrize("idx", [5, -6, (0, 4), (1, -5), (Ellipsis, 10)], ids=repr)
def test_integer_out_of_range_is_an_index_error(idx):
    a = mx.zeros((5, 4))
    with pytest.raises(IndexError):
        a[idx]


@pytest.mark.weir_only  # MLX: ValueError "Cannot index mlx array using the given type."
@pytest.mark.parametrize("idx", [1.5, "x", (0, 1.0)], ids=repr)
def test_index_of_the_wrong_kind_is_a_type_error(idx):
    a = mx.zeros((5, 4))
    with pytest.raises(TypeError):
        a[idx]


@pytest.mark.weir_only  # MLX dies of SIGFPE on a[::0]; numpy: ValueError "slice step cannot be zero"
def test_zero_step_is_an_error():
    a = mx.zeros((5,))
    with pytest.raises(ValueError):
        a[::0]


ARRAY_INDEX_CASES = ["[ix([0, 2])]", "[:, ix([3, 1])]", "[1, :, ix([4, 0])]", "[..., ix([1, 1, 2])]",
                     "[None, :, ix([0, 3])]", "[ix([[0, 1], [2, 2]])]", "[:, 1:3, ix([0, -1])]",
                     "[::2, ix([2])]", "[1, :, ix([[0, 1]])]", "[:, 2, ix([1, 0])]", "[ix([1, 0]), :, 3]",
                     "[ix([-1, 0])]"]


@pytest.mark.parametrize("case", ARRAY_INDEX_CASES)
def test_one_integer_array_index(rng, device, case):
    r = rng.integers(-100, 100, (3, 4, 5)).astype(np.int32)
    with mx.stream(device):
        a = mx.array(r)
        got = eval("a" + case, {"a": a, "ix": lambda v: mx.array(v)})
        want = eval("r" + case, {"r": r, "ix": lambda v: np.array(v)})
        wx.assert_close(got, want, "int32", what=case)


@pytest.mark.weir_only  # MLX 0.32 does not index with bool scalars; numpy's rule
def test_bool_scalar_index():
    r = np.arange(12, dtype=np.float32).reshape(3, 4)
    a = mx.array(r)
    wx.assert_close(a[True], r[True], "float32")
    wx.assert_close(a[True, 1], r[True, 1], "float32")
    assert a[False].shape == (0, 3, 4)
    assert a[False, 1].shape == (0, 4)


@pytest.mark.weir_only  # MLX indexes with arrays, not lists
def test_list_index():
    r = np.arange(20, dtype=np.int32).reshape(4, 5)
    a = mx.array(r)
    wx.assert_close(a[[2, 0, 1]], r[[2, 0, 1]], "int32")
    wx.assert_close(a[:, [4, 4]], r[:, [4, 4]], "int32")


MANY_ARRAY_INDEX_CASES = [
    "[ix([0, 2]), ix([1, 3])]", "[:, ix([[0, 3], [-1, 2]]), ix([1, -2])]", "[ix([1, 0]), :, ix([4, 2])]",
    "[ix([2, 0]), 1, ix([0, 4])]", "[..., ix([3, 0]), ix([4, 4])]", "[1:3, ix([0, 1]), ix([2, 3])]",
    "[ix([0, 1]), None, ix([1, 2])]", "[ix([2, 1]), ix([3, 0]), ix([4, 1])]", "[0, ix([1, 2]), ix([4, 0])]",
    "[ix([[1], [2]]), ix([0, 3, 1])]", "[ix([0, 2]), ix([1, 3]), ::-2]", "[ix([1]), ix([3]), ix([2])]",
    "[ix([], dtype=np.int32), ix([], dtype=np.int32)]",
]


@pytest.mark.parametrize("case", MANY_ARRAY_INDEX_CASES)
def test_several_integer_array_indices(rng, device, case):
    """numpy's rules: the index arrays broadcast together; their result shape takes their axes'
    place when they sit side by side (integers count as index arrays) and goes first otherwise."""
    r = rng.integers(-100, 100, (3, 4, 5)).astype(np.int32)

    def ix_np(v, dtype=np.int64):
        return np.array(v, dtype=dtype)

    def ix_mx(v, dtype=np.int64):
        return mx.array(np.array(v, dtype=dtype))

    with mx.stream(device):
        a = mx.array(r)
        got = eval("a" + case, {"a": a, "ix": ix_mx, "np": np})
        want = eval("r" + case, {"r": r, "ix": ix_np, "np": np})
        assert tuple(got.shape) == want.shape, case
        wx.assert_close(got, want, "int32", what=case)


@pytest.mark.weir_only  # MLX: ValueError; numpy: IndexError
def test_several_array_indices_must_be_integers():
    a = mx.zeros((3, 3))
    with pytest.raises(IndexError, match="integer"):
        a[mx.array([0]), mx.array([1.0])]


SETITEM_CASES = [("[1:3]", ()), ("[::2, 1]", (2, 3)), ("[..., ::-1]", (3,)), ("[0]", (5, 1)),
                 ("[-1, 1:4:2, 0]", ()), ("[:, :, :]", (4, 5, 3)), ("[2:2]", ()), ("[1, ::-2]", (3, 3)),
                 ("[3, 4, 2]", ()), ("[:, -2:]", (1, 2, 1))]


@pytest.mark.parametrize("key,vshape", SETITEM_CASES)
def test_setitem_basic_keys(rng, device, key, vshape):
    r = rng.standard_normal((4, 5, 3)).astype(np.float32)
    v = rng.standard_normal(vshape).astype(np.float32)
    with mx.stream(device):
        a = mx.array(r)
        before = a + 0  # built from the old value: keeps it
        alias = a
        exec(f"a{key} = v", {"a": a, "v": mx.array(v)})
        exec(f"r{key} = v", {"r": r, "v": v})
        assert alias is a  # as in MLX, the object itself takes the new value
        wx.assert_close(a, r, "float32", what=f"a{key} = v")
    assert before.shape == (4, 5, 3)


def test_setitem_casts_to_the_arrays_dtype():
    a = mx.array([1, 2, 3, 4])
    a[1:3] = 7.9
    wx.assert_dtype(a, "int32")
    assert a.tolist() == [1, 7, 7, 4]
    b = mx.array([[1.0, 2.0], [3.0, 4.0]], dtype=mx.float16)
    b[:, 0] = mx.array([5, 6])
    wx.assert_dtype(b, "float16")
    assert b.tolist() == [[5.0, 2.0], [6.0, 4.0]]


def test_setitem_leaves_other_arrays_alone():
    a = mx.array([1, 2, 3])
    b = a * 1
    a[0] = 10
    assert a.tolist() == [10, 2, 3] and b.tolist() == [1, 2, 3]


@pytest.mark.weir_only
def test_setitem_errors():
    a = mx.zeros((2, 3))
    with pytest.raises(IndexError):
        a[5] = 1
    with pytest.raises(IndexError):
        a[0, 0, 0] = 1
    with pytest.raises(ValueError):  # does not broadcast to (2, 2)
        a[:, :2] = mx.zeros((3,))
    with pytest.raises(TypeError):
        a[mx.array([0])] = 1
    with pytest.raises(TypeError):
        del a[0]
    assert a.tolist() == [[0.0] * 3] * 2  # untouched by the failures
