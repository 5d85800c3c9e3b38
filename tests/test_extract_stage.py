"""The extract stage: extractors claim tables in order, unclaimed tables go to cells, a table
an extractor cannot read costs only that table, and a document of tables none understood is
partial."""

from __future__ import annotations

from collections.abc import Sequence

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.content.cells import CellsExtractor
from extractors.content.timeseries import TimeSeriesExtractor
from extractors.model.document import Document
from extractors.model.table import Table
from extractors.readers import ReadFailure, read_document
from pipeline.envelope import DocumentResult, InputFile
from pipeline.stages import make_extract_stage, run_extractors
from schemas.quality import Code

TWO_TABLES = """人口の推移\n(単位：人)\n区分\t2020年\t2021年\n転入\t10\t20\n\n本文です。\n\n料金表\n区分\t金額\n大人\t500円\n子ども\t200円\n"""


def document_of(text: str) -> Document:
    document = read_document(text.encode("utf-8"), "t.txt")
    assert not isinstance(document, ReadFailure)
    return document


class FailsOnFirstTable(Extractor):
    """A buggy extractor: it raises on the first table, and claims the others."""

    name = "buggy"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        if any(t.index == 0 for t in tables):
            raise ValueError("cannot read this table")
        return Extraction(claimed=tuple(t.index for t in tables))


def test_time_series_claims_its_table_and_cells_take_the_other() -> None:
    extraction, issues = run_extractors(document_of(TWO_TABLES), (TimeSeriesExtractor(), CellsExtractor()), ExtractContext())
    assert {(r.series, r.period) for r in extraction.observations} == {("転入", "2020"), ("転入", "2021")}
    assert {c.table_id for c in extraction.cells} == {1}
    assert {c.text for c in extraction.cells if c.role == "data"} == {"500円", "200円"}
    assert [i.code for i in extraction.issues] == [Code.TABLE_UNCLAIMED]
    assert issues == []


def test_a_table_an_extractor_cannot_read_costs_only_that_table() -> None:
    extraction, issues = run_extractors(document_of(TWO_TABLES), (FailsOnFirstTable(), CellsExtractor()), ExtractContext())
    assert [(i.code, i.location) for i in issues] == [(Code.TABLE_UNREADABLE, "page 1, line 3")]
    assert set(extraction.claimed) == {0, 1}
    assert {c.table_id for c in extraction.cells} == {0}  # the table the buggy extractor failed on is still delivered


def test_tables_found_but_none_understood_make_the_document_partial() -> None:
    text = "料金表\n区分\t金額\n大人\t500円\n子ども\t200円\n"
    data = text.encode("utf-8")
    result = DocumentResult(source=InputFile(source_file="t.txt", data=data), doc_id="0" * 16, sha256="0" * 64, document=document_of(text))
    result = make_extract_stage((TimeSeriesExtractor(), CellsExtractor()))(result)
    assert result.status == "partial"
    assert Code.TABLES_NOT_UNDERSTOOD in {i.code for i in result.issues}
    assert len(result.extraction.cells) > 0
