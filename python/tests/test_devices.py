"""Devices: DeviceType (mx.cpu, mx.gpu), Device, default_device / set_default_device,
is_available, device_count, device_info, mx.cuda / mx.metal, and weir's index validation."""

import os

import pytest

import wx
from wx import mx


def test_device_types_print_like_mlx():
    assert repr(mx.cpu) == "DeviceType.cpu"
    assert repr(mx.gpu) == "DeviceType.gpu"
    assert str(mx.cpu) == "DeviceType.cpu"
    assert mx.DeviceType.cpu is mx.cpu
    assert mx.DeviceType.gpu is mx.gpu
    assert mx.cpu != mx.gpu
    assert mx.cpu == mx.cpu


@pytest.mark.parametrize("kind,index", [("cpu", 0), ("gpu", 0), ("gpu", 1), ("gpu", 7)])
def test_device_repr(kind, index):
    t = getattr(mx, kind)
    d = mx.Device(t, index)
    assert repr(d) == f"Device({kind}, {index})"
    assert str(d) == f"Device({kind}, {index})"
    assert d.type == t


def test_device_index_defaults_to_zero_and_is_a_keyword():
    assert repr(mx.Device(mx.cpu)) == "Device(cpu, 0)"
    assert repr(mx.Device(mx.gpu)) == "Device(gpu, 0)"
    assert repr(mx.Device(mx.gpu, index=3)) == "Device(gpu, 3)"
    assert mx.Device(mx.cpu).type is mx.cpu


def test_device_equality():
    assert mx.Device(mx.cpu) == mx.Device(mx.cpu, 0)
    assert mx.Device(mx.gpu, 0) == mx.Device(mx.gpu)
    assert mx.Device(mx.cpu, 0) != mx.Device(mx.gpu, 0)
    assert mx.Device(mx.gpu, 1) != mx.Device(mx.gpu, 0)
    assert not (mx.Device(mx.gpu, 1) == mx.Device(mx.gpu, 0))


def test_device_type_equals_index_zero_device_both_ways():
    assert mx.cpu == mx.Device(mx.cpu, 0)
    assert mx.Device(mx.cpu, 0) == mx.cpu
    assert mx.gpu == mx.Device(mx.gpu, 0)
    assert mx.Device(mx.gpu, 0) == mx.gpu
    assert mx.Device(mx.cpu, 0) != mx.gpu
    assert mx.gpu != mx.Device(mx.cpu, 0)
    assert mx.Device(mx.gpu, 0) != mx.cpu
    # A Device compares its index too (MLX: `mx.gpu == Device(gpu, 1)` is True from the
    # DeviceType side, so only the Device side is checked here).
    assert mx.Device(mx.gpu, 1) != mx.gpu
    assert not (mx.Device(mx.gpu, 1) == mx.gpu)


def test_default_device_is_a_device():
    d = mx.default_device()
    assert isinstance(d, mx.Device)
    env = os.environ.get("WEIR_DEVICE")
    # gpu:0 when there is one, else the cpu; WEIR_DEVICE=cpu picks the cpu
    if env != "cpu" and wx.has_gpu():
        expected = mx.Device(mx.gpu, 0)
    else:
        expected = mx.Device(mx.cpu, 0)
    assert d == expected, f"default device {d!r} (WEIR_DEVICE={env!r}, GPUs {wx.gpu_count()})"


@pytest.mark.parametrize("form", ["type", "device"])
def test_set_default_device(form):
    target = mx.cpu if form == "type" else mx.Device(mx.cpu, 0)
    assert mx.set_default_device(target) is None
    assert mx.default_device() == mx.Device(mx.cpu, 0)
    # ops follow it: the result lives on the default stream of the cpu and is right
    a = mx.add(mx.array([1, 2, 3]), 1)
    assert a.tolist() == [2, 3, 4]
    assert mx.default_stream(mx.default_device()).device == mx.Device(mx.cpu, 0)


def test_set_default_device_gpu_and_back():
    wx.require_gpu()
    mx.set_default_device(mx.gpu)
    assert mx.default_device() == mx.Device(mx.gpu, 0)
    a = mx.multiply(mx.array([1.5, 2.0]), 2)
    assert a.tolist() == [3.0, 4.0]
    mx.set_default_device(mx.Device(mx.cpu, 0))
    assert mx.default_device() == mx.cpu


def test_is_available():
    assert mx.is_available(mx.cpu) is True
    assert mx.is_available(mx.Device(mx.cpu, 0)) is True
    assert mx.is_available(mx.gpu) is wx.has_gpu()
    assert mx.is_available(mx.Device(mx.cpu, 1)) is False
    n = wx.gpu_count()
    for k in range(n):
        assert mx.is_available(mx.Device(mx.gpu, k)) is True
    assert mx.is_available(mx.Device(mx.gpu, n)) is False
    assert mx.is_available(mx.Device(mx.gpu, n + 5)) is False


def test_device_count():
    assert mx.device_count(mx.cpu) == 1
    n = mx.device_count(mx.gpu)
    assert isinstance(n, int) and n >= 0
    assert mx.is_available(mx.gpu) == (n > 0)


def test_device_info_cpu():
    info = mx.device_info(mx.cpu)
    assert isinstance(info, dict)
    for key in ("device_name", "architecture"):
        assert key in info, f"device_info(cpu) lacks {key}: {info}"
        assert isinstance(info[key], str) and info[key], f"{key} = {info[key]!r}"
    assert all(isinstance(k, str) for k in info)
    assert all(isinstance(v, (str, int)) for v in info.values())
    assert mx.device_info(mx.Device(mx.cpu, 0)) == info


def test_device_info_defaults_to_the_default_device():
    mx.set_default_device(mx.cpu)
    assert mx.device_info() == mx.device_info(mx.cpu)


def test_cuda_and_metal_availability():
    assert mx.cuda.is_available() is wx.has_gpu()
    assert mx.metal.is_available() is False


@pytest.mark.parametrize("bad", [
    "cpu", 1.5, None, [mx.cpu],
    # MLX converts an int to a DeviceType (0 is cpu); weir: an int is the wrong kind
    pytest.param(0, marks=pytest.mark.weir_only),
])
def test_device_functions_reject_other_kinds(bad):
    with pytest.raises(TypeError):
        mx.set_default_device(bad)
    with pytest.raises(TypeError):
        mx.default_stream(bad)
    with pytest.raises(TypeError):
        mx.new_stream(bad if bad is not None else "cpu")


# ------------------------------------------------------------------ weir: indices are validated


def _assert_missing(d, op):
    """Every way of using the device d fails with IndexError naming it; op(d) builds an op on it."""
    msg = rf"{repr(d).replace('(', '[(]').replace(')', '[)]')} does not exist"
    for use in (mx.set_default_device, mx.default_stream, mx.new_stream, op, mx.device_info):
        with pytest.raises(IndexError, match=msg):
            use(d)
    with pytest.raises(IndexError, match=msg):
        with mx.stream(d):
            pass


@pytest.mark.weir_only  # MLX: new_stream(Device(cpu, 5)) succeeds, default_stream gives a vector range error
@pytest.mark.parametrize("index", [1, 2, 100])
def test_cpu_index_is_validated(index):
    d = mx.Device(mx.cpu, index)
    assert repr(d) == f"Device(cpu, {index})"  # a value: building it is fine
    _assert_missing(d, lambda d: mx.add(mx.array([1.0]), 1.0, stream=d))
    assert mx.default_device() != d


@pytest.mark.weir_only  # MLX: ValueError "Cannot ... gpu ... without gpu backend", or {} from device_info
def test_gpu_index_past_the_count_is_an_index_error():
    n = wx.gpu_count()
    _assert_missing(mx.Device(mx.gpu, n), lambda d: mx.zeros((3,), stream=d))
    # nothing changed, and work goes on
    assert mx.add(mx.array([1]), 1).item() == 2


@pytest.mark.weir_only  # MLX: ValueError "[set_default_device] Cannot set gpu device without gpu backend."
def test_no_gpu_message_says_how_many():
    if wx.has_gpu():
        pytest.skip(f"this machine has {wx.gpu_count()} GPU(s); the no-GPU message needs none")
    with pytest.raises(IndexError, match=r"Device\(gpu, 0\) does not exist: this machine has no GPU"):
        mx.set_default_device(mx.gpu)
    assert mx.default_device() == mx.cpu
