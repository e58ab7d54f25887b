"""A read-only square matrix of integers that the whole planner can share cheaply.

``m[i][j]`` gives a plain Python ``int`` (rows are memoryviews over one numpy array), so the
plain-Python code (checks, schedules, reasons) reads it as fast as nested tuples, while engines
take :attr:`Matrix.array` (numpy, int64, read-only) without copying. A 5,000-place matrix is
200 MB instead of the ~900 MB of nested tuples of ints.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray


class Matrix:
    """Square, read-only int64 matrix; ``m[i][j]`` is an ``int``, ``m.array`` the numpy array.

    Parameters
    ----------
    values : array-like
        Square matrix of integers (nested sequences or a numpy array); it is copied once.

    Raises
    ------
    ValueError
        If ``values`` is not a square 2-D matrix.
    """

    __slots__ = ("_rows", "array")

    def __init__(self, values: Sequence[Sequence[int]] | NDArray[Any] | Matrix) -> None:
        if isinstance(values, Matrix):
            arr = values.array
        else:
            arr = np.array(values, dtype=np.int64)
            if arr.size == 0:
                arr = arr.reshape(0, 0)
            arr.setflags(write=False)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise ValueError(f"must be a square matrix, got shape {arr.shape}")
        self.array: NDArray[np.int64] = arr
        self._rows = tuple(memoryview(arr[i]) for i in range(arr.shape[0]))

    def __getitem__(self, i: int) -> memoryview:
        return self._rows[i]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[memoryview]:
        return iter(self._rows)

    def __eq__(self, other: object) -> bool:
        other_arr = other.array if isinstance(other, Matrix) else np.asarray(other)
        return bool(self.array.shape == other_arr.shape and np.array_equal(self.array, other_arr))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Matrix, (np.array(self.array),))

    def __repr__(self) -> str:
        return f"Matrix({self.array.shape[0]}x{self.array.shape[0]})"

    def max(self) -> int:
        """Largest entry (0 for an empty matrix)."""
        return int(self.array.max()) if self.array.size else 0

    def sub(self, places: Sequence[int]) -> NDArray[np.int64]:
        """The rows and columns of ``places`` (a new numpy array, in that order)."""
        idx = np.asarray(places, dtype=np.intp)
        return self.array[np.ix_(idx, idx)]
