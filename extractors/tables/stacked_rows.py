"""Rows printed inside one ruled row: a ruled table often rules only its main rows and stacks
several entries in each, one per text line, the amounts column holding one amount per line
(a disaster record: ``土木被害：河川3か所 … 3,190千円`` over ``治山被害：10か所 … 30,000千円``).
Read as one cell each, the amounts glue together (``3,190千円30,000千円``) and no label belongs
to any of them. This splits such a ruled row into sub-rows at the lines of its amounts.

    ruled row -> text lines per cell                 ``cell_to_lines``
              -> bands: the tops of the amount lines ``row_to_bands``
              -> pieces of each cell on the bands    ``cell_to_pieces``
              -> sub-rows (a label printed once spans the bands it heads)

A row is split only when its amounts are stacked (a cell of two or more lines, each an amount
of a known unit, no period) and the label column nearest them has lines beside at least two of
them: an amount with a note under it, a period printed over two lines (``9年度から`` /
``13年度まで``) or a label that merely wraps leaves the row as it is. That nearest label column
names each amount (a piece per line); outer label columns head groups (a piece per entry, the
entries apart by a blank line), each spanning the sub-rows down to its next entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from extractors.model.document import BBox
from extractors.normalize.amounts import UNIT_WORDS, parse_amount
from extractors.normalize.periods import parse_period
from extractors.tables.base import LINE_TOLERANCE, CharIndex, TableCell, chars_to_lines, chars_to_text, cluster_values
from extractors.tables.grid import is_value_text, value_main

BLOCK_GAP = 0.5  # a vertical gap over this share of a line's height starts a new entry in a cell


@dataclass(frozen=True)
class CellLine:
    """One text line inside a ruled cell."""

    chars: tuple[dict, ...]
    top: float
    bottom: float
    text: str


@dataclass(frozen=True)
class Piece:
    """Part of a cell that goes to sub-rows ``band`` .. ``band + span - 1``."""

    lines: tuple[CellLine, ...]
    band: int
    span: int = 1


def cell_to_lines(cell: TableCell, chars: CharIndex) -> list[CellLine]:
    lines = chars_to_lines([c for c in chars.in_box(cell.bbox) if not c["text"].isspace()])
    return [CellLine(tuple(line), min(c["top"] for c in line), max(c["bottom"] for c in line), chars_to_text(line)) for line in lines]


def is_amount_line(text: str) -> bool:
    """An amount of a known unit or none (``3,190千円``, ``1,251``); not a period (``9年度から``)."""
    amount = parse_amount(value_main(text)) if is_value_text(text) else None
    return amount is not None and (amount.unit is None or amount.unit in UNIT_WORDS) and parse_period(text) is None


def is_amount_cell(lines: Sequence[CellLine]) -> bool:
    return bool(lines) and all(is_amount_line(line.text) for line in lines)


def row_to_bands(lines_by_cell: Sequence[list[CellLine]]) -> list[float]:
    """Tops of the amount lines of a row, when some amount cell stacks two or more; else []."""
    amount_cells = [lines for lines in lines_by_cell if is_amount_cell(lines)]
    if not any(len(lines) >= 2 for lines in amount_cells):
        return []
    bands = cluster_values((line.top for lines in amount_cells for line in lines), LINE_TOLERANCE)
    return bands if len(bands) >= 2 else []


def aligned_band(line: CellLine, bands: Sequence[float]) -> int | None:
    return next((b for b, top in enumerate(bands) if abs(top - line.top) <= LINE_TOLERANCE), None)


def band_at(line: CellLine, bands: Sequence[float]) -> int:
    """The band a line falls in: the last one starting at or above it."""
    return max((b for b, top in enumerate(bands) if top <= line.top + LINE_TOLERANCE), default=0)


def lines_to_blocks(lines: Sequence[CellLine]) -> list[list[CellLine]]:
    """Entries of a label cell: lines separated by a gap wider than ``BLOCK_GAP`` lines."""
    blocks: list[list[CellLine]] = []
    for line in lines:
        previous = blocks[-1][-1] if blocks else None
        if previous and line.top - previous.bottom <= BLOCK_GAP * (previous.bottom - previous.top):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def cell_to_pieces(lines: Sequence[CellLine], bands: Sequence[float], *, innermost: bool) -> list[Piece]:
    """Amounts: one piece per line. The label column nearest the amounts names each of them: a
    piece per band its lines fall in. Outer label columns head groups: a piece per entry (a block
    of lines; a wrapped name stays whole). A label piece spans the bands down to the cell's next
    piece (a label printed once heads every amount beside and below it)."""
    if is_amount_cell(lines):
        return [Piece((line,), band_at(line, bands)) for line in lines]
    starts: list[tuple[int, list[CellLine]]] = []
    for part in ([[line] for line in lines] if innermost else lines_to_blocks(lines)):
        band = band_at(part[0], bands)
        if starts and starts[-1][0] >= band:
            starts[-1][1].extend(part)
        else:
            starts.append((band, list(part)))
    ends = [b for b, _ in starts[1:]] + [len(bands)]
    return [Piece(tuple(part), band, end - band) for (band, part), end in zip(starts, ends, strict=True)]


def innermost_label(lines_by_cell: Sequence[list[CellLine]]) -> int | None:
    """Index of the last label cell before the first stacked amount cell (cells in column order)."""
    first_amounts = next(i for i, lines in enumerate(lines_by_cell) if is_amount_cell(lines) and len(lines) >= 2)
    return max((i for i in range(first_amounts) if lines_by_cell[i] and not is_amount_cell(lines_by_cell[i])), default=None)


def splits_row(lines_by_cell: Sequence[list[CellLine]], bands: Sequence[float]) -> bool:
    """The label cell nearest the amounts has lines beside two or more of them."""
    inner = innermost_label(lines_by_cell)
    return inner is not None and len({aligned_band(line, bands) for line in lines_by_cell[inner]} - {None}) >= 2


def band_edges(cell: TableCell, bands: Sequence[float]) -> list[float]:
    return [cell.bbox.top, *(top - LINE_TOLERANCE / 2 for top in bands[1:]), cell.bbox.bottom]


def split_stacked_rows(cells: Sequence[TableCell], n_rows: int, chars: CharIndex) -> tuple[tuple[TableCell, ...], int]:
    """Cells and row count with every ruled row of stacked entries split into its sub-rows."""
    pieces_by_cell: dict[int, list[Piece]] = {}
    bands_by_row: dict[int, list[float]] = {}
    sub_rows = [1] * n_rows
    for row in range(n_rows):
        own = sorted((i for i, c in enumerate(cells) if c.row == row and c.row_span == 1), key=lambda i: cells[i].column)
        lines = [cell_to_lines(cells[i], chars) for i in own]
        bands = row_to_bands(lines)
        if not bands or not splits_row(lines, bands):
            continue
        sub_rows[row], bands_by_row[row] = len(bands), bands
        inner = innermost_label(lines)
        for k, (i, cell_lines) in enumerate(zip(own, lines, strict=True)):
            pieces_by_cell[i] = cell_to_pieces(cell_lines, bands, innermost=k == inner) if cell_lines else [Piece((), 0, len(bands))]
    if not pieces_by_cell:
        return tuple(cells), n_rows
    start = [0]
    for count in sub_rows:
        start.append(start[-1] + count)
    out: list[TableCell] = []
    for i, cell in enumerate(cells):
        if i not in pieces_by_cell:
            out.append(replace(cell, row=start[cell.row], row_span=start[cell.row + cell.row_span] - start[cell.row]))
            continue
        edges = band_edges(cell, bands_by_row[cell.row])
        for piece in pieces_by_cell[i]:
            box = BBox(cell.bbox.x0, edges[piece.band], cell.bbox.x1, edges[piece.band + piece.span])
            text = chars_to_text([c for line in piece.lines for c in line.chars])
            out.append(replace(cell, text=text, row=start[cell.row] + piece.band, row_span=piece.span, bbox=box))
    return tuple(sorted(out, key=lambda c: (c.row, c.column))), start[-1]
