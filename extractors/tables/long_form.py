"""A table in long form: one ``CellRow`` per printed cell with its role, header path, value,
unit and period (tidyxl / unpivotr's one-row-per-cell form), for the ``cells`` output.

Extractors that claim a table but turn only some of its cells into their own rows (a time
series ignores a 前年比 column) hand the rest over in this form, so nothing is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from extractors.model.provenance import table_cell_provenance
from extractors.model.table import Table
from extractors.normalize.amounts import parse_amount, split_value_note
from extractors.tables.captions import is_bare_unit
from extractors.tables.grid import cell_to_text, value_main
from extractors.tables.structure import PATH_SEPARATOR, DataCell, Structure, is_data_value
from schemas.tables import CellRow

TRAILING_NUMBER_RE = re.compile(r"[\s0-9０-９①-⑳]+$")


def path_to_text(path: Sequence[str]) -> str | None:
    return PATH_SEPARATOR.join(path) or None


def data_cell_amount(data: DataCell):  # -> Amount | None
    """The cell's amount, the unit its headers give applied to a bare number (so 千円 scales it).
    A cell that prints only a unit (``m3`` in a unit column) holds no amount; where the cell's
    bracketed note prints that unit itself (``△3(△10.7%)`` under 増減数(率), 単位 人・%), the unit
    is the note's and the number before it stays without."""
    if is_bare_unit(data.text):
        return None
    main = value_main(data.text)
    amount = parse_amount(main)
    if amount is not None and amount.unit is None and data.unit and not note_has_unit(data.text, data.unit):
        amount = parse_amount(main + data.unit) or amount
    return amount


def note_has_unit(text: str, unit: str) -> bool:
    note = split_value_note(text)[1]
    printed = parse_amount(note) if note else None
    heading = parse_amount("1" + unit)
    return printed is not None and heading is not None and printed.unit == heading.unit


def stub_heading(structure: Structure) -> tuple[str, ...]:
    """The one heading printed over a table's row labels (the corner: ``年代`` over 90歳以上,
    80代 …), which names what the rows of figures are. None where the stub columns have
    headings of their own (大分類 / 中分類 / 事業名: each names its column, not the rows), where
    the table holds no figures (a list of names whose first row was read as its header), or
    where the corner is one of the labels itself (``重点施策①`` over 重点施策②, ③ …)."""
    headings = {part for path in structure.column_paths[: structure.stub_columns] for part in path}
    if len(headings) != 1 or not any(is_data_value(d.text) for d in structure.data):
        return ()
    labels = {numbering_stripped(path[-1]) for path in structure.row_paths if path}
    return tuple(part for part in headings if numbering_stripped(part) not in labels)


def numbering_stripped(label: str) -> str:
    return TRAILING_NUMBER_RE.sub("", label)


def data_to_row(doc_id: str, table: Table, structure: Structure, data: DataCell) -> CellRow:
    amount = data_cell_amount(data)
    heading = tuple(part for part in stub_heading(structure) if part not in data.row_path)
    row_text, column_text = path_to_text(heading + data.row_path), path_to_text(data.column_path)
    return CellRow(
        doc_id=doc_id,
        table_id=table.index,
        table_title=structure.title,
        page=data.cell.page or table.rows[data.row].page,
        row=data.row,
        column=data.column,
        row_span=data.cell.row_span,
        col_span=data.cell.col_span,
        role="data",
        row_header=row_text,
        column_header=column_text,
        header_path=f"{row_text or ''} × {column_text or ''}" if (row_text or column_text) else None,
        text=data.text,
        value=amount.value if amount else None,
        unit=amount.unit if amount else None,
        period=data.period,
        aggregate=data.aggregate,
        strategy=table.strategy,
        **cell_location(table, data.row, data.column),
    )


def cell_location(table: Table, row: int, column: int) -> dict:
    """The provenance columns a cells row lacks (it has page, table_id and strategy of its own)."""
    return table_cell_provenance(table, row, column).columns(without=("page", "table_id", "strategy"))


def table_to_long_form(doc_id: str, table: Table, structure: Structure, keep: Callable[[DataCell], bool] = lambda d: True) -> list[CellRow]:
    """Header and stub cells (every one), then the data cells ``keep`` accepts."""
    rows = []
    for cell in table.cells:
        text = cell_to_text(cell.text)
        role = structure.role(cell.row, cell.column)
        if not text or role == "data":
            continue
        rows.append(
            CellRow(
                doc_id=doc_id, table_id=table.index, table_title=structure.title, page=cell.page or table.rows[cell.row].page,
                row=cell.row, column=cell.column, row_span=cell.row_span, col_span=cell.col_span, role=role, text=text,
                aggregate=cell.row in structure.aggregate_rows, strategy=table.strategy,
                **cell_location(table, cell.row, cell.column),
            )
        )
    rows += [data_to_row(doc_id, table, structure, d) for d in structure.data if keep(d)]
    return sorted(rows, key=lambda r: (r.row, r.column))
