"""The ruled strategy's edges (extractors.tables.edges): what is seen printed, the column rules
spreadsheets imply by breaking their horizontal borders, and snapping without a chain. Real
pages from tests/real/ are the evidence; small edge lists test each step alone."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pdfplumber
import pytest

from extractors.readers import ReadFailure, read_document
from extractors.tables.edges import edges_to_rule_rows, is_white, rule_rows_to_implied_verticals, snap_edges

REAL = Path(__file__).resolve().parent / "real"


def h(x0: float, x1: float, y: float) -> dict:
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0, "orientation": "h", "object_type": "line"}


def v(x: float, top: float, bottom: float) -> dict:
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top, "orientation": "v", "object_type": "line"}


def char(x0: float, top: float, x1: float, bottom: float) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "text": "x"}


@cache
def tables(slug: str, page: int) -> list:
    path = REAL / f"{slug}.pdf"
    doc = read_document(path.read_bytes(), path.name)
    assert not isinstance(doc, ReadFailure)
    return [t for t in doc.tables if page in t.pages and t.strategy == "ruled"]


@pytest.mark.parametrize(("color", "white"), [((1,), True), (1, True), ((1.0, 1.0, 1.0), True), ((0, 0, 0, 0), True), ((0, 0, 0, 0.1), False), ((0.5,), False), (None, False), ("P0", False)])
def test_white_in_every_colour_space(color: object, white: bool) -> None:
    assert is_white(color) is white


def test_a_rule_stops_at_its_ends_and_at_visible_gutters_not_where_cell_borders_touch() -> None:
    (row,) = edges_to_rule_rows([h(10, 50, 100), h(50, 90, 100.4), h(93, 150, 100), h(160, 200, 100)])
    assert row.stops == pytest.approx((10, 91.5, 150, 160, 200))
    assert row.state_at(50) == "across" and row.state_at(155) == "absent" and row.state_at(91) == "stop"


def test_implied_verticals_between_rules_that_stop_alike() -> None:
    rows = edges_to_rule_rows([h(10, 100, y) for y in (0, 12, 24)] + [h(103, 150, y) for y in (0, 12, 24)])
    implied = rule_rows_to_implied_verticals(rows, chars=[])
    assert sorted((round(e["x0"], 1), e["top"], e["bottom"]) for e in implied) == [
        (10, 0, 12), (10, 12, 24), (101.5, 0, 12), (101.5, 12, 24), (150, 0, 12), (150, 12, 24)
    ]


def test_no_implied_vertical_through_text_next_to_a_ruled_stretch_or_at_an_overshooting_end() -> None:
    rows = edges_to_rule_rows([h(10, 100, y) for y in (0, 12, 24)] + [h(103, 150, y) for y in (0, 12, 24)])
    across_the_gutter = [char(98, 14, 106, 22)]  # a word printed over the boundary in the second row
    assert {(e["top"], round(e["x0"], 1)) for e in rule_rows_to_implied_verticals(rows, across_the_gutter)} == {
        (0, 10), (12, 10), (0, 101.5), (0, 150), (12, 150)
    }
    ruled_below = [v(101.5, 24, 60)]  # ruled from 24 down: the stretch just above is deliberately open
    assert not [e for e in rule_rows_to_implied_verticals(rows, [], ruled_below) if round(e["x0"], 1) == 101.5 and e["top"] == 12]
    corner_marks = [v(25, -5, 30)]  # rules run 15 points past a vertical at 25: no boundary at 10
    assert not [e for e in rule_rows_to_implied_verticals(rows, [], corner_marks) if e["x0"] == 10]


def test_snapping_does_not_chain_short_edges_across_the_page() -> None:
    rules = [h(0, 300, 100), h(0, 300, 112)]
    curve = [h(400, 405, 100 + k * 1.5) for k in range(1, 8)]  # a pie chart's short edges, one every 1.5 points
    snapped = snap_edges(rules + curve, "h")
    assert sorted({round(e["top"]) for e in snapped if e["x1"] - e["x0"] == 300}) == [100, 112]


def test_rules_a_reader_cannot_see_are_no_rules() -> None:
    """fuji p.1: the page is covered with white bands (each a filled rectangle); the tables are
    the black rules only, so 本年度予算額 … are the header of a 4-column table."""
    found = tables("fuji-city-tax-revenue-budget-fy2026", 1)
    assert [t.row_texts(0) for t in found][:2] == [["目", "本年度予算額", "前年度予算額", "比 較"], ["節", "", "説 明"]]
    assert found[0].row_texts(3) == ["計", "18,719,000", "18,420,900", "298,100"]


def test_columns_printed_as_gutters_in_the_rules_and_rows_apart() -> None:
    """otoineppu p.1: no vertical rules, the columns are gaps cut into each row's rule; the
    項目 column is found and every row is its own (諸収入 and 各種交付金 were one)."""
    revenue = tables("otoineppu-budget-summary-fy2021", 1)[0]
    assert revenue.row_texts(0) == ["項目", "予算額", "割合", "前年度対比"]
    assert revenue.row_texts(7) == ["⑺ 諸収入", "2,188万円", "1.1％", "△941万円"]
    assert revenue.row_texts(8) == ["⑻ 各種交付金", "2,225万円", "1.1％", "244万円"]
    assert revenue.n_rows == 16


def test_two_tables_ruled_alike_one_above_the_other_stay_two() -> None:
    found = tables("nankoku-local-allocation-tax-trend-fy2022", 1)
    assert [(t.n_rows, t.n_columns) for t in found] == [(13, 16), (13, 16)]


def test_implied_verticals_leave_a_fully_ruled_page_as_pdfplumber_reads_it() -> None:
    path = REAL / "otoineppu-population-vision-2015.pdf"
    with pdfplumber.open(path) as pdf:
        plain = pdf.pages[11].find_tables()[0].extract()
    (table,) = tables("otoineppu-population-vision-2015", 12)
    assert [table.row_texts(r)[-7:] for r in range(table.n_rows)] == [[(c or "").replace("\n", "") for c in row][-7:] for row in plain]
