"""camelot's parsers (lattice, stream, network) as table strategies, for comparison.

camelot reads the PDF itself (its own parse of the page), so a page costs a second parse; its
tables come back in PDF coordinates (origin bottom-left) as a grid of rows and columns, the
text of a spanning cell in its first slot. ``confidence`` is camelot's parsing-report accuracy
scaled under the ruled strategy's (a clean ruled grid stays ours).

Not in ``extractors.tables.STRATEGIES``: ``benchmarks.bench_tables`` measures what adding it
would give (see the README's benchmark section for the figures).
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from extractors.model.document import BBox
from extractors.tables.base import FoundTable, TableCell, TableStrategy

SCALE = {"lattice": 0.95, "stream": 0.85, "network": 0.85}


class CamelotStrategy(TableStrategy):
    def __init__(self, flavor: str) -> None:
        self.flavor = flavor
        self.name = f"camelot-{flavor}"  # type: ignore[misc]

    def find_tables(self, page: Any) -> list[FoundTable]:
        import camelot

        data = page_to_pdf_bytes(page)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tables = camelot.read_pdf(data, pages=str(page.page_number), flavor=self.flavor, suppress_stdout=True)
            except Exception:  # noqa: BLE001 -- camelot raises on pages it cannot parse; no table then
                return []
        return [camelot_to_found(t, float(page.height), page.page_number, self.name, SCALE[self.flavor]) for t in tables]


def page_to_pdf_bytes(page: Any) -> bytes:
    stream = page.pdf.stream
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()
    stream.seek(0)
    return stream.read()


def camelot_to_found(table: Any, height: float, page_number: int, name: str, scale: float) -> FoundTable:
    """A camelot table as a grid of cells, one per slot (rows and columns in page points)."""
    rows = [(height - top, height - bottom) for top, bottom in table.rows]
    cols = list(table.cols)
    cells = []
    for r, (top, bottom) in enumerate(rows):
        for c, (x0, x1) in enumerate(cols):
            text = str(table.cells[r][c].text or "").replace("\n", "").strip()
            cells.append(TableCell(text=text, row=r, column=c, bbox=BBox(x0, top, x1, bottom), page=page_number))
    x0, y0, x1, y1 = table._bbox
    accuracy = float(table.parsing_report.get("accuracy", 0.0)) / 100
    return FoundTable(
        cells=tuple(cells),
        n_rows=len(rows),
        n_columns=len(cols),
        bbox=BBox(x0, height - y1, x1, height - y0),
        strategy=name,
        confidence=round(scale * accuracy, 4),
        pages=(page_number,),
        column_edges=tuple([cols[0][0], *(c[1] for c in cols)]) if cols else (),
    )
