"""PDF inputs: a ruled table gives the same canonical rows as its text extraction; bad PDFs
get coded failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.base import ExtractContext
from extractors.kpi import KpiExtractor
from extractors.readers import ReadFailure, read_document
from extractors.segment import document_to_blocks
from schemas.quality import Code

from .pdf_fixtures import ZERO_PAGE_PDF, text_block_to_rows, write_image_only_pdf, write_table_pdf

KPI_TEXT = """基本目標 2 新しいひとの流れをつくる

重要業績評価指標 (KPI)\t\t基準値\tR6実績\tR9目標値
転出超過数を抑制\t①転出超過数\t▲389人\t▲284人\t▲275人
人口の社会増減率の改善\t②人口の社会増減率\t▲0.50%\t▲0.38%\t▲0.40%
定住意向の向上\t③「住み続けたい」の回答割合\t67.5%\t60.7%\t70.0%
農業の生産性の向上\t④農業産出額\t17,673百万円\t未公表\t17,800百万円
"""


def indicators_of(data: bytes, name: str) -> list[tuple]:
    document = read_document(data, name)
    assert not isinstance(document, ReadFailure), document
    extraction = KpiExtractor().extract(document, document_to_blocks(document), ExtractContext())
    return [
        (r.indicator, r.baseline_value, r.baseline_unit, r.actual_value, r.target_value, r.target_unit, r.target_period)
        for r in extraction.indicators
    ]


def test_kpi_table_pdf_gives_the_same_rows_as_its_text(tmp_path: Path) -> None:
    headings, rows = text_block_to_rows(KPI_TEXT)
    pdf = write_table_pdf(tmp_path / "kpi.pdf", headings, rows)
    from_text = indicators_of(KPI_TEXT.encode(), "kpi.txt")
    from_pdf = indicators_of(pdf.read_bytes(), "kpi.pdf")
    assert len(from_text) == 4
    assert from_pdf == from_text


def test_pdf_with_empty_user_password_is_opened(tmp_path: Path) -> None:
    """Latin text only: pdfminer cannot map reportlab's encrypted CID fonts (their
    CIDSystemInfo strings stay encrypted), which is a fixture limit, not the behaviour tested."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    rows = [["Indicator", "Baseline", "Target"], ["Visitors", "1,200", "1,500"]]
    pdf = write_table_pdf(tmp_path / "open.pdf", ["Plan"], rows, encrypt=StandardEncryption("", ownerPassword="owner"), font="Helvetica")
    document = read_document(pdf.read_bytes(), "open.pdf")
    assert not isinstance(document, ReadFailure), document
    assert [line.cell_texts() for line in document.lines() if line.is_tabular] == rows


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: write_table_pdf(d / "locked.pdf", ["見出し"], [["a", "b"]], encrypt="secret").read_bytes(), Code.PDF_ENCRYPTED),
        (lambda d: write_image_only_pdf(d / "scan.pdf").read_bytes(), Code.PDF_NEEDS_OCR),
        (lambda d: ZERO_PAGE_PDF, Code.PDF_NO_PAGES),
        (lambda d: write_image_only_pdf(d / "cut.pdf").read_bytes()[:300], Code.PDF_CORRUPT),
        (lambda d: b"%PDF-1.7\n" + bytes(range(256)) * 20, Code.PDF_CORRUPT),
    ],
)
def test_bad_pdfs_fail_with_codes(tmp_path: Path, make, code: Code) -> None:
    parsed = read_document(make(tmp_path), "bad.pdf")
    assert isinstance(parsed, ReadFailure)
    assert parsed.code is code, parsed
