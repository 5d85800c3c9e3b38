"""Tables no other extractor understood -> ``cells``: every cell in long form with its header path.

Nothing is dropped: a researcher gets every table's data even where keikaku cannot say what the
table is (a cross-tab, a fee list, a ranking). Each cell carries its role (header, stub or data),
the row labels and column headings it sits under, its value parsed with the same normalisation
as every other table (scale words and the table's 単位 applied) and the period its headers name
(``extractors.tables.long_form``). Each such table is listed in ``quality`` (``table-unclaimed``).
"""

from __future__ import annotations

from collections.abc import Sequence

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document
from extractors.model.table import Table
from extractors.tables.aggregates import aggregate_issues
from extractors.tables.long_form import table_to_long_form
from extractors.tables.structure import table_to_structure
from schemas.quality import Code, Issue, Severity
from schemas.tables import CellRow


def table_to_cells(doc_id: str, table: Table) -> tuple[list[CellRow], list[Issue]]:
    structure = table_to_structure(table)
    rows = table_to_long_form(doc_id, table, structure)
    message = (
        f"table {table.index} ({table.n_rows} rows × {table.n_columns} columns, read by {table.strategy}) is of no kind "
        "keikaku understands: its cells are in the cells table"
    )
    return rows, [Issue(Code.TABLE_UNCLAIMED, Severity.WARNING, message, "cells", table.location(), (("table_id", table.index),), table.index), *aggregate_issues(structure, table, "cells")]


class CellsExtractor(Extractor):
    """Every table no earlier extractor claimed -> ``cells`` (long form), one quality row each."""

    name = "cells"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        rows: list[CellRow] = []
        issues: list[Issue] = []
        for table in tables:
            found, problems = table_to_cells(document.doc_id, table)
            rows += found
            issues += problems
        return Extraction(cells=tuple(rows), issues=tuple(issues), claimed=tuple(t.index for t in tables))
