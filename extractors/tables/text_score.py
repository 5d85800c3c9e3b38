"""The structure score that picks, per region of lines, one text strategy's reading.

Two strategies that read the same lines differently disagree on where cells are; the better
reading is the one whose table looks like a table (the issue's three tests):

- a regular grid: a column that holds values holds them on most body rows (a reading that cut
  cells in the wrong places scatters values over many half-empty columns);
- a header recognised: the data columns have headings above them;
- printed totals that add up: a 計 / 小計 / 合計 row equals the sum of its members in a column
  (only a reading with the right columns and rows makes them add up).

``table_score`` is the strategy's confidence times a score in [0.5, 1].
"""

from __future__ import annotations

from extractors.model.table import Table
from extractors.tables.aggregates import adds_up, member_groups, values_by_slot
from extractors.tables.structure import is_data_value, table_to_slots, table_to_structure

VALUE_COLUMN_SHARE = 0.5  # a column with values on at least this share of body rows is a data column


def table_score(table: Table) -> float:
    """Confidence × (0.5 + 0.3 regularity + 0.1 header + 0.1 totals), each part in [0, 1]."""
    structure = table_to_structure(table)
    slots = table_to_slots(table)
    body = slots[structure.header_rows :]
    if not body:
        return table.confidence * 0.5
    shares = [sum(1 for row in body if c < len(row) and is_data_value(row[c])) / len(body) for c in range(table.n_columns)]
    data = [c for c, share in enumerate(shares) if share >= VALUE_COLUMN_SHARE]
    regularity = sum(shares[c] for c in data) / len(data) if data else 0.0
    header = sum(1 for c in data if structure.column_paths[c]) / len(data) if data and structure.header_rows else 0.0
    return table.confidence * (0.5 + 0.3 * regularity + 0.1 * header + 0.1 * totals_share(table))


def totals_share(table: Table) -> float:
    """Share of the printed total rows that add up with their members in some column."""
    structure = table_to_structure(table)
    values = values_by_slot(structure)
    rows = sorted(structure.aggregate_rows)
    if not rows:
        return 0.0
    good = 0
    for total_row in rows:
        columns = {c for r, c in values if r == total_row}
        for group in member_groups(structure.row_paths, structure.aggregate_rows, total_row, structure.header_rows):
            if any((total_row, c) in values and all((r, c) in values for r in group) and adds_up(values[(total_row, c)], [values[(r, c)] for r in group]) for c in columns):
                good += 1
                break
    return good / len(rows)
