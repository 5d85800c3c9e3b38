"""Two-column pages are read column by column (extractors.readers.columns)."""

from __future__ import annotations

from pathlib import Path

from extractors.readers import ReadFailure, read_document
from extractors.readers.columns import gutter_of, reading_order, split_at_gutter

REAL = Path(__file__).resolve().parent / "real"


def word(text: str, x0: float, top: float) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + 10 * len(text), "top": top, "bottom": top + 10}


PROSE = "これは本文の一行です。段組みの"  # 15 characters: running text


def test_two_columns_of_prose_have_a_gutter_and_are_read_left_first() -> None:
    lines = [[word(PROSE, 40, 100 + 14 * k), word(PROSE, 320, 100 + 14 * k)] for k in range(8)]
    gutter = gutter_of(lines, 600)
    assert gutter is not None and 190 < gutter < 320
    parts = split_at_gutter(lines, gutter)
    boxes = [(min(w["x0"] for w in p), p[0]["top"], max(w["x1"] for w in p), p[0]["bottom"]) for p in parts]
    order = reading_order(boxes, gutter)
    assert [boxes[k][0] for k in order] == [40] * 8 + [320] * 8


def test_a_title_across_both_columns_separates_bands() -> None:
    boxes = [(40, 10, 560, 20), (40, 30, 190, 40), (320, 30, 470, 40), (40, 44, 190, 54), (320, 44, 470, 54), (40, 60, 560, 70), (40, 80, 190, 90)]
    assert reading_order(boxes, 250) == [0, 1, 3, 2, 4, 5, 6]


def test_labels_beside_values_and_single_column_prose_have_no_gutter() -> None:
    form = [[word("調査期間", 40, 100 + 14 * k), word("令和7年8月27日から9月22日まで", 200, 100 + 14 * k)] for k in range(8)]
    assert gutter_of(form, 600) is None
    prose = [[word(PROSE * 3, 40, 100 + 14 * k)] for k in range(12)]
    assert gutter_of(prose, 600) is None


def test_a_newsletter_page_is_read_column_by_column() -> None:
    # 広報おといねっぷ 2020-11 p.1 (tests/real/): the introduction fills the left column beside
    # the goals' boxes; its sentences must follow each other.
    path = REAL / "otoineppu-kouhou-2020-11-kpi-kensho.pdf"
    document = read_document(path.read_bytes(), path.name)
    assert not isinstance(document, ReadFailure)
    lines = [line.text for line in document.pages[0].lines]
    first = next(k for k, text in enumerate(lines) if text.startswith("本村では"))
    assert lines[first + 1].startswith("しごと創生総合戦略")
    assert lines[first + 2].startswith("期の「音威子府村")


def test_two_columns_of_prose_are_no_borderless_table() -> None:
    # The same page: the goals' boxes and the opinions beside them align like two columns of a
    # table; holding no values, they stay text.
    path = REAL / "otoineppu-kouhou-2020-11-kpi-kensho.pdf"
    document = read_document(path.read_bytes(), path.name)
    assert not isinstance(document, ReadFailure)
    texts = [c.text for t in document.tables for c in t.cells]
    assert not any("入学者の確保" in text for text in texts)
    assert any("入学者の確保" in line.text for line in document.pages[0].lines)
