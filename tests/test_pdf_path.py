"""PDF inputs: a ruled table gives the same canonical rows as its text extraction; bad PDFs
get coded failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.content.base import ExtractContext
from extractors.content.kpi import KpiExtractor
from extractors.model.document import BBox
from extractors.readers import ReadFailure, read_document
from extractors.readers.pdf import dedupe_chars, page_to_items, page_without_duplicate_glyphs, pages_of
from extractors.tables import may_hold_tables
from extractors.tables.base import CharIndex, chars_in_box, nearest_index
from schemas.quality import Code

from .pdf_fixtures import ZERO_PAGE_PDF, text_block_to_rows, write_image_only_pdf, write_table_pdf, write_text_pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RUNNING_TEXT = [
    ["第1章 計画の概要", "本計画は、圏域全体の経済成長のけん引に向けて、連携事業を推進するものです。", "(1) 計画期間 令和7年度から令和11年度まで"],
    ["第2章 現状と課題", "人口は減少傾向にあり、社会減 (転出超過) の抑制が課題です。", "1 2 3 は本文中の番号です。"],
]

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
    extraction = KpiExtractor().extract(document, document.tables, ExtractContext())
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


# --- the text route and the streaming reader ------------------------------------------------------


def test_text_pages_take_the_text_route_and_give_the_same_lines(tmp_path: Path) -> None:
    import pdfplumber

    path = write_text_pdf(tmp_path / "text.pdf", RUNNING_TEXT)
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            assert not may_hold_tables(page_without_duplicate_glyphs(page))
            fast, full = page_to_items(page), page_to_items(page, text_route=False)
            assert fast == full
            assert ["".join(c.text for c in item.cells) for item in fast][1] == RUNNING_TEXT[page.page_number - 1][0].replace(" ", "")


def test_a_ruled_table_page_is_not_on_the_text_route(tmp_path: Path) -> None:
    import pdfplumber

    headings, rows = text_block_to_rows(KPI_TEXT)
    with pdfplumber.open(write_table_pdf(tmp_path / "kpi.pdf", headings, rows)) as pdf:
        assert may_hold_tables(pdf.pages[0])


def test_text_pdf_lines_without_running_header_and_page_number(tmp_path: Path) -> None:
    document = read_document(write_text_pdf(tmp_path / "text.pdf", RUNNING_TEXT).read_bytes(), "text.pdf")
    assert not isinstance(document, ReadFailure), document
    assert [[line.text for line in page.lines] for page in document.pages] == [[t.replace(" ", "") for t in lines] for lines in RUNNING_TEXT]


def test_dedupe_chars_is_pdfplumbers_in_page_order() -> None:
    import pdfplumber

    with pdfplumber.open(FIXTURES / "participation-borderless-fake-bold.pdf") as pdf:
        page = pdf.pages[0]
        unique = dedupe_chars(page.chars)
        assert len(unique) < len(page.chars)  # the fixture overprints every glyph
        assert unique == page.dedupe_chars().chars


def test_char_index_finds_what_a_scan_finds() -> None:
    import pdfplumber

    with pdfplumber.open(FIXTURES / "population-row-groups-merged.pdf") as pdf:
        chars = pdf.pages[0].chars
    index = CharIndex.of(chars)
    for x0 in range(0, 800, 37):
        for top in range(0, 560, 41):
            box = BBox(x0, top, x0 + 90, top + 30)
            assert index.in_box(box) == chars_in_box(chars, box)


@pytest.mark.parametrize("value", [-5.0, 0.0, 1.0, 1.5, 2.0, 9.9, 10.0, 55.0])
def test_nearest_index_takes_the_lower_edge_on_a_tie(value: float) -> None:
    edges = [0.0, 1.0, 2.0, 10.0]
    assert nearest_index(edges, value) == min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def test_no_page_content_stays_cached_after_reading() -> None:
    """pdfminer caches every object it resolves; the reader drops each page's content streams
    once the page is read, so memory does not grow with the page count."""
    import pdfplumber
    from pdfminer.pdftypes import PDFStream

    pdf = pdfplumber.open(FIXTURES / "participation-merged-categories-stacked-header-three-pages.pdf")
    assert len(pages_of(pdf)[0]) == 3
    cached = set(pdf.doc._cached_objs)
    contents = {s.objid for page in pdf.pages for s in page.page_obj.contents if isinstance(s, PDFStream)}
    assert len(contents) == 3
    assert not contents & cached
    pdf.close()


def test_a_text_layer_of_unmapped_glyphs_is_reported_not_read() -> None:
    # 国土交通省 九州地方整備局 入札説明書 (tests/real/): its fonts have no character map, so the
    # text layer reads (cid:2961)(cid:5470)…; keikaku says so instead of emitting glyph ids as cells.
    real = FIXTURES.parent / "real"
    broken = read_document((real / "kyushu-chikugogawa-bid-broken-text-layer-2023.pdf").read_bytes(), "x.pdf")
    assert isinstance(broken, ReadFailure) and broken.code is Code.PDF_TEXT_UNMAPPED
    sound = read_document((real / "okinawa-covid19-status-2020-09-15.pdf").read_bytes(), "y.pdf")
    assert not isinstance(sound, ReadFailure)
