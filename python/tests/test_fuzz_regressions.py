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
