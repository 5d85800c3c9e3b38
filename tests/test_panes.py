"""Tables printed side by side (extractors.tables.panes): the rules under their rows tell the
stacks apart where alignment alone reads one wide table. A real status sheet is the evidence;
small edge lists test each step alone."""

from __future__ import annotations

from pathlib import Path

import pdfplumber

from extractors.readers import ReadFailure, read_document
from extractors.tables import find_page_tables
from extractors.tables.long_form import table_to_long_form
from extractors.tables.panes import edges_to_band_starts, edges_to_gutters, is_across
from extractors.tables.structure import table_to_structure
from tests.table_helpers import tables_of

REAL = Path(__file__).resolve().parent / "real"
STATUS_SHEET = REAL / "okinawa-covid19-status-2020-09-15.pdf"


def rule(x0: float, x1: float, y: float) -> dict:
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "orientation": "h"}


def stack(x0: float, x1: float, top: float, rows: int, pitch: float = 16.0) -> list[dict]:
    return [rule(x0, x1, top + k * pitch) for k in range(rows)]


def test_two_stacks_of_rules_side_by_side_leave_a_gutter_between_them() -> None:
    edges = stack(60, 325, 100, 12) + stack(341, 560, 100, 20)
    assert edges_to_gutters(edges) == [(325, 341)]


def test_no_gutter_when_a_rule_crosses_it_or_the_stacks_are_not_beside_each_other() -> None:
    side_by_side = stack(60, 325, 100, 12) + stack(341, 560, 100, 12)
    assert edges_to_gutters([*side_by_side, rule(60, 560, 300)]) == []  # a rule over both: one table
    assert edges_to_gutters(stack(60, 325, 100, 6) + stack(341, 560, 400, 6)) == []  # one above the other
    assert edges_to_gutters(stack(60, 325, 100, 6) + stack(328, 560, 100, 6)) == []  # a column break, not a gutter
    assert edges_to_gutters(stack(60, 325, 100, 2) + stack(341, 560, 100, 12)) == []  # two rules are no table


def test_a_segment_across_a_cut_belongs_to_neither_pane_a_mark_touching_it_to_its_side() -> None:
    assert is_across(300, 366, 333)  # a date printed over both stacks
    assert not is_across(328, 420, 333)  # ※ 北部保健所管内: the mark only touches the gutter


def test_a_stack_of_tables_starts_a_table_where_the_rules_change_width_or_skip_a_row() -> None:
    edges = stack(60, 325, 100, 13) + stack(60, 294, 336, 14) + stack(60, 231, 597, 6)
    assert edges_to_band_starts(edges, 0, 333) == [336, 597]
    same_width = stack(341, 478, 630, 4) + stack(341, 478, 712, 4)  # an empty row between two lists
    assert edges_to_band_starts(same_width, 333, 600) == [712]
    assert edges_to_band_starts(stack(341, 478, 630, 12), 333, 600) == []


def page_tables() -> list:
    with pdfplumber.open(STATUS_SHEET) as pdf:
        return find_page_tables(pdf.pages[0])


def test_a_status_sheet_of_six_tables_in_two_stacks_gives_six_tables() -> None:
    """Checked against the rendered page: three ruled tables on the left (年代 by sex, 療養状況,
    推定感染経路), three on the right (居住地, 行政検査件数, 新規陽性者数)."""
    tables = page_tables()
    firsts = sorted((t.bbox.x0 > 300, t.bbox.top, next(c.text for c in t.cells if c.row == 0 and c.text.strip())) for t in tables)
    assert [f[2] for f in firsts] == ["年代", "療養状況", "推定感染経路", "居住地", "行政検査件数", "新規陽性者数"]
    residence = next(t for t in tables if any(c.text == "居住地" for c in t.cells))
    north = next(r for r in range(residence.n_rows) if any("北部保健所管内" in text for text in residence.row_texts(r)))
    texts = [text for text in residence.row_texts(north) if text]
    assert "※" in "".join(texts) and texts[-3:] == ["28", "1%", "27"]  # the mark in the gutter stays with its label


def test_the_heading_over_the_row_labels_names_the_rows_of_the_cells_table() -> None:
    table = tables_of("年代\t男性\t女性\n90歳以上\t12\t27\n80代\t48\t61\n合計\t60\t88\n")[0]
    rows = table_to_long_form("d", table, table_to_structure(table))
    assert {r.row_header for r in rows if r.role == "data" and r.text == "12"} == {"年代 › 90歳以上"}


def test_no_heading_where_the_corner_is_one_of_the_labels_or_the_table_holds_no_figures() -> None:
    numbered = tables_of("重点施策①\t産業\n重点施策②\t12\n重点施策③\t13\n")[0]
    names = tables_of("区分\t団体\n広域\t北海道観光振興機構\n地域\t阿寒観光協会\n")[0]
    for table in (numbered, names):
        rows = table_to_long_form("d", table, table_to_structure(table))
        assert all(r.row_header is None or "›" not in r.row_header for r in rows if r.role == "data"), [r.row_header for r in rows]


def test_a_lone_label_over_rows_of_figures_is_their_heading() -> None:
    """推定感染経路 printed alone over 接触者 1250 54% …, as on the rendered page."""
    document = read_document(STATUS_SHEET.read_bytes(), STATUS_SHEET.name)
    assert not isinstance(document, ReadFailure)
    table = next(t for t in document.tables if any(c.text == "推定感染経路" for c in t.cells))
    structure = table_to_structure(table)
    assert structure.header_rows == 1
    rows = table_to_long_form("d", table, structure)
    assert {r.row_header for r in rows if r.text == "887"} == {"推定感染経路 › 調査中"}
