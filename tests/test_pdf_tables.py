"""PDF tables from known truth (tests/fixtures/, made by ``tests.fixture_generator``): each PDF
and its text rendering give the same canonical rows through the real extractors, and the cells
match the truth. Accuracy figures are printed (``pytest -s``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from extractors.content.base import ExtractContext, Extraction
from extractors.content.comments import CommentsExtractor
from extractors.content.kpi import KpiExtractor
from extractors.content.timeseries import TimeSeriesExtractor
from extractors.model.document import BBox, Document
from extractors.normalize.textnorm import nfkc_keep_marks
from extractors.readers import ReadFailure, read_document
from extractors.tables.base import FoundTable, TableCell, chars_to_text
from extractors.tables.stitch import stitch

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TRUTHS = sorted(FIXTURES.glob("*.json"))
STATUS = {"●": "existing", "○": "new", "": "none"}
MIN_ACCURACY = {"ruled": 0.999, "borderless": 0.99}


@cache
def truth(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@cache
def document(name: str, suffix: str) -> Document:
    path = FIXTURES / f"{name}{suffix}"
    parsed = read_document(path.read_bytes(), path.name)
    assert not isinstance(parsed, ReadFailure), parsed
    return parsed


def names(kind: str) -> list[str]:
    return [p.stem for p in TRUTHS if truth(p.stem)["kind"] == kind]


def extract(extractor: object, doc: Document) -> Extraction:
    return extractor.extract(doc, doc.tables, ExtractContext())  # type: ignore[attr-defined]


def table_rows(doc: Document, width: int) -> list[list[str]]:
    return [line.cell_texts() for line in doc.lines() if len(line.cells) == width]


def cell_accuracy(got: list[list[str]], expected: list[list[str]]) -> float:
    total = sum(len(r) for r in expected)
    right = sum(a == b for g, e in zip(got, expected, strict=False) for a, b in zip(g, e, strict=False))
    return right / total


# --- the grid: every fixture's table cells against the truth --------------------------------------


@pytest.mark.parametrize("name", [p.stem for p in TRUTHS])
def test_pdf_table_cells_match_the_truth(name: str) -> None:
    spec = truth(name)
    expected = [list(r) for r in spec["rows"]]
    got = table_rows(document(name, ".pdf"), len(expected[0]))
    accuracy = cell_accuracy(got, expected)
    print(f"\n{name}: cells {accuracy:.4%} ({spec['layout']}), rows {len(got)}/{len(expected)}")
    assert len(got) == len(expected)
    assert accuracy >= MIN_ACCURACY[spec["layout"]]


# --- participation: project × member states, names and categories ----------------------------------


def participation_of(doc: Document, members: list[str]) -> list[tuple]:
    """Canonical participation rows from the document lines: the header names the members; a
    category printed once applies to the rows below it until the next one."""
    lines = [ln for ln in doc.lines() if len(ln.cells) == len(members) + 5]
    header = next(ln for ln in lines if [c.text for c in ln.cells[4 : 4 + len(members)]] == members)
    categories = ["", ""]
    rows = []
    for line in lines[lines.index(header) + 1 :]:
        texts = [nfkc_keep_marks(c.text) for c in line.cells]
        if not texts[2].isdigit():
            continue  # summary rows (●の数 …)
        categories = [texts[i] or categories[i] for i in (0, 1)]
        for member, mark in zip(members, texts[4 : 4 + len(members)], strict=False):
            rows.append((int(texts[2]), texts[3], *categories, member, STATUS[mark]))
    return rows


def participation_truth(spec: dict) -> list[tuple]:
    members = spec["truth"]["members"]
    return [
        (p["number"], nfkc_keep_marks(p["name"]), nfkc_keep_marks(p["category_1"]), nfkc_keep_marks(p["category_2"]), m, s)
        for p in spec["truth"]["projects"]
        for m, s in zip(members, p["states"], strict=False)
    ]


@pytest.mark.parametrize("name", names("participation"))
def test_participation_pdf_and_text_give_the_truth(name: str) -> None:
    spec = truth(name)
    expected = participation_truth(spec)
    from_pdf = participation_of(document(name, ".pdf"), spec["truth"]["members"])
    from_text = participation_of(document(name, ".txt"), spec["truth"]["members"])
    states = sum(g[-1] == e[-1] for g, e in zip(from_pdf, expected, strict=False)) / len(expected)
    print(f"\n{name}: participation states {states:.4%} of {len(expected)} cells")
    assert from_text == expected
    assert [r[:4] for r in from_pdf] == [r[:4] for r in expected]  # numbers, names, categories exact
    assert states >= MIN_ACCURACY[spec["layout"]]
    assert from_pdf == from_text


def test_participation_extractor_reads_pdf_like_text() -> None:
    participation = pytest.importorskip("extractors.content.participation")
    extractor = participation.ParticipationExtractor()
    for name in names("participation"):
        rows = lambda doc: [(r.project_number, r.project_name, r.municipality_name, r.status) for r in extract(extractor, doc).participation]  # noqa: E731
        assert rows(document(name, ".pdf")) == rows(document(name, ".txt")), name


# --- KPI, comments, population through the real extractors -------------------------------------------


def kpi_rows(doc: Document) -> list[tuple]:
    return [
        (r.indicator, r.baseline_value, r.baseline_unit, r.baseline_text, r.actual_text, r.target_value, r.target_text, r.target_period)
        for r in extract(KpiExtractor(), doc).indicators
    ]


@pytest.mark.parametrize("name", names("kpi"))
def test_kpi_values_are_exact(name: str) -> None:
    from_pdf, from_text = kpi_rows(document(name, ".pdf")), kpi_rows(document(name, ".txt"))
    expected = [[nfkc_keep_marks(v) for v in row] for row in truth(name)["truth"]["indicators"]]
    expected = [[row[0].lstrip("①②③④⑤⑥⑦⑧⑨⑩"), *row[1:]] for row in expected]  # the list number is not the name
    assert from_pdf == from_text
    assert [[r[0], r[3], r[4], r[6]] for r in from_pdf] == expected
    print(f"\n{name}: {len(from_pdf)} indicators exact")


@pytest.mark.parametrize("name", names("comments"))
def test_comment_pairs_are_exact(name: str) -> None:
    def pairs(doc: Document) -> list[tuple]:
        return [(r.opinion, r.response, r.project_refs) for r in extract(CommentsExtractor(), doc).comments]

    from_pdf, from_text = pairs(document(name, ".pdf")), pairs(document(name, ".txt"))
    expected = [(nfkc_keep_marks(o), nfkc_keep_marks(r)) for o, r in truth(name)["truth"]["pairs"]]
    assert from_pdf == from_text
    assert [p[:2] for p in from_pdf] == expected
    print(f"\n{name}: {len(from_pdf)} comment pairs exact")


@pytest.mark.parametrize("name", names("population"))
def test_population_observations_match_text(name: str) -> None:
    def observations(doc: Document) -> list[tuple]:
        return [(r.series, r.period, r.value, r.unit) for r in extract(TimeSeriesExtractor(), doc).observations]

    from_pdf, from_text = observations(document(name, ".pdf")), observations(document(name, ".txt"))
    assert len(from_text) == 7 * 8
    assert from_pdf == from_text
    assert ("自然動態 / 出生数", "2014", 509) in [(s, p, int(v)) for s, p, v, _ in from_pdf]


# --- the small functions, alone ----------------------------------------------------------------------


def char(text: str, x0: float, top: float, *, upright: bool = True, size: float = 9) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + size, "top": top, "bottom": top + size, "upright": upright, "size": size}


@pytest.mark.parametrize(
    ("chars", "text"),
    [
        ([char("旭", 10, 0), char("川", 10, 10), char("市", 10, 20)], "旭川市"),  # stacked vertical
        ([char("市", 10, 0, upright=False), char("川", 10, 10, upright=False), char("旭", 10, 20, upright=False)], "旭川市"),  # rotated 90
        ([char("加", 0, 0), char("工", 9, 0), char("品", 0, 12)], "加工品"),  # wrapped line joined
        ([char("H", 0, 0), char("2", 9, 0), char("(", 25, 0)], "H2 ("),  # a real gap is a space
    ],
)
def test_chars_to_text(chars: list[dict], text: str) -> None:
    assert chars_to_text(chars) == text


def table_of(rows: list[list[tuple[str, int]]], page: int) -> FoundTable:
    """Rows of (text, row_span); a span > 1 covers the slots below it (omitted in later rows)."""
    cells, covered = [], set()
    for r, row in enumerate(rows):
        col = 0
        for text, span in row:
            while (r, col) in covered:
                col += 1
            cells.append(TableCell(text=text, row=r, column=col, bbox=BBox(col, r, col + 1, r + 1), row_span=span, page=page))
            covered |= {(r + i, col) for i in range(span)}
            col += 1
    return FoundTable(tuple(cells), len(rows), 3, BBox(0, 0, 3, len(rows)), "ruled", 1.0, (page,), (0, 1, 2, 3))


def test_stitch_drops_repeated_header_and_joins_a_cut_merged_cell() -> None:
    first = table_of([[("分類", 1), ("No", 1), ("名", 1)], [("福祉", 2), ("1", 1), ("a", 1)], [("2", 1), ("b", 1)]], page=1)
    second = table_of([[("分類", 1), ("No", 1), ("名", 1)], [("福祉", 1), ("3", 1), ("c", 1)], [("教育", 1), ("4", 1), ("d", 1)]], page=2)
    joined = stitch(first, second)
    assert [joined.row_texts(r) for r in range(joined.n_rows)] == [
        ["分類", "No", "名"], ["福祉", "1", "a"], ["", "2", "b"], ["", "3", "c"], ["教育", "4", "d"],
    ]
    assert next(c for c in joined.cells if c.text == "福祉").row_span == 3
    assert joined.pages == (1, 2)


def read_real(slug: str) -> Document:
    """A document of the real corpus (tests/real/), read."""
    path = FIXTURES.parent / "real" / f"{slug}.pdf"
    parsed = read_document(path.read_bytes(), path.name)
    assert not isinstance(parsed, ReadFailure), parsed
    return parsed


def test_tables_side_by_side_each_take_their_own_caption() -> None:
    # A survey's respondents page (tests/real/, 福井県): one line prints ○居住地 over the left
    # table and ○世帯構成 over the right one; each table is titled by the caption over it.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("fukui-vision-survey-r7-respondents")
    titles = {table_to_structure(t).title for t in parsed.tables if t.page == 1 and t.strategy == "ruled"}
    assert {"○居住地", "○世帯構成", "○年齢", "○共働き(配偶者がいる方のみ)"} <= titles


def test_entries_stacked_in_a_ruled_row_become_rows() -> None:
    # 音威子府村 disaster records (tests/real/), p.2 as rendered: each ruled row is a year; inside
    # it the kinds of disaster, the damages and their amounts are stacked one per text line.
    parsed = read_real("otoineppu-bousai-fire-disaster-records")
    table = next(t for t in parsed.tables if 2 in t.pages and t.strategy == "ruled")
    rows = [[" ".join(c.split()) for c in row] for row in table.grid()]
    for expected in (
        ["昭和41年度", "融雪災害（4 月）", "土木被害：河川3か所", "3,190千円"],
        ["昭和41年度", "集中豪雨（8 月）", "治山被害：10か所", "30,000千円"],
        ["昭和48年度", "台風による豪雨（8月）", "土木被害 ：林道1か所", "100千円"],
        ["昭和59年度", "大雨・融雪災害（5月）", "農業被害", "5,000千円"],
        ["昭和59年度", "大雨・融雪災害（5月）", "土木被害：7か所", "61,500千円"],
        ["昭和59年度", "集中豪雨（8月）", "住宅一部破損：5戸", "1,200千円"],
        ["昭和62年度", "融雪災害（4～5月）", "土木被害：4か所", "25,400千円"],
    ):
        assert expected in rows
    # a row with one amount is not split, whatever its label's lines
    assert ["大雨災害（7月）", "床下：6戸土木被害：2か所", "8,000千円"] in [row[1:] for row in rows]


def test_a_period_printed_over_two_lines_is_not_stacked_amounts() -> None:
    # 富士市 予算の概要 p.10 (tests/real/): 期間 prints ９年度から / 11年度まで beside one 限度額.
    parsed = read_real("fuji-general-account-budget-overview-fy2026")
    table = next(t for t in parsed.tables if 10 in t.pages and t.strategy == "ruled")
    rows = [[" ".join(c.split()) for c in row] for row in table.grid()]
    assert ["道路・公園照明灯ＥＳＣＯ事業", "９年度から18年度まで", "１，０６７，６０５"] in rows


def test_a_table_cut_by_a_page_break_keeps_the_row_at_the_cut() -> None:
    # 南国市 辺地総合整備計画 (tests/real/) pp.2-3 as rendered: the (変更前) table runs onto p.3,
    # whose first row has column rules but no rule above it.
    parsed = read_real("nankoku-hechi-sogo-seibi-keikaku-2026")
    table = next(t for t in parsed.tables if t.pages == (2, 3))
    rows = [[" ".join(c.split()) for c in row] for row in table.grid()]
    assert ["飲料水供給施設", "南国市", "220,527", "11,402", "209,125", "209,000"] in rows
    assert rows[-1][2:] == ["753,836", "33,979", "719,857", "688,800"]


def test_a_balance_sheet_keeps_its_sections_groups_and_spread_names() -> None:
    # 南国市土地開発公社 貸借対照表 (tests/real/) p.5 as rendered: no rules; names spread over
    # their cells (流 動 資 産), outline markers in a column of their own, sections (資産の部)
    # on rows of their own, △ set apart from its number.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("nankoku-land-development-corp-report-fy2021")
    labelled = {}
    for table in (t for t in parsed.tables if t.pages == (5,)):
        for datum in table_to_structure(table).data:
            labelled[tuple(p.replace(" ", "") for p in datum.row_path)] = datum.text.replace(" ", "")
    assert labelled[("資産の部", "1.流動資産", "(1)現金及び預金")] == "11,863,448"
    assert labelled[("資産の部", "1.流動資産", "(5)代行用地")] == "42,609,000"
    assert labelled[("資本の部", "5.資本金", "(1)基本財産")] == "5,000,000"
    assert labelled[("資本の部", "6.準備金", "(2)当期純利益")] == "△85,346"


def test_a_table_printed_without_header_takes_the_header_above_it() -> None:
    # 富士市 予算書 市税 (tests/real/) p.1 as rendered: the 2項 固定資産税 table is one ruled row
    # (1 固定資産税 23,806,300 23,180,700 625,600) under the 1項 table, whose header (目 |
    # 本年度予算額 | 前年度予算額 | 比較) and 千円 over the first numbers it shares.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("fuji-city-tax-revenue-budget-fy2026")
    table = next(t for t in parsed.tables if t.pages == (1,) and any("固定資産税" in c.text for c in t.cells if c.column == 0) and t.n_columns == 4)
    data = {(d.row_path, d.column_path): (d.text, d.unit) for d in table_to_structure(table).data}
    assert data[(("1固定資産税",), ("本年度予算額",))] == ("23,806,300", "千円")
    assert data[(("1固定資産税",), ("比較",))] == ("625,600", "千円")


def test_a_header_printing_only_its_first_headings_takes_the_rest_from_the_table_above() -> None:
    # 音威子府村 下水道 経営戦略 (tests/real/) p.6 as rendered: the ○他会計繰入金 table's header
    # prints 前々年度 | 前年度 決算見込 | 本年度 and leaves 29年度 … 37年度 blank, under 収支計画,
    # whose header prints them all over the same columns.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("otoineppu-sewage-management-strategy-2017")
    table = next(t for t in parsed.tables if t.pages == (6,) and any("基準内繰入金" in "".join(c.text.split()) for c in t.cells))
    structure = table_to_structure(table)
    assert [" ".join(p) for p in structure.column_paths[-2:]] == ["36年度", "37年度"]
    last = [d for d in structure.data if d.column == table.n_columns - 1]
    assert {d.period for d in last} == {"FY2025"} and "18,644" in {d.text for d in last}


def test_a_table_beside_another_on_the_same_rows_continues_its_rows() -> None:
    # 富士市 当初予算の概要 (tests/real/) p.18 as rendered: 款 | 本年度予算額 | 前年度予算額 | 比較
    # on the left, the same rows' 本年度予算額の財源内訳 (特定財源: 国県支出金 | 地方債 | その他;
    # 一般財源) on the right, with no labels of its own; 千円 printed once over each column.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("fuji-general-account-budget-overview-fy2026")
    table = next(t for t in parsed.tables if t.pages == (18,) and any("財源内訳" in "".join(c.text.split()) for c in t.cells))
    structure = table_to_structure(table)
    assert [" › ".join(p) for p in structure.column_paths[4:]] == [
        "本年度予算額の財源内訳 › 特定財源 › 国県支出金", "本年度予算額の財源内訳 › 特定財源 › 地方債",
        "本年度予算額の財源内訳 › 特定財源 › その他", "本年度予算額の財源内訳 › 一般財源",
    ]
    data = {(d.row_path[-1], d.column): (d.text, d.unit) for d in structure.data}
    assert data[("3民生費", 4)] == ("23,062,901", "千円") and data[("8土木費", 5)] == ("4,036,300", "千円")


def test_a_stack_of_label_and_value_rows_beside_another_stays_apart() -> None:
    # 経営比較分析表 (音威子府村 下水道 経営戦略 p.7) as rendered: 業務名 … 類似団体区分 over their
    # values on the left, 人口(人) | 面積 | 人口密度 over theirs on the right: two tables of
    # label rows over value rows, side by side, not one table's rows continued.
    parsed = read_real("otoineppu-sewage-management-strategy-2017")
    page = [t for t in parsed.tables if t.pages == (7,)]
    business = next(t for t in page if any(c.text == "業務名" for c in t.cells))
    population = next(t for t in page if any(c.text.startswith("人口") for c in t.cells))
    assert business is not population and (business.n_columns, population.n_columns) == (5, 3)
    assert population.row_texts(1)[0] == "800"


def test_a_label_spread_over_its_cell_and_split_letter_by_letter_is_one_cell() -> None:
    # 南国市 予算概要 (tests/real/) p.1 as rendered: the 特別会計等 table's last row is 合　計 (the
    # label spread over its cell) | 14,111,186 | 1,774,295; its text line splits 合 and 計.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("nankoku-budget-briefing-fy2026")
    table = next(t for t in parsed.tables if any(c.text == "特別会計等" for c in t.cells))
    assert table.n_columns == 3
    data = {(d.row_path[-1], d.column_path[-1]): d.text for d in table_to_structure(table).data}
    assert data[("合計", "一般会計繰出金")] == "1,774,295"


def test_labels_spread_and_split_on_most_lines_are_joined_by_the_lines_that_are_not() -> None:
    # 富士市 予算書 (tests/real/) p.2 as rendered: 面　積 244.94 km2 / 人　口 244,718 人 / 世帯数
    # 112,968 世帯: two of three lines split their label letter by letter; the third shows the
    # table has three cells a line.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("fuji-general-account-budget-overview-fy2026")
    table = next(t for t in parsed.tables if any(c.text == "世帯数" for c in t.cells))
    assert table.n_columns == 3
    data = {(d.row_path[-1], d.column): (d.text, d.unit) for d in table_to_structure(table).data}
    assert data[("面積", 1)] == ("244.94", "km2")
    assert data[("世帯数", 1)] == ("112,968", "世帯")


def test_a_unit_column_gives_its_unit_to_the_figures_of_its_block() -> None:
    # 南国市 水道事業会計予算 (tests/real/) p.3 as rendered: 第2条 prints 19,200 戸 / 5,220,000 ㎥,
    # each with its unit; 第3条 prints 千円 only on the 第1款 line (723,805 千円) and leaves it off
    # the 第1項 … 第3項 lines below; 支出 starts a block of its own. A unit cell holds no figure.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("nankoku-water-utility-budget-fy2022")
    found = {}
    for table in (t for t in parsed.tables if t.pages == (3,)):
        for datum in table_to_structure(table).data:
            found[(datum.row_path[-1].replace(" ", ""), datum.text.replace(" ", ""))] = datum.unit
    assert found[("(1)給水戸数", "19,200")] == "戸"
    assert found[("(2)年間総給水量", "5,220,000")] == "m3"
    assert found[("第1款水道事業収益", "723,805")] == "千円"
    assert found[("第2項営業外収益", "93,140")] == "千円"
    assert found[("第3項特別利益", "10")] == "千円"
    assert found[("第4項予備費", "500")] == "千円"


@pytest.mark.parametrize("text", ["m3", "km2", "千円", "戸"])
def test_a_cell_that_prints_only_a_unit_holds_no_amount(text: str) -> None:
    from extractors.tables.long_form import data_cell_amount
    from extractors.tables.structure import DataCell

    cell = TableCell(text=text, row=1, column=2, bbox=BBox(0, 0, 10, 10))
    assert data_cell_amount(DataCell(1, 2, cell, text, text, ("面積",), (), None, None, False)) is None


def test_a_grand_total_adds_up_the_top_level_of_its_outline() -> None:
    # 南国市 議員勉強会資料 (tests/real/) p.10 as rendered: 地方債現在高, 一般会計合計 =
    # 1 普通債 + 2 災害復旧債 + 3 その他 + 特定資金枠外 (17,335,066,832 + 24,769,988 +
    # 6,838,284,999 + 0 = 24,198,121,819), each of them over its (1) 総務 … rows.
    from extractors.tables.aggregates import aggregate_issues
    from extractors.tables.structure import table_to_structure

    parsed = read_real("nankoku-budget-briefing-fy2026")
    table = next(t for t in parsed.tables if t.pages == (10,) and any("一般会計合計" in c.text.replace(" ", "") for c in t.cells))
    structure = table_to_structure(table)
    assert any(structure.row_paths[r] == ("一般会計合計",) for r in structure.aggregate_rows)
    assert aggregate_issues(structure, table) == []


@pytest.mark.parametrize(("text", "unit", "value", "unit_read"), [("△3(△10.7%)", "%", "-3", None), ("27", "%", "27", "%"), ("1,200(35.0%)", "人", "1200", "人")])
def test_a_count_with_its_rate_in_brackets_is_no_rate(text: str, unit: str, value: str, unit_read: str | None) -> None:
    # 音威子府村 給与・定員管理 (tests/real/) p.11: 過去5年間の増減数(率) under 単位 人・% prints
    # △3(△10.7%): the % is the bracket's, the 3 is a count of staff.
    from decimal import Decimal

    from extractors.tables.long_form import data_cell_amount
    from extractors.tables.structure import DataCell

    cell = TableCell(text=text, row=1, column=7, bbox=BBox(0, 0, 10, 10))
    amount = data_cell_amount(DataCell(1, 7, cell, text, text, ("一般行政",), ("過去5年間の増減数(率)",), None, unit, False))
    assert amount is not None and amount.value == Decimal(value) and amount.unit == unit_read


def test_a_grand_total_adds_up_a_subtotal_and_the_lines_after_it() -> None:
    # 延岡市 6月補正予算 (tests/real/) p.4 as rendered: 性質別 合計 69,408,240 = 小計 36,930,518
    # (人件費 … 公債費, with 職員給 … under 人件費) + 4 物件費 … 12 投資的経費 (with their own sub-rows).
    from extractors.tables.aggregates import aggregate_issues
    from extractors.tables.structure import table_to_structure

    parsed = read_real("nobeoka-r8-june-supplementary-projects")
    table = next(t for t in parsed.tables if t.pages == (4,) and any(c.text.replace(" ", "") == "小計" for c in t.cells))
    structure = table_to_structure(table)
    assert {structure.row_paths[r] for r in structure.aggregate_rows} == {("小計",), ("合計",)}
    assert aggregate_issues(structure, table) == []


def test_subtotals_and_totals_of_a_tax_estimate_add_up() -> None:
    # 南国市 市税見積書 (tests/real/) p.11 as rendered: amounts printed after their label in one
    # cell (均等割 68,310); 2.固定資産税 計 3,163,279 = 小計 3,038,426 + 国有資産等所在市町村交付金
    # 124,853; 市税合計 = the five 計 and single lines.
    from extractors.tables.aggregates import aggregate_issues
    from extractors.tables.structure import table_to_structure

    parsed = read_real("nankoku-budget-briefing-fy2026")
    table = next(t for t in parsed.tables if t.pages == (11,) and any(c.text.replace(" ", "") == "市税合計" for c in t.cells))
    structure = table_to_structure(table)
    assert len(structure.aggregate_rows) >= 6
    assert aggregate_issues(structure, table) == []


def test_a_row_cut_by_the_page_break_is_joined_again() -> None:
    # 橿原市 条例 別表 (tests/real/) pp.1-2 as rendered: 資料作成費's 内容 ends on p.1 with
    # 「…資料の作成に要する経費」; its bracketed list （印刷製本代、翻訳料、事務機器購入・リース代等）
    # opens p.2 in a row whose 経費の項目 cell is blank, under no repeated header.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("kashihara-ordinance-2020-30-seimu-katsudouhi")
    table = next(t for t in parsed.tables if t.pages == (1, 2))
    data = {d.row_path[-1]: d.text.replace(" ", "") for d in table_to_structure(table).data}
    assert data["資料作成費"].endswith("経費(印刷製本代、翻訳料、事務機器購入・リース代等)")
    assert all(path for path in table_to_structure(table).row_paths[1:])  # no row without its label


def test_a_label_printed_left_of_a_figure_in_a_column_without_heading_names_it() -> None:
    # 沖縄県 陽性者の状況 (tests/real/) p.1 as rendered: 療養状況 prints 入院中 153, then in a
    # middle column without heading うち重症 8 and, a line below, うち中等症 55; 宿泊施設療養中 14
    # has no such label.
    from extractors.tables.structure import table_to_structure

    parsed = read_real("okinawa-covid19-status-2020-09-15")
    table = next(t for t in parsed.tables if any(c.text.replace(" ", "") == "うち中等症" for c in t.cells))
    data = {d.row_path: d.text for d in table_to_structure(table).data if d.text[:1].isdigit()}
    assert data[("入院中",)] == "153"
    assert data[("入院中", "うち重症")] == "8"
    assert data[("入院中", "うち中等症")] == "55"
    assert data[("宿泊施設療養中",)] == "14"


def test_budget_items_printed_with_their_code_label_their_rows() -> None:
    # 小平市 補正予算 第1表 歳入 (tests/real/, a scan with an OCR text layer) p.2 as rendered:
    # 款 16国庫支出金 over 項 2国庫補助金, 補正前の額 | 補正額 | 計 in 千円.
    parsed = read_real("kodaira-fy2020-supplementary-budget-no2")
    from extractors.tables.structure import table_to_structure

    paths = {d.row_path for t in parsed.tables if 2 in t.pages for d in table_to_structure(t).data}
    assert any(path[-2:] == ("16国庫支出金", "2国庫補助金") for path in paths)
