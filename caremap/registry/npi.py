"""The NPI check digit: Luhn over the prefix 80840 followed by the first nine digits (CMS, NPI standard)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

_PREFIX_SUM = 24  # Luhn sum of "80840" in front of nine digits and a check digit: 8 + (0) + 8 + (4*2) + 0


_DOUBLED = {str(d): (2 * d if d < 5 else 2 * d - 9) for d in range(10)}
_PLAIN = {str(d): d for d in range(10)}


def check_digit(first_nine: str) -> int:
    """The tenth digit that makes ``first_nine`` a valid NPI."""
    # Counting from the check digit leftwards, positions 1, 3, ... are doubled: indexes 8, 6, 4, 2, 0 here.
    total = _PREFIX_SUM + sum(map(_DOUBLED.__getitem__, first_nine[0::2]))
    total += sum(map(_PLAIN.__getitem__, first_nine[1::2]))
    return (10 - total % 10) % 10


def is_valid_npi(value: str) -> bool:
    """Ten ASCII digits whose last is the Luhn check digit over 80840 + the first nine."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    return check_digit(value[:9]) == ord(value[9]) - 48


_DOUBLED_VALUES = np.array([2 * d if d < 5 else 2 * d - 9 for d in range(10)], dtype=np.int64)


def valid_npis(values: pa.Array) -> npt.NDArray[np.bool_]:
    """``is_valid_npi`` over a whole column of strings at once."""
    ten_digits = pc.match_substring_regex(values, r"^[0-9]{10}$")
    numbers = pc.cast(pc.if_else(ten_digits, values, "0000000000"), pa.int64()).to_numpy()

    def digit(power: int) -> npt.NDArray[np.int64]:
        result: npt.NDArray[np.int64] = numbers // 10**power % 10
        return result

    total = _PREFIX_SUM + sum(_DOUBLED_VALUES[digit(p)] for p in (9, 7, 5, 3, 1)) + sum(digit(p) for p in (8, 6, 4, 2))
    result: npt.NDArray[np.bool_] = ten_digits.to_numpy(zero_copy_only=False) & ((10 - total % 10) % 10 == digit(0))
    return result
