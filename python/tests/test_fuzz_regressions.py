"""Regression tests for what fuzz/python/fuzz_python.py found (fuzz/README.md lists each
finding): each call raises an ordinary exception with a message, or works, and the process
keeps working."""

import pytest

from wx import mx

pytestmark = pytest.mark.weir_only


def test_split_empty_axis_into_huge_section_count():
    # Every count divides an empty axis: 2**31 - 1 sections built that many arrays (killed for memory).
    a = mx.zeros((0, 3))
    with pytest.raises(ValueError, match="empty axis"):
        mx.split(a, 2**31 - 1)
    with pytest.raises(ValueError, match="section"):
        mx.split(a, 2**31)
    parts = mx.split(a, 3)  # a few still work, as numpy's np.split
    assert len(parts) == 3 and all(p.shape == (0, 3) for p in parts)


def test_print_empty_array_with_many_long_dims():
    # fuzz_api, 30-minute campaign: MLX's form prints 7 bracket pairs per long dim before the 0,
    # exponential in the dims ((1000,) * 20 + (0,) reached a 4 GiB allocation).
    text = repr(mx.zeros((1000,) * 20 + (0,)))
    assert len(text) < 512
    assert text == "array([], shape=(" + "1000, " * 20 + "0), dtype=float32)"
    assert repr(mx.zeros((3,) * 5 + (0,))).count("[]") == 3**5  # MLX's form while small
    assert repr(mx.zeros((2, 0))) == "array([[],\n       []], dtype=float32)"
