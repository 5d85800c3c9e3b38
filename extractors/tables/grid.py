"""A table read as a grid: header rows over body rows of normalized cells, and what each
column holds. Shared by the table extractors (KPI, time series), so each reads tables alike.

Header rows are the leading rows without data values; a blank header cell under a merged cell
takes the text of the cell spanning from its left.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from extractors.model.provenance import NO_PROVENANCE, Provenance, table_row_provenance
from extractors.model.table import Table
from extractors.normalize.amounts import SUFFIX_QUALIFIERS, UNIT_WORDS, parse_amount, split_value_note
from extractors.normalize.periods import parse_period
from extractors.normalize.textnorm import nfkc_keep_marks

# --- grid: a table as header rows and body rows of normalized cells ----------------------------------


@dataclass(frozen=True)
class GridRow:
    """One table row: normalized cell texts (padded to the grid width), the cells as printed
    (NFKC, marks kept, for ``*_text``) and where the row was read."""

    cells: tuple[str, ...]
    printed: tuple[str, ...]
    page: int
    line: int
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # where the row was printed

    def location(self) -> str:
        return f"page {self.page}, line {self.line}"


@dataclass(frozen=True)
class Grid:
    header: tuple[GridRow, ...]
    body: tuple[GridRow, ...]
    width: int

    def header_parts(self, column: int) -> list[str]:
        """The header cells of one column, top to bottom. An empty cell with header text below
        it lies under a merged cell spanning from the left, and takes that cell's text
        (``実績 | (blank)`` over ``R5 | R6`` is ``実績 R5``, ``実績 R6``)."""
        parts = []
        for r, row in enumerate(self.header):
            text = row.cells[column]
            if not text and any(lower.cells[column] for lower in self.header[r + 1 :]):
                text = next((row.cells[k] for k in range(column - 1, -1, -1) if row.cells[k]), "")
            if text:
                parts.append(text)
        return parts

    def header_text(self, column: int) -> str:
        """The merged header of one column (its header cells joined)."""
        return " ".join(self.header_parts(column))

    def body_column(self, column: int) -> list[str]:
        return [row.cells[column] for row in self.body]


# Printed where a value is missing on purpose: not an amount, and not an error either.
PLACEHOLDER_RE = re.compile(
    r"^(?:[-‐‑–—―ー−~*＊…・/／×x]+|なし|無し|該当なし|該当数値なし|数値なし|調査なし|未調査|調査中|未公表|非公表|公表前|"
    r"未集計|集計中|算出中|算定中|未確定|未定|未実施|未把握|不明|皆減|n/?a|N/?A|NA|ND|nd|空欄)$"
)


def cell_to_text(raw: str) -> str:
    """Normalized cell text: NFKC with marks kept, runs of white space made one space, a number
    spread over its cell one character at a time closed up."""
    return spaced_number_joined(" ".join(nfkc_keep_marks(raw).split()))


def spaced_number_joined(text: str) -> str:
    """``７ ， ８ ７ ９ 千円`` -> ``7,879千円``: a figure set out to fill its cell (均等割付) is
    single characters apart, digits among them, a unit word perhaps at the end; closed up it is
    one amount. Two or more numbers in a cell (``12 34``) are not single characters."""
    tokens = text.split(" ")
    if len(tokens) < 3 or any(len(t) != 1 for t in tokens[:-1]) or sum(t.isdigit() for t in tokens) < 2:
        return text
    joined = "".join(tokens)
    return joined if parse_amount(joined) is not None else text


def table_row_to_grid_row(table: Table, row: int) -> GridRow:
    texts = table.row_texts(row)
    source = table.rows[row]
    return GridRow(
        cells=tuple(cell_to_text(t) for t in texts),
        printed=tuple(nfkc_keep_marks(t).strip() for t in texts),
        page=source.page,
        line=source.first_line,
        source=table_row_provenance(table, row),
    )


LEADING_UNIT_RE = re.compile(r"^(?P<unit>[^\d\s▲△+\-.,()（）]{1,4})\s*(?P<number>[▲△+\-]?\s*\d[\d,]*(?:\.\d+)?)$")


SPACED_NUMBER_RE = re.compile(r"[▲△+\-]?\s*\d[\d ,.]*\d")
GROUPED_NUMBER_RE = re.compile(r"[▲△+\-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def join_spaced_number(text: str) -> str:
    """A number whose digits the PDF spaced out (``6 18,941``, ``21 9 , 3 9 4``, ``1 0 0``) as
    one number, when the joined digits group as a number does (commas every three digits) or
    every part was a single digit."""
    if " " not in text or not SPACED_NUMBER_RE.fullmatch(text):
        return text
    joined = text.replace(" ", "")
    parts = text.replace(",", " ").split()
    if GROUPED_NUMBER_RE.fullmatch(joined) or all(len(p.lstrip("▲△+-")) == 1 for p in parts if p.strip("▲△+-")):
        return joined
    return text


# ``(債)35,700``: a one- or two-character tag before a number says where it comes from (地方債, 国, 県).
LEADING_TAG_RE = re.compile(r"^[(（][一-龥]{1,2}[)）]\s*(?=[▲△+\-−－]?\d)")


def value_main(text: str) -> str:
    """The value part of a cell, its leading tag and trailing note removed (``(債)35,700`` ->
    ``35,700``, ``1件 (R4実績)`` -> ``1件``), a unit
    printed above the number moved after it (``千円2,050,134`` -> ``2,050,134千円``), digits the
    PDF spaced out joined (``6 18,941`` -> ``618,941``)."""
    main = join_spaced_number(split_value_note(LEADING_TAG_RE.sub("", text, count=1))[0])
    leading = LEADING_UNIT_RE.match(main)
    if leading and leading["unit"] in UNIT_WORDS:
        return leading["number"] + leading["unit"]
    return main


# ``1 産業振興``, ``2 法人``: a list number and a name, which parse_amount would read as 1 of unit
# 産業振興. A two-character word is a name unless it is a unit (``3 世帯`` is a count). Printed
# without the space (a budget's 款 ``16国庫支出金``), a name of three characters or more that is
# no unit and does not start with a counter (``15人以上`` is 15 人, ``30分以内`` a time, ``12学級``
# a count, ``40代男性`` an age class).
NUMBERED_LABEL_RE = re.compile(r"\d{1,2}\s+(?P<name>[^\d\s]{2,})")
CODED_LABEL_RE = re.compile(r"\d{1,2}(?P<name>[^\d\s代歳年月日人回件時分号位番期次条項款目節倍割][^\d\s]{2,})")


def is_numbered_label(text: str) -> bool:
    match = NUMBERED_LABEL_RE.fullmatch(text)
    if match:
        return len(match["name"]) > 2 or match["name"] not in UNIT_WORDS
    coded = CODED_LABEL_RE.fullmatch(text)
    amount = parse_amount(text) if coded and not coded["name"].endswith((*SUFFIX_QUALIFIERS, "以内")) else None
    return amount is not None and amount.unit not in UNIT_WORDS


def is_value_text(text: str) -> bool:
    """An amount, possibly with a trailing note (``24.8億円 (R4実績)``, ``▲ 680``, ``1.27``)."""
    main = value_main(text)
    return bool(text) and parse_amount(main) is not None and not is_numbered_label(main)


MARKS = frozenset("●○◯〇◎×✕✓✔■□◆◇△▲☆★")


def is_mark(text: str) -> bool:
    """A cell that is one mark (● participates, ○ joins, × against …): data, not a label."""
    return len(text) == 1 and text in MARKS


def is_placeholder_text(text: str) -> bool:
    """Text printed instead of a value on purpose: ``-``, ``調査なし (次回R8)``, ``未公表``, with
    the unit the value would have had (``－千円``, ``千円―``: the unit printed above the dash)."""
    compact = value_main(text).replace(" ", "")
    return bool(PLACEHOLDER_RE.match(compact) or PLACEHOLDER_RE.match(UNIT_AROUND_RE.sub("", compact)))


_UNIT_WORD = "|".join(sorted(map(re.escape, UNIT_WORDS), key=len, reverse=True))
UNIT_AROUND_RE = re.compile(rf"^(?:{_UNIT_WORD})|(?:{_UNIT_WORD})$")


def is_period_label(text: str) -> bool:
    """A header-like period (``R6``, ``2025年``, ``H26 (2014)``), not a data value: numbers with
    separators, decimals, signs or units other than 年/年度 are data."""
    if not text or parse_period(text) is None:
        return False
    amount = parse_amount(value_main(text))
    if amount is None:
        return True
    return amount.unit in (None, "年", "年度") and not re.search(r"[,.▲△+\-]", amount.text)


def row_has_data(row: GridRow) -> bool:
    return any(is_value_text(c) and not is_period_label(c) for c in row.cells)


def table_to_grid(table: Table) -> Grid:
    """Header rows are the leading rows without data values; the rest is the body."""
    rows = [table_row_to_grid_row(table, r) for r in range(table.n_rows)]
    rows = [row for row in rows if any(c.strip() for c in row.cells)]
    split = next((i for i, row in enumerate(rows) if row_has_data(row)), len(rows))
    return Grid(header=tuple(rows[:split]), body=tuple(rows[split:]), width=table.n_columns)


UNIT_NOTE_RE = re.compile(r"単位\s*[:：]?\s*(?P<unit>[^)）\s、,;]+)")


def context_to_unit(context: Sequence[str], nearest: int = 2) -> str | None:
    """The unit of a ``(単位：人)`` note among the last ``nearest`` context lines (a note further
    up belongs to another table)."""
    for line in reversed(context[-nearest:]):
        match = UNIT_NOTE_RE.search(cell_to_text(line))
        if match:
            return match["unit"]
    return None


# --- column kinds, from what the body holds --------------------------------------------------------


class ColumnKind(StrEnum):
    EMPTY = "empty"
    VALUE = "value"  # amounts (and placeholders)
    PERIOD = "period"  # periods only (基準年: H30)
    TEXT = "text"  # short labels
    COMMENT = "comment"  # sentences


COMMENT_MIN_LENGTH = 30  # cells this long on average are sentences, not labels


def cells_to_column_kind(cells: Sequence[str]) -> ColumnKind:
    filled = [c for c in cells if c]
    if not filled:
        return ColumnKind.EMPTY
    values = sum(1 for c in filled if is_value_text(c))
    placeholders = sum(1 for c in filled if not is_value_text(c) and is_placeholder_text(c))
    if all(is_period_label(c) and len(c) <= 16 for c in filled):
        return ColumnKind.PERIOD
    if values and (values + placeholders) * 2 >= len(filled):
        return ColumnKind.VALUE
    average = sum(len(c) for c in filled) / len(filled)
    if average >= COMMENT_MIN_LENGTH or any("。" in c for c in filled):
        return ColumnKind.COMMENT
    return ColumnKind.TEXT


def grid_to_column_kinds(grid: Grid) -> tuple[ColumnKind, ...]:
    return tuple(cells_to_column_kind(grid.body_column(c)) for c in range(grid.width))
