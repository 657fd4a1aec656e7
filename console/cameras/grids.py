"""Wall layouts as data: which cells of an N x N grid each tile spans.

Kept apart from the widgets so salvos can be validated and tested without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    rows: int = 1
    cols: int = 1


def _square(n: int) -> tuple[Cell, ...]:
    return tuple(Cell(r, c) for r in range(n) for c in range(n))


def _big_plus(n: int, big: int, at: tuple[int, int] = (0, 0)) -> tuple[Cell, ...]:
    """One big tile of `big` x `big` cells at `at`, small tiles fill the rest of n x n."""
    r0, c0 = at
    cells = [Cell(r0, c0, big, big)]
    for r in range(n):
        for c in range(n):
            if not (r0 <= r < r0 + big and c0 <= c < c0 + big):
                cells.append(Cell(r, c))
    return tuple(cells)


GRIDS: dict[str, tuple[Cell, ...]] = {
    "1": _square(1),
    "2x2": _square(2),
    "3x3": _square(3),
    "4x4": _square(4),
    "1+5": _big_plus(3, 2),
    "1+7": _big_plus(4, 3),
    "1+12": _big_plus(4, 2, (1, 1)),
}
GRID_NAMES = tuple(GRIDS)


def grid_size(name: str) -> int:
    """Rows (= columns) of the underlying square grid."""
    cells = GRIDS[name]
    return max(c.row + c.rows for c in cells)


def is_large(name: str, index: int) -> bool:
    """The single tile, or the big tile of a 1+N layout, deserves the main stream.

    A 2x2 tile on a 1080p screen is ~960x540: the 640x360 sub stream is close enough and costs a
    quarter of the decoding.
    """
    cell = GRIDS[name][index]
    return name == "1" or cell.cols > 1
