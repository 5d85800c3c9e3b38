"""How a table is read: header rows, stub columns, each data cell's header path, its period and
unit, the table's title and its printed aggregates (計 / 小計 / 合計).

    table -> slots: normalized text, merged cells expanded       ``table_to_slots``
          -> header rows: leading rows without data values        ``slots_to_header_rows``
          -> stub columns: leading columns of row labels          ``slots_to_stub_columns``
          -> column paths: header texts top to bottom             ``slots_to_column_paths``
          -> row paths: stub texts left to right, a blank stub    ``slots_to_row_paths``
             cell carrying the label above it (a label printed once for its group)
          -> shifted cells put back (text extractions print a     ``align_shifted_cells``
             header or a row one cell off): counting, not positions
          -> periods of every column and row (eras carried along  ``axis_periods``
             the axis, months dated by the table's year)
          -> units (``単位：千円、％``: amounts in 千円, ratios in %) ``captions``
          -> aggregates; the title                                 ``captions``

Like unpivotr's ``behead``: headers are attached to data cells by direction (up for column
headings, left for row labels), so a table of any shape becomes tidy (row path, column path,
value) triples without a parser per layout. Every step is a small pure function over the table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from extractors.model.table import Table, TableCell
from extractors.normalize.textnorm import nfkc_keep_marks, strip_spacing
from extractors.tables.axis_periods import (
    as_fiscal,
    axis_to_periods,
    comparisons,
    corner_names_fiscal_years,
    is_axis_label,
    table_counts_fiscal_years,
    year_context,
)
from extractors.tables.captions import (
    column_header_unit,
    column_printed_unit,
    column_unit,
    context_to_title_line,
    is_bare_unit,
    is_unit_note,
    line_to_title,
    table_units,
)
from extractors.tables.column_units import derived_column_units
from extractors.tables.grid import cell_to_text, is_mark, is_placeholder_text, is_value_text
from extractors.tables.outline import (
    OUTLINE_MARKERS,
    SECTION_RANK,
    heads_deeper_rows,
    heads_rows_below,
    is_group_row,
    outline_rank,
    push_outline,
)
from extractors.tables.unit_columns import slots_to_cell_units

MAX_HEADER_ROWS = 6
PATH_SEPARATOR = " › "
NUMBER_HEADER_RE = re.compile(r"^(?:no\.?|№|番号|項番|通番|整理番号|事業番号|順位|#)$", re.IGNORECASE)
# A printed aggregate: 計, 合計, 総計, 小計, 総数 …, or a group or area total (男女計, 市計, 資源物計②).
AGGREGATE_RE = re.compile(r"^(?:[合総小中累]?計|総数|総額|(?:[^\d\s]{1,8})計|.{1,24}(?:合計|小計|総計))(?:[①-⑳\d()（）]*)$")
# Words ending in 計 that are no total (会計, 統計, 設計 …), where they end the label: 一般会計合計 is one.
NOT_AGGREGATE_RE = re.compile(r"(?:会|統|設|時|家|集|推|生|主|余|早|見|累)計[①-⑳\d()（）]*$")


@dataclass(frozen=True)
class DataCell:
    """One data cell read with its headers: where it sits in the grid (``column`` after any
    shift was put back), its text, and what its headers say."""

    row: int
    column: int
    cell: TableCell
    text: str  # normalized (NFKC, marks kept, runs of white space one space)
    printed: str  # NFKC, marks kept, as printed otherwise
    row_path: tuple[str, ...]
    column_path: tuple[str, ...]
    period: str | None
    unit: str | None  # the unit the headers or the table's note give (not the cell's own)
    aggregate: bool


@dataclass(frozen=True)
class Structure:
    """What a table's cells mean. ``header_rows`` leading rows are column headings,
    ``stub_columns`` leading columns are row labels; paths, periods and units are per column
    and per row of the grid."""

    header_rows: int
    stub_columns: int
    column_paths: tuple[tuple[str, ...], ...]
    row_paths: tuple[tuple[str, ...], ...]
    column_periods: tuple[str | None, ...]
    row_periods: tuple[str | None, ...]
    column_units: tuple[str | None, ...]
    title: str | None
    aggregate_rows: frozenset[int]
    aggregate_columns: frozenset[int]
    comparison_period: str | None = None  # the period a 比較 / 前年比 column compares (the latest)
    comparison_columns: frozenset[int] = frozenset()
    comparison_row_period: str | None = None  # the same for 比較 rows below period rows
    comparison_rows: frozenset[int] = frozenset()
    cell_units: Mapping[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> unit its unit column prints
    data: tuple[DataCell, ...] = ()
    notes: tuple[str, ...] = field(default=())  # repairs made (shifted header or rows), for quality

    def role(self, row: int, column: int) -> str:
        if row < self.header_rows:
            return "header"
        return "stub" if column < self.stub_columns else "data"

    @property
    def periods_across(self) -> bool:
        """Two or more distinct periods head the data columns."""
        return len({p for c, p in enumerate(self.column_periods) if p and c >= self.stub_columns}) >= 2

    @property
    def periods_down(self) -> bool:
        """Two or more distinct periods label the body rows."""
        return len({p for p in self.row_periods[self.header_rows :] if p}) >= 2


# --- slots ---------------------------------------------------------------------------------------------


def label_text(text: str) -> str:
    """A header or label as one line: NFKC, marks kept, wrapped lines and letter spacing removed."""
    return strip_spacing(cell_to_text(text))


def table_to_slots(table: Table) -> list[list[str]]:
    """Every slot's normalized text, a merged cell's text in each slot it covers."""
    return [markers_joined([cell_to_text(text) for text in row]) for row in table.grid()]


def table_to_printed_rows(table: Table) -> list[list[str]]:
    """Every slot's normalized text as printed: a merged cell's text on its first slot only."""
    return [markers_joined([cell_to_text(text) for text in table.row_texts(r)]) for r in range(table.n_rows)]


BARE_MARKER_RE = re.compile(r"(?:第?\s*[0-9]{1,2}\s*[.．]|[(（]\s*[0-9]{1,2}\s*[)）]|[⑴-⒇①-⑳]|[(（][ア-ン][)）])")


def markers_joined(row: list[str]) -> list[str]:
    """An outline marker printed in a column of its own (``1.`` | ``流動資産``, ``(1)`` |
    ``現金及び預金``) marks the label beside it: the two are one label, in the marker's slot."""
    out = list(row)
    for c, text in enumerate(row):
        if not BARE_MARKER_RE.fullmatch(text.replace(" ", "")):
            continue
        nxt = next((k for k in range(c + 1, len(row)) if out[k]), None)
        if nxt is not None and not is_value_text(out[nxt]) and not BARE_MARKER_RE.fullmatch(out[nxt].replace(" ", "")) and outline_rank(out[nxt]) is None:
            out[c], out[nxt] = f"{text.replace(' ', '')}{out[nxt]}", ""
    return out


AGE_CLASS_RE = re.compile(r"\d{1,3}歳?代(?:以上|以下|前半|後半)?[～~]?|\d{1,3}歳(?:以上|未満|以下)|\d{1,3}[～~\-－]\d{1,3}歳")


def is_data_value(text: str) -> bool:
    """A value a data cell holds: an amount that is not a period label nor an age class
    (``10代``, ``70代～``, ``65歳以上``, ``15～64歳``: the labels of an age axis)."""
    return is_value_text(text) and not is_axis_label(text) and not AGE_CLASS_RE.fullmatch(text.replace(" ", ""))


# --- header rows and stub columns -----------------------------------------------------------------------


def row_has_values(row: Sequence[str], first_column: int = 0) -> bool:
    return any(is_data_value(c) or is_mark(c) for c in row[first_column:])


def slots_to_header_rows(slots: Sequence[Sequence[str]]) -> int:
    """Leading rows without a data value (periods and labels only), at most ``MAX_HEADER_ROWS``;
    a table of labels only (a list of names, a legend) has its first row as header."""
    count = next((r for r, row in enumerate(slots) if row_has_values(row)), None)
    if count is None:
        return 1 if len(slots) > 1 else 0
    if not heads_value_columns(slots, count):
        return 1 if count == 1 and is_corner_heading(slots) else 0
    group = next((r for r in range(1, count) if is_group_row(slots[r])), count)
    return min(count, group, MAX_HEADER_ROWS)


def heads_value_columns(slots: Sequence[Sequence[str]], count: int) -> bool:
    """The leading ``count`` rows print something over a column of values: rows that print
    only over the labels (資産の部 / 1. 流動資産 over a balance sheet's items) head no column,
    they are groups of the rows below."""
    width = max((len(row) for row in slots), default=0)
    columns = [[row[c] for row in slots[count:] if c < len(row) and row[c]] for c in range(width)]
    values = [c for c, filled in enumerate(columns) if filled and sum(1 for text in filled if is_data_value(text) or is_mark(text)) * 2 >= len(filled)]
    return not values or any(c < len(row) and row[c] for row in slots[:count] for c in values)


def is_corner_heading(slots: Sequence[Sequence[str]]) -> bool:
    """A first row of one label over the row labels, the rows below no groups (``推定感染経路``
    over 接触者 / 調査中 …): it names what the rows are, a heading (a section's label over
    marked groups is no such heading)."""
    filled = [c for c, text in enumerate(slots[0]) if text]
    one_label = filled == list(range(len(filled))) and len({slots[0][c] for c in filled}) == 1 and len(filled) < len(slots[0])
    return bool(filled) and one_label and len(slots) > 1 and not is_group_row(slots[1]) and outline_rank(slots[0][0]) is None


def is_section_row(slots: Sequence[Sequence[str]], r: int) -> bool:
    """A row of one unmarked label right over a group row (資産の部 over 1. 流動資産): a section
    of the table, heading its marked groups until the next section."""
    filled = {c for c in slots[r] if c}
    if len(filled) != 1 or r + 1 >= len(slots):
        return False
    text = next(iter(filled))
    if outline_rank(text) is not None or is_aggregate_label(text):
        return False
    return heads_rows_below(slots, r + 1) or heads_deeper_rows(slots, r + 1)


def column_is_numbering(header: Sequence[str], cells: Sequence[str]) -> bool:
    """A column of row numbers: headed No / 番号, or 1, 2, 3 … down the rows."""
    if any(NUMBER_HEADER_RE.match(h.replace(" ", "")) for h in header if h):
        return True
    numbers = [int(c) for c in cells if c.isascii() and c.isdigit()]
    consecutive = numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else False
    return len(numbers) >= 3 and len(numbers) == len([c for c in cells if c]) and consecutive and numbers[0] <= 1


def column_is_labels(header: Sequence[str], cells: Sequence[str]) -> bool:
    """A column of row labels: text (or periods) that is no value, in most filled cells."""
    filled = [c for c in cells if c]
    if not filled:
        return True
    if column_is_numbering(header, cells):
        return True
    labels = sum(1 for c in filled if not is_data_value(c) and not is_placeholder_text(c) and not is_mark(c))
    return labels * 2 >= len(filled)


def slots_to_stub_columns(slots: Sequence[Sequence[str]], header_rows: int) -> int:
    """Leading columns whose body holds labels (a table keeps at least one data column)."""
    width = max((len(r) for r in slots), default=0)
    header, body = slots[:header_rows], slots[header_rows:]
    count = 0
    while count < width - 1 and column_is_labels([row[count] for row in header], [row[count] for row in body]):
        count += 1
    return count


# --- paths ---------------------------------------------------------------------------------------------


def fill_slots(rows: Sequence[Sequence[str]], filled: dict[tuple[int, int], str]) -> list[list[str]]:
    out = [list(row) for row in rows]
    for (r, c), text in filled.items():
        out[r][c] = text
    return out


def header_over_closed_groups(slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int) -> dict[tuple[int, int], str]:
    """A group heading printed once over the middle of its columns (``男`` over the second of
    ``0～14歳 | 15～64歳 | 65歳以上 | 小計``) heads the whole group where the row below closes its
    groups: each ends at a 小計 / 計 column, or the row below repeats its labels group after
    group. Each upper header row with exactly one label per group then labels all its columns
    (the slots to fill, with their text)."""
    out: dict[tuple[int, int], str] = {}
    if header_rows < 2:
        return out
    lowest = slots[header_rows - 1]
    width = len(lowest)
    ends = [c for c in range(stub_columns, width) if lowest[c] and is_aggregate_label(label_text(lowest[c]))]
    if len(ends) < 2:
        first = label_text(lowest[stub_columns]) if stub_columns < width else ""
        starts = [c for c in range(stub_columns, width) if first and label_text(lowest[c]) == first]
        ends = [start - 1 for start in starts[1:]] + ([starts[-1] + starts[1] - starts[0] - 1] if len(starts) >= 2 else [])
    if len(ends) < 2 or ends[-1] >= width:
        return out
    segments = [range(start, end + 1) for start, end in zip([stub_columns, *(e + 1 for e in ends)], ends, strict=False)]
    for r in range(header_rows - 1):
        printed = [[c for c in segment if slots[r][c]] for segment in segments]
        if all(len({slots[r][c] for c in p}) == 1 for p in printed) and any(p[0] != segment[0] for p, segment in zip(printed, segments, strict=True)):
            for p, segment in zip(printed, segments, strict=True):
                for c in segment:
                    out[(r, c)] = slots[r][p[0]]
    return out


def slots_to_column_paths(printed: Sequence[Sequence[str]], slots: Sequence[Sequence[str]], header_rows: int) -> list[tuple[str, ...]]:
    """The header texts above every column, top first. A merged header covers its columns; in
    text extractions a blank header cell with text below it lies under a heading merged from
    its left. Unit notes are no headings."""
    width = max((len(r) for r in slots), default=0)
    paths = []
    for column in range(width):
        parts: list[str] = []
        for r in range(header_rows):
            text = slots[r][column]
            if not text and any(slots[k][column] for k in range(r + 1, header_rows)):
                text = next((printed[r][k] for k in range(column - 1, -1, -1) if printed[r][k]), "")
            text = label_text(text)
            if text and not is_unit_note(text) and not is_bare_unit(text) and (not parts or parts[-1] != text):
                parts.append(text)
        paths.append(tuple(parts))
    return paths


def slots_to_row_paths(
    slots: Sequence[Sequence[str]],
    header_rows: int,
    stub_columns: int,
    numbering: frozenset[int] = frozenset(),
    skip: frozenset[tuple[int, int]] = frozenset(),
    sections: frozenset[int] = frozenset(),
) -> list[tuple[str, ...]]:
    """The labels of every row, outermost first (header rows: none); ``sections``: rows that
    head sections of marked groups (``is_section_row``, found on the slots as printed). A blank
    label in a stub column left of the row's own label carries the label above it (a group
    label printed once, or a merged cell); in one column, outline markers nest (``1 総収益`` >
    ``(1) 営業収益`` > ``ア 料金収入``); a group row (one marked label across the row, ``1
    活力あるまち``) heads the rows below it until the next group row of its level; a numbering
    or flag column (No, 新規) carries nothing and starts no group. ``skip``: slots whose text is
    no label (values printed off their column)."""
    paths: list[tuple[str, ...]] = [() for _ in range(header_rows)]
    above: dict[int, tuple[tuple[int | None, str], ...]] = {}
    groups: tuple[tuple[int | None, str], ...] = ()  # group rows (one label across the row) in force
    for r in range(header_rows, len(slots)):
        row = slots[r]
        if r in sections:
            groups, above = ((SECTION_RANK, label_text(next(c for c in row if c))),), {}
            paths.append(tuple(label for _, label in groups))
            continue
        if heads_rows_below(slots, r):
            text = next(c for c in row if c)
            groups, above = push_outline(groups, text, label_text(text)), {}
            paths.append(tuple(label for _, label in groups))
            continue
        texts = {c: row[c] for c in range(stub_columns) if row[c] and (r, c) not in skip}
        grouping = [c for c in texts if c not in numbering]
        first = min(grouping, default=stub_columns)
        ranks = [rank for c in grouping if (rank := outline_rank(texts[c])) is not None]
        groups = tuple(g for g in groups if g[0] is not None and g[0] < min(ranks, default=len(OUTLINE_MARKERS)))
        kept = {c: stack for c, stack in above.items() if c < first and c not in numbering}
        for c, text in texts.items():
            kept[c] = push_outline(above.get(c, ()) if c in grouping else (), text, label_text(text))
        above = kept
        parts: list[str] = [label for _, label in groups]
        for c in sorted(kept):
            for _, label in kept[c]:
                if not parts or parts[-1] != label:
                    parts.append(label)
        paths.append(tuple(parts))
        if grouping and is_aggregate_label(label_text(texts[max(grouping)])) and max(grouping) > 0:
            above = {}  # a subtotal closes its group: the group's labels go no further down
    return paths


def labels_over_closed_groups(
    slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int, numbering: frozenset[int] = frozenset()
) -> list[list[str]]:
    """A group label printed once anywhere in its group (top, middle or bottom row, not merged)
    labels the whole group where printed totals close the groups: the body splits into
    segments ending at each total row (小計, 計 …, in the innermost stub column), and a
    column with exactly one label in every segment has that label on all its rows."""
    out = [list(row) for row in slots]
    labels = [c for c in range(stub_columns) if c not in numbering]
    if len(labels) < 2:
        return out
    inner = labels[-1]
    ends = [r for r in range(header_rows, len(slots)) if slots[r][inner] and is_aggregate_label(slots[r][inner])]
    segments = [list(range(start + 1 if i else header_rows, end + 1)) for i, (start, end) in enumerate(zip([header_rows - 1, *ends], ends, strict=False))]
    segments = [segment for segment in segments if len(segment) > 1]  # a grand total right under a subtotal closes no group
    if len(segments) < 2:
        return labels_printed_at_the_bottom(out, header_rows, labels)
    for c in labels[:-1]:
        printed = [[slots[r][c] for r in segment if slots[r][c]] for segment in segments]
        if all(len(p) == 1 for p in printed) and any(not slots[segment[0]][c] for segment in segments):
            for segment, (label,) in zip(segments, printed, strict=True):
                at = next(r for r in segment if slots[r][c])
                for r in segment:
                    if r >= at or not is_label_alone(slots[at]):
                        out[r][c] = label
    return out


FLAG_WORDS = frozenset("新 新規 拡 拡充 継 継続 廃 廃止 重点 再掲 ○ ● ◎ 〇 ◯ ★ ☆ ※".split())


def column_is_flags(cells: Sequence[str]) -> bool:
    """A column of per-row flags (新規, 拡充, ○): each row's own, carried to no other row."""
    filled = [c.replace(" ", "") for c in cells if c]
    return bool(filled) and all(c in FLAG_WORDS for c in filled)


def is_label_alone(row: Sequence[str]) -> bool:
    """One slot filled: a label on a row of its own heads the rows below it, never those above."""
    return sum(1 for text in row if text) == 1


def labels_printed_at_the_bottom(slots: list[list[str]], header_rows: int, labels: Sequence[int]) -> list[list[str]]:
    """Group labels printed once on the last row of their group: the first body row has none in
    a label column that the last (non-total) row has. Each such label then labels the rows since
    the label above it, in every outer label column."""
    body = [r for r in range(header_rows, len(slots)) if not any(is_aggregate_label(slots[r][c]) for c in labels if slots[r][c])]
    if len(body) < 2:
        return slots
    alone = {r for r in body if is_label_alone(slots[r])}
    bottom = [c for c in labels[:-1] if not slots[body[0]][c] and slots[body[-1]][c] and body[-1] not in alone]
    if not bottom:
        return slots
    out = [list(row) for row in slots]
    for c in labels[:-1]:
        start = body[0]
        for r in body:
            if slots[r][c]:
                for k in range(start if r not in alone else r, r):
                    out[k][c] = out[k][c] or slots[r][c]
                start = r + 1
    return out


def numbering_columns(slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int) -> frozenset[int]:
    """Stub columns that number or flag their rows (No, 新規): they label one row each."""
    return frozenset(
        c
        for c in range(stub_columns)
        if column_is_numbering([row[c] for row in slots[:header_rows]], [row[c] for row in slots[header_rows:]])
        or column_is_flags([row[c] for row in slots[header_rows:]])
    )


# --- shifted cells (text extractions) --------------------------------------------------------------------


def data_columns(slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int) -> list[int]:
    """Columns right of the stub whose body holds something."""
    width = max((len(r) for r in slots), default=0)
    return [c for c in range(stub_columns, width) if any(row[c] for row in slots[header_rows:])]


def align_shifted_cells(
    slots: Sequence[Sequence[str]], header_rows: int, stub_columns: int, column_periods: Sequence[str | None], numbering: frozenset[int] = frozenset()
) -> tuple[list[str | None], dict[tuple[int, int], int], list[str]]:
    """Put back what a text extraction printed one cell off, by counting (positions lie there):

    - a header whose periods, in column order, are as many as the value columns but sit in
      other columns: the n-th period heads the n-th value column;
    - a body row with as many value cells as there are value columns but in other columns
      (printed one cell to the left): its n-th value goes to the n-th value column.

    Returns the column periods, the moved cells ((row, printed column) -> column) and notes."""
    columns = [c for c in data_columns(slots, header_rows, stub_columns) if any(is_data_value(row[c]) or is_placeholder_text(row[c]) for row in slots[header_rows:])]
    periods = list(column_periods)
    notes: list[str] = []
    header_periods = [(c, p) for c, p in enumerate(column_periods) if p]
    distinct = list(dict.fromkeys(p for _, p in header_periods))
    if columns and len(distinct) == len(columns) and [c for c, _ in header_periods] != columns and len(header_periods) == len(distinct):
        periods = [None] * len(column_periods)
        for c, (_, p) in zip(columns, header_periods, strict=True):
            periods[c] = p
        notes.append("the header's periods are printed off their value columns: matched to them in order")
    moved: dict[tuple[int, int], int] = {}
    for r in range(header_rows, len(slots)):
        row = slots[r]
        values = [
            c
            for c, text in enumerate(row)
            if text and (is_data_value(text) or is_placeholder_text(text)) and not (c < stub_columns and not is_data_value(text)) and c not in numbering
        ]
        occupied = {c for c, text in enumerate(row) if text} - set(values)
        if len(values) == len(columns) and values != columns and values and values[0] < columns[0] and not occupied & set(columns):
            moved.update({(r, src): dst for src, dst in zip(values, columns, strict=True) if src != dst})
            notes.append(f"row {r + 1} is printed {columns[0] - values[0]} cell(s) to the left: its values matched to the value columns in order")
    return periods, moved, notes


# --- aggregates ----------------------------------------------------------------------------------------------


def is_aggregate_label(text: str) -> bool:
    compact = label_text(text).replace(" ", "")
    return bool(AGGREGATE_RE.match(compact)) and not NOT_AGGREGATE_RE.search(compact)



# --- assembly ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def table_to_structure(table: Table) -> Structure:
    """The structure of a table (cached: each extractor that looks at a table asks for it)."""
    slots = table_to_slots(table)
    printed = table_to_printed_rows(table)
    header_rows = slots_to_header_rows(slots)
    stub_columns = slots_to_stub_columns(slots, header_rows)
    filled = header_over_closed_groups(slots, header_rows, stub_columns)
    column_paths = slots_to_column_paths(fill_slots(printed, filled), fill_slots(slots, filled), header_rows)
    header_text = " ".join(p for path in column_paths for p in path)
    default_fiscal = table_counts_fiscal_years(header_text, " ".join(table.context[-3:]))
    year = year_context([*reversed(table.context[-3:]), header_text, *table.heading])
    numbering = numbering_columns(slots, header_rows, stub_columns)
    column_periods, moved, notes = align_shifted_cells(
        slots, header_rows, stub_columns, axis_to_periods(column_paths, default_fiscal, year, table.year_hint), numbering
    )
    fiscal_axis = corner_names_fiscal_years(slots, header_rows, stub_columns)
    column_periods = [as_fiscal(p) if fiscal_axis else p for p in column_periods]
    column_periods = [p if c >= stub_columns else None for c, p in enumerate(column_periods)]
    sections = frozenset(r for r in range(header_rows, len(slots)) if is_section_row(slots, r))
    slots = labels_over_closed_groups(slots, header_rows, stub_columns, numbering)
    row_paths = slots_to_row_paths(slots, header_rows, stub_columns, numbering, frozenset(moved), sections)
    row_periods = [as_fiscal(p) if fiscal_axis else p for p in axis_to_periods(row_paths, default_fiscal, year, table.year_hint)]
    units = table_units(table.context, slots, header_rows)
    column_units = [
        column_header_unit([row[c] for row in slots[:header_rows]]) or column_unit(path, units) or column_printed_unit([row[c] for row in slots[header_rows:]])
        for c, path in enumerate(column_paths)
    ]
    column_units = derived_column_units(slots, header_rows, stub_columns, column_paths, column_units)
    aggregate_rows = frozenset(r for r, path in enumerate(row_paths) if path and is_aggregate_label(path[-1]))
    aggregate_columns = frozenset(c for c, path in enumerate(column_paths) if c >= stub_columns and path and is_aggregate_label(path[-1]))
    title_line = context_to_title_line(table.context)
    comparison_columns, comparison_period = comparisons(column_paths, column_periods, stub_columns)
    comparison_rows, comparison_row_period = comparisons(row_paths, row_periods, header_rows)
    structure = Structure(
        header_rows=header_rows,
        stub_columns=stub_columns,
        column_paths=tuple(column_paths),
        row_paths=tuple(row_paths),
        column_periods=tuple(column_periods),
        row_periods=tuple(row_periods),
        column_units=tuple(column_units),
        title=line_to_title(title_line) if title_line else None,
        aggregate_rows=aggregate_rows,
        aggregate_columns=aggregate_columns,
        comparison_period=comparison_period,
        comparison_columns=comparison_columns,
        comparison_row_period=comparison_row_period,
        comparison_rows=comparison_rows,
        cell_units=slots_to_cell_units(slots, header_rows, stub_columns),
        notes=tuple(notes),
    )
    return replace(structure, data=tuple(structure_to_data_cells(table, structure, moved)))


MAX_SUB_LABEL = 20  # characters


def row_sub_label(table: Table, structure: Structure, row: int, column: int) -> str | None:
    """A label printed in a data column without heading, left of a figure on the same row
    (入院中 153 | うち重症 | 8; 上水道施設整備事業 | 上水道整備工事 | 373,504): it names that
    figure within its row. The nearest filled cell to the figure's left decides."""
    for c in range(column - 1, structure.stub_columns - 1, -1):
        cell = table.cell_at(row, c)
        text = label_text(cell.text).replace(" ", "") if cell is not None else ""
        if not text:
            continue
        if structure.column_paths[c] or cell.row != row or cell.col_span != 1 or len(text) > MAX_SUB_LABEL:
            return None
        if is_value_text(text) or is_placeholder_text(text) or is_note_mark(text):
            return None
        return text
    return None


def is_note_mark(text: str) -> bool:
    return text.startswith(("※", "*", "注"))


def structure_to_data_cells(table: Table, structure: Structure, moved: dict[tuple[int, int], int]) -> list[DataCell]:
    """Every filled cell of the body right of the stub (and those moved there), with its headers."""
    out = []
    for cell in table.cells:
        text = cell_to_text(cell.text)
        if not text or cell.row < structure.header_rows:
            continue
        column = moved.get((cell.row, cell.column), cell.column)
        if column < structure.stub_columns:
            continue
        sub_label = row_sub_label(table, structure, cell.row, column) if is_data_value(text) else None
        period = structure.column_periods[column] or structure.row_periods[cell.row]
        if period is None and column in structure.comparison_columns:
            period = structure.comparison_period
        if period is None and cell.row in structure.comparison_rows:
            period = structure.comparison_row_period
        out.append(
            DataCell(
                row=cell.row,
                column=column,
                cell=cell,
                text=text,
                printed=nfkc_keep_marks(cell.text).strip(),
                row_path=structure.row_paths[cell.row] + ((sub_label,) if sub_label else ()),
                column_path=structure.column_paths[column],
                period=period,
                unit=structure.cell_units.get((cell.row, column)) or structure.column_units[column],
                aggregate=cell.row in structure.aggregate_rows or column in structure.aggregate_columns,
            )
        )
    return out
