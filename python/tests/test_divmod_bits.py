"""floor_divide, remainder, arctan2, the bitwise ops and shifts, their operators (// % & | ^
<< >> ~), the in-place operators, and round(decimals): numpy as the reference on fresh random
inputs, on the CPU and the GPU."""

import operator

import numpy as np
import pytest

import wx
from wx import mx

INTS = ["uint8", "uint16", "uint32", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]


def _skip_f64_gpu(device, name):
    if wx.is_gpu(device) and name == "float64":
        pytest.skip("float64 is not supported on the GPU")


def _nonzero(g, shape, name, lo, hi):
    a, r = wx.rand(g, shape, name, lo, hi)
    if name != "bool" and not wx.is_float(name):
        r = np.where(r == 0, np.array(1, dtype=r.dtype), r)
        a = wx.to_mx(r, name)
    return a, r


@pytest.mark.parametrize("name", INTS + FLOATS)
def test_floor_divide_remainder(rng, device, name):
    _skip_f64_gpu(device, name)
    lo = 0 if name.startswith("u") else -50
    for sa, sb in [((6,), (6,)), ((3, 4), (4,)), ((), (2, 3)), ((0, 3), (1, 3))]:
        a, ra = wx.rand(rng, sa, name, lo, 100)
        b, rb = (_nonzero(rng, sb, name, lo, 9) if not wx.is_float(name)
                 else wx.rand(rng, sb, name, 0.5, 9))
        if wx.is_float(name):  # both signs for floats, away from 0
            sign = np.where(rng.random(sb) < 0.5, -1.0, 1.0)
            b, rb = wx.to_mx(rb * sign, name), rb * sign
        q = mx.floor_divide(a, b, stream=device)
        r = mx.remainder(a, b, stream=device)
        wx.assert_dtype(q, name)
        wx.assert_dtype(r, name)
        if wx.is_float(name):
            # numpy's divmod in the compute type (float32 for the half types); MLX takes
            # floor(a / b), which can be one more where a / b rounds up to an integer
            ct = np.float64 if name == "float64" else np.float32
            want = np.floor_divide(ra.astype(ct), rb.astype(ct)).astype(np.float64)
            got = wx.to_numpy(q)
            if name in ("float16", "bfloat16") or not wx.is_weir():
                assert np.all(np.abs(got - want) <= np.maximum(1, np.abs(want) * wx.EPS[name])), f"{got} {want}"
            else:
                wx.assert_close(q, want, name, what=f"floor_divide {name}")
            wx.assert_close(r, np.remainder(ra, rb), name, atol=wx.TOL[name][0] * 100,
                            what=f"remainder {name}")
        else:
            wx.assert_close(q, np.floor_divide(ra, rb), name, what=f"floor_divide {name}")
            wx.assert_close(r, np.remainder(ra, rb), name, what=f"remainder {name}")
    # operators and a transposed operand
    a, ra = wx.rand(rng, (4, 5), name, 1, 60)
    b, rb = _nonzero(rng, (5, 4), name, 1, 7) if not wx.is_float(name) else wx.rand(rng, (5, 4), name, 1, 7)
    with mx.stream(device):
        wx.assert_close(a // b.T, np.floor_divide(ra, rb.T), name, what="//")
        wx.assert_close(a % b.T, np.remainder(ra, rb.T), name, what="%")
        wx.assert_close(a // 3, np.floor_divide(ra, 3).astype(ra.dtype), name, what="// 3")
        wx.assert_close(100 % b, np.remainder(100, rb).astype(rb.dtype), name, what="100 % b")


@pytest.mark.weir_only
def test_integer_zero_divisor_and_min_by_minus_one(device):
    # numpy's results, no trap (MLX traps on INT_MIN // -1)
    a = mx.array([5, -5, 0, -2**31], dtype=mx.int32)
    b = mx.array([0, 0, 0, -1], dtype=mx.int32)
    assert mx.floor_divide(a, b, stream=device).tolist() == [0, 0, 0, -2**31]
    assert mx.remainder(a, b, stream=device).tolist() == [0, 0, 0, 0]
    u = mx.array([200], dtype=mx.uint8)
    assert mx.remainder(u, mx.array([0], dtype=mx.uint8), stream=device).tolist() == [0]


def test_float_specials(device):
    inf, nan = float("inf"), float("nan")
    a = mx.array([5.0, -5.0, 7.5, -7.5, 1.0, -1.0, inf])
    b = mx.array([0.0, 0.0, -2.0, 2.0, inf, inf, 2.0])
    q = mx.floor_divide(a, b, stream=device).tolist()
    assert q[:4] == [inf, -inf, -4.0, -4.0]
    r = mx.remainder(a, b, stream=device).tolist()
    assert np.isnan(r[0]) and r[2:6] == [-0.5, 0.5, 1.0, inf] and np.isnan(r[6])
    assert np.isnan(mx.floor_divide(mx.array([nan]), mx.array([1.0]), stream=device).item())


@pytest.mark.weir_only  # numpy's (and Python's) divmod; MLX takes floor(a / b): [10, -10]
def test_floor_divide_is_pythons(device):
    got = mx.floor_divide(mx.array([1.0, -7.0, 1.0]), mx.array([0.1, 0.7, -0.1]), stream=device)
    want = np.floor_divide(np.array([1.0, -7.0, 1.0], np.float32), np.array([0.1, 0.7, -0.1], np.float32))
    assert got.tolist() == want.tolist()
    r = mx.remainder(mx.array([6.0, -0.0]), mx.array([-3.0, 3.0]), stream=device).tolist()
    assert np.signbit(r[0]) and not np.signbit(r[1])


@pytest.mark.parametrize("name", ["int32", "uint8", "float16", "float32", "float64"])
def test_arctan2(rng, device, name):
    _skip_f64_gpu(device, name)
    a, ra = wx.rand(rng, (5, 6), name, -20, 20)
    b, rb = wx.rand(rng, (6,), name, -20, 20)
    got = mx.arctan2(a, b, stream=device)
    out = name if wx.is_float(name) else "float32"
    wx.assert_dtype(got, out)
    wx.assert_close(got, np.arctan2(ra.astype(np.float64), rb.astype(np.float64)), out)
    z = mx.arctan2(mx.array([0.0, -0.0, 1.0]), mx.array([-0.0, -1.0, 0.0]), stream=device).tolist()
    assert z == pytest.approx([np.pi, -np.pi, np.pi / 2], rel=1e-6)


BITWISE = {"bitwise_and": (np.bitwise_and, operator.and_), "bitwise_or": (np.bitwise_or, operator.or_),
           "bitwise_xor": (np.bitwise_xor, operator.xor)}


@pytest.mark.parametrize("op", list(BITWISE))
@pytest.mark.parametrize("name", ["bool"] + INTS + ["uint64"])
def test_bitwise(rng, device, op, name):
    npf, pyop = BITWISE[op]
    lo = -1000 if name[0] == "i" else 0
    a, ra = wx.rand(rng, (3, 4), name, lo, 5000)
    b, rb = wx.rand(rng, (4,), name, lo, 5000)
    got = getattr(mx, op)(a, b, stream=device)
    wx.assert_dtype(got, name)
    wx.assert_close(got, npf(ra, rb), name)
    with mx.stream(device):
        wx.assert_close(pyop(a, b), npf(ra, rb), name, what=f"operator {op}")
        wx.assert_close(pyop(a.T, a.T), npf(ra.T, ra.T), name, what=f"{op} transposed")


def test_bitwise_with_scalars_and_promotion():
    a = mx.array([1, 2, 3])
    assert (a & 1).tolist() == [1, 0, 1]
    assert (a | 6).tolist() == [7, 6, 7]
    wx.assert_dtype(a ^ 1, "int32")
    wx.assert_dtype(mx.bitwise_and(mx.array([1], dtype=mx.uint8), mx.array([1], dtype=mx.int8)), "int16")
    wx.assert_dtype(mx.bitwise_and(mx.array([True]), mx.array([True])), "bool")
    with pytest.raises((ValueError, RuntimeError)):  # MLX raises RuntimeError, weir ValueError
        mx.bitwise_and(mx.array([1.0]), mx.array([2.0]))
    with pytest.raises((ValueError, RuntimeError)):
        mx.array([1.0]) | 1


@pytest.mark.parametrize("name", INTS + ["uint64"])
def test_shifts(rng, device, name):
    bits = np.dtype(wx.NP_DTYPE[name]).itemsize * 8
    lo = -100 if name[0] == "i" else 0
    a, ra = wx.rand(rng, (4, 5), name, lo, 100)
    s, rs = wx.rand(rng, (5,), name, 0, bits)
    left = mx.left_shift(a, s, stream=device)
    right = mx.right_shift(a, s, stream=device)
    wx.assert_dtype(left, name)
    wx.assert_close(left, np.left_shift(ra, rs), name)
    wx.assert_close(right, np.right_shift(ra, rs), name)
    with mx.stream(device):
        wx.assert_close(a << s, np.left_shift(ra, rs), name, what="<<")
        wx.assert_close(a >> s, np.right_shift(ra, rs), name, what=">>")


@pytest.mark.weir_only
def test_shift_amounts_outside_the_width(device):
    # numpy's results (C leaves them undefined; MLX gives whatever the hardware does)
    a = mx.array([1, -5, 7], dtype=mx.int32)
    assert mx.left_shift(a, mx.array([33, 40, -1], dtype=mx.int32), stream=device).tolist() == [0, 0, 0]
    assert mx.right_shift(a, mx.array([33, 40, -1], dtype=mx.int32), stream=device).tolist() == [0, -1, 0]


def test_shift_dtypes():
    wx.assert_dtype(mx.left_shift(mx.array([True]), mx.array([True])), "uint8")
    assert mx.left_shift(mx.array([True]), mx.array([True])).tolist() == [2]
    assert mx.left_shift(mx.array([1], dtype=mx.int8), mx.array([7], dtype=mx.int8)).tolist() == [-128]
    assert mx.right_shift(mx.array([-128], dtype=mx.int8), mx.array([3], dtype=mx.int8)).tolist() == [-16]
    wx.assert_dtype(mx.array([1, 2], dtype=mx.int16) << 3, "int16")
    with pytest.raises((ValueError, RuntimeError)):  # MLX raises RuntimeError here
        mx.left_shift(mx.array([1.0]), 1)


@pytest.mark.parametrize("name", ["bool"] + INTS)
def test_invert(rng, device, name):
    a, ra = wx.rand(rng, (3, 5), name, -100 if name[0] == "i" else 0, 200)
    with mx.stream(device):
        got = ~a
    wx.assert_dtype(got, name)
    wx.assert_close(got, np.invert(ra), name)
    wx.assert_close(mx.bitwise_invert(a, stream=device), np.invert(ra), name)


def test_invert_refuses_floats():
    with pytest.raises((ValueError, RuntimeError)):
        ~mx.array([1.0])


IN_PLACE = [("+=", operator.iadd, np.add), ("-=", operator.isub, np.subtract),
            ("*=", operator.imul, np.multiply), ("//=", operator.ifloordiv, np.floor_divide),
            ("%=", operator.imod, np.remainder), ("&=", operator.iand, np.bitwise_and),
            ("|=", operator.ior, np.bitwise_or), ("^=", operator.ixor, np.bitwise_xor),
            ("<<=", operator.ilshift, np.left_shift), (">>=", operator.irshift, np.right_shift),
            ("**=", operator.ipow, np.power)]


@pytest.mark.parametrize("sym,iop,npf", IN_PLACE, ids=[s for s, _, _ in IN_PLACE])
def test_in_place_operators_update_the_array(rng, sym, iop, npf):
    a, ra = wx.rand(rng, (3, 4), "int32", 1, 20)
    b, rb = wx.rand(rng, (4,), "int32", 1, 4)
    alias = a
    r = iop(a, b)
    assert r is alias  # as in MLX: the object itself takes the result
    wx.assert_close(alias, npf(ra, rb), "int32", what=sym)


def test_in_place_true_divide_and_matmul(rng):
    a, ra = wx.rand(rng, (3, 3), "float32", 1, 2)
    b, rb = wx.rand(rng, (3, 3), "float32", 1, 2)
    alias = a
    a /= b
    wx.assert_close(alias, ra / rb, "float32")
    a @= b
    assert a is alias
    wx.assert_close(alias, (ra / rb) @ rb, "float32", rtol=1e-5)
    i = mx.array([1, 2])
    i += 0.5  # the dtype may change, as in MLX
    wx.assert_dtype(i, "float32")
    assert i.tolist() == [1.5, 2.5]


def test_in_place_keeps_other_arrays_built_from_the_old_value():
    a = mx.array([1.0, 2.0])
    b = a * 2
    a += 1
    assert b.tolist() == [2.0, 4.0] and a.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("decimals", [1, 2, 3, -1])
def test_round_decimals(rng, device, decimals):
    a, ra = wx.rand(rng, (20,), "float32", -500, 500)
    got = mx.round(a, decimals, stream=device)
    wx.assert_dtype(got, "float32")
    # in float32, as MLX and numpy's float32 round do: scaled by 10**decimals, rounded, scaled back
    # (a float64 reference differs by a unit in the last decimal where x * 10**decimals ties)
    wx.assert_close(got, np.round(ra.astype(np.float32), decimals), "float32", atol=1e-3)
    assert mx.round(mx.array([1, 2]), 2).tolist() == [1, 2]
