"""How a table is read: header rows, stub columns, each data cell's header path, unit, title and
the printed aggregates (計 / 小計 / 合計), from the table's cells and the text around it.

    table -> rows of normalized slots (merged cells expanded)   ``table_to_slots``
          -> header rows: leading rows without data values       ``slots_to_header_rows``
          -> stub columns: leading columns of labels             ``slots_to_stub_columns``
          -> column paths: header texts top to bottom            ``column_path``
          -> row paths: stub texts left to right, a blank stub   ``slots_to_row_paths``
             cell carrying the label above (a label printed once for its group)
          -> unit, title, aggregate rows and columns

Like unpivotr's ``behead``: headers are attached to data cells by direction (up for column
headers, left for row labels), so a table of any shape becomes tidy (row path, column path,
value) triples without a parser per layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.model.table import Table
from extractors.normalize.textnorm import nfkc_keep_marks, strip_spacing
from extractors.tables.grid import cell_to_text, context_to_unit, is_period_label, is_placeholder_text, is_value_text

MAX_HEADER_ROWS = 6
PATH_SEPARATOR = " › "
# A printed aggregate: 計, 合計, 総計, 小計, 総数 …, or an area/group total (男女計, 市計, 全体計).
AGGREGATE_RE = re.compile(r"^(?:[合総小中]?計|総数|総額|合\s*計|総\s*計|小\s*計|(?:男女|全体|全市|全県|市|町|村|県|区)計)$")
UNIT_CELL_RE = re.compile(r"^[(（]?\s*単位\s*[:：]?\s*([^)）\s]+)\s*[)）]?$")


@dataclass(frozen=True)
class Structure:
    """What a table's cells mean: ``header_rows`` leading rows are column headings,
    ``stub_columns`` leading columns are row labels; ``column_paths[c]`` / ``row_paths[r]`` are
    the header texts of a column (top first) and the labels of a row (outermost first)."""

    header_rows: int
    stub_columns: int
    column_paths: tuple[tuple[str, ...], ...]
    row_paths: tuple[tuple[str, ...], ...]
    unit: str | None
    aggregate_rows: frozenset[int]
    aggregate_columns: frozenset[int]

    def is_data(self, row: int, column: int) -> bool:
        return row >= self.header_rows and column >= self.stub_columns

    def role(self, row: int, column: int) -> str:
        if row < self.header_rows:
            return "header"
        return "stub" if column < self.stub_columns else "data"


def label_text(text: str) -> str:
    """A header or label as one line: NFKC, marks kept, wrapped lines and letter spacing removed."""
    return strip_spacing(cell_to_text(text))


def table_to_slots(table: Table) -> list[list[str]]:
    """Every slot's normalized text, a merged cell's text in each slot it covers."""
    return [[cell_to_text(text) for text in row] for row in table.grid()]


def table_to_printed_rows(table: Table) -> list[list[str]]:
    """Every slot's normalized text as printed: a merged cell's text on its first slot only."""
    return [[cell_to_text(text) for text in table.row_texts(r)] for r in range(table.n_rows)]


def row_has_values(row: Sequence[str]) -> bool:
    return any(is_value_text(c) and not is_period_label(c) for c in row)


def slots_to_header_rows(slots: Sequence[Sequence[str]]) -> int:
    """Leading rows without a data value (periods and labels only), at most ``MAX_HEADER_ROWS``;
    a table of labels only (a list of names, a legend) has its first row as header."""
    count = next((r for r, row in enumerate(slots) if row_has_values(row)), None)
    if count is None:
        return 1 if len(slots) > 1 else 0
    return min(count, MAX_HEADER_ROWS)


def column_is_labels(cells: Sequence[str]) -> bool:
    """A column of row labels: text that is neither a value nor a placeholder, in most filled cells."""
    filled = [c for c in cells if c]
    if not filled:
        return True
    labels = sum(1 for c in filled if not is_value_text(c) and not is_placeholder_text(c))
    return labels * 2 > len(filled)


def slots_to_stub_columns(slots: Sequence[Sequence[str]], header_rows: int) -> int:
    """Leading columns whose body holds labels (a table has at least one data column)."""
    width = max((len(r) for r in slots), default=0)
    body = slots[header_rows:]
    count = 0
    while count < width - 1 and column_is_labels([row[count] for row in body]):
        count += 1
    return count


def column_path(printed: Sequence[Sequence[str]], slots: Sequence[Sequence[str]], header_rows: int, column: int) -> tuple[str, ...]:
    """The header texts above a column, top first. A merged header covers its columns; in text
    extractions a blank header cell with text below it lies under a header merged from its left."""
    parts: list[str] = []
    for r in range(header_rows):
        text = slots[r][column]
        if not text and any(slots[k][column] for k in range(r + 1, header_rows)):
            text = next((printed[r][k] for k in range(column - 1, -1, -1) if printed[r][k]), "")
        text = label_text(text)
        if text and (not parts or parts[-1] != text):
            parts.append(text)
    return tuple(parts)


def slots_to_row_paths(slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int) -> list[tuple[str, ...]]:
    """The labels of every body row, outermost first. A blank label in a stub column left of the
    row's own label carries the label above it (a group label printed once, or a merged cell)."""
    paths: list[tuple[str, ...]] = []
    above: dict[int, str] = {}
    for row in slots[header_rows:]:
        labels = {c: label_text(row[c]) for c in range(stub_columns) if row[c]}
        first = min(labels, default=stub_columns)
        kept = {c: t for c, t in above.items() if c < first}
        kept.update(labels)
        above = kept
        parts: list[str] = []
        for c in sorted(kept):
            if not parts or parts[-1] != kept[c]:
                parts.append(kept[c])
        paths.append(tuple(parts))
    return paths


def header_cell_unit(slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int) -> str | None:
    """A unit printed in a header or corner cell: ``(単位：千円)``."""
    for row in slots[: max(header_rows, 1)]:
        for text in row[: max(stub_columns, 1)] + list(row):
            match = UNIT_CELL_RE.match(nfkc_keep_marks(text).strip())
            if match:
                return match[1]
    return None


def is_aggregate_label(text: str) -> bool:
    return bool(AGGREGATE_RE.match(label_text(text).replace(" ", "")))


def table_to_structure(table: Table) -> Structure:
    slots = table_to_slots(table)
    printed = table_to_printed_rows(table)
    header_rows = slots_to_header_rows(slots)
    stub_columns = slots_to_stub_columns(slots, header_rows)
    column_paths = tuple(column_path(printed, slots, header_rows, c) for c in range(table.n_columns))
    row_paths = [()] * header_rows + slots_to_row_paths(slots, header_rows, stub_columns)
    unit = context_to_unit(table.context) or header_cell_unit(slots, header_rows, stub_columns)
    aggregate_rows = frozenset(r for r, path in enumerate(row_paths) if path and is_aggregate_label(path[-1]))
    aggregate_columns = frozenset(c for c, path in enumerate(column_paths) if path and is_aggregate_label(path[-1]))
    return Structure(header_rows, stub_columns, column_paths, tuple(row_paths), unit, aggregate_rows, aggregate_columns)
