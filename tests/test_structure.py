"""How tables are read: header rows, stub columns, header paths, outline labels, periods along
each axis, units, comparisons and aggregates (extractors.tables.structure), on small tables."""

from __future__ import annotations

import pytest

from extractors.model.table import Table
from extractors.readers import ReadFailure, read_document
from extractors.tables.axis_periods import axis_to_periods, label_period, year_context
from extractors.tables.captions import note_to_units
from extractors.tables.grid import cell_to_text, is_placeholder_text
from extractors.tables.outline import outline_rank
from extractors.tables.structure import is_aggregate_label, table_to_structure


def table_of(text: str) -> Table:
    document = read_document(text.encode("utf-8"), "t.txt")
    assert not isinstance(document, ReadFailure)
    return document.tables[0]


def cells_of(text: str) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(row path, column path) -> (period, unit) of every data cell."""
    structure = table_to_structure(table_of(text))
    return {(" › ".join(d.row_path), " › ".join(d.column_path)): (d.period, d.unit) for d in structure.data}


def test_two_header_rows_a_merged_heading_and_a_ratio_unit() -> None:
    text = "(単位：千円、％)\n区分\t令和4年度\t\t令和3年度\t\n\t予算額\t構成比\t予算額\t構成比\n1. 市税\t5,860\t25.1\t5,570\t23.4\n"
    structure = table_to_structure(table_of(text))
    assert (structure.header_rows, structure.stub_columns) == (2, 1)
    assert structure.column_paths[1:] == (("令和4年度", "予算額"), ("令和4年度", "構成比"), ("令和3年度", "予算額"), ("令和3年度", "構成比"))
    assert structure.column_units[1:] == ("千円", "%", "千円", "%")
    assert structure.column_periods[1:] == ("FY2022", "FY2022", "FY2021", "FY2021")
    assert structure.periods_across


def test_outline_markers_nest_labels_in_one_column() -> None:
    text = "区分\t金額\n1 総収益\t100\n(1) 営業収益\t60\nア 料金収入\t50\nイ その他\t10\n(2) 営業外収益\t40\n2 総費用\t90\n"
    paths = [d.row_path for d in table_to_structure(table_of(text)).data]
    assert paths == [
        ("1総収益",),
        ("1総収益", "(1) 営業収益"),
        ("1総収益", "(1) 営業収益", "ア料金収入"),
        ("1総収益", "(1) 営業収益", "イその他"),
        ("1総収益", "(2) 営業外収益"),
        ("2総費用",),
    ]


def test_group_label_printed_once_carries_down_and_numbering_column_starts_no_group() -> None:
    text = "No\t分類\t事業名\t事業費\n1\t産業\t創業支援\t100\n2\t\t販路開拓\t200\n3\t観光\t誘客\t300\n"
    paths = [d.row_path for d in table_to_structure(table_of(text)).data]
    assert paths == [("1", "産業", "創業支援"), ("2", "産業", "販路開拓"), ("3", "観光", "誘客")]


@pytest.mark.parametrize("place", [0, 1, 2])
def test_a_group_label_printed_once_anywhere_in_a_group_closed_by_a_total(place: int) -> None:
    """Top, middle or bottom row of its group: the 小計 closing each group says which rows it labels."""
    groups = []
    for group, members in (("自然動態", ("出生数", "死亡数")), ("社会動態", ("転入", "転出"))):
        rows = [*members, "小計"]
        groups += [f"{group if i == place else ''}\t{name}\t1\t2" for i, name in enumerate(rows)]
    text = "区分\t\t2020年\t2021年\n" + "\n".join(groups) + "\n"
    paths = [d.row_path for d in table_to_structure(table_of(text)).data if d.column == 2]
    assert [p[0] for p in paths] == ["自然動態"] * 3 + ["社会動態"] * 3


def test_group_labels_printed_at_the_bottom_of_their_group() -> None:
    text = "大分類\t事業名\t事業費\n\t創業支援\t100\n産業\t販路開拓\t200\n\t誘客\t300\n観光\t案内所\t400\n"
    paths = [d.row_path for d in table_to_structure(table_of(text)).data]
    assert paths == [("産業", "創業支援"), ("産業", "販路開拓"), ("観光", "誘客"), ("観光", "案内所")]


def test_a_group_row_is_no_header_row_and_a_flag_column_carries_nothing() -> None:
    text = "No\t新規\t事業名\t事業費\n1 活力あるまち\t\t\t\n1\t新規\t創業支援\t100\n2\t\t販路開拓\t200\n"
    structure = table_to_structure(table_of(text))
    assert structure.header_rows == 1
    assert [d.row_path for d in structure.data] == [("1活力あるまち", "1", "新規", "創業支援"), ("1活力あるまち", "2", "販路開拓")]


def test_months_of_a_fiscal_year_and_its_total_row() -> None:
    text = "令和4年度 月別収集量\n（単位：ｔ）\n月\t燃やすごみ\n4月\t820.91\n3月\t791.00\n合計\t1,611.91\n"
    structure = table_to_structure(table_of(text))
    assert structure.row_periods[1:3] == ("2022-04-01/2022-04-30", "2023-03-01/2023-03-31")
    assert structure.aggregate_rows == frozenset({3})
    assert structure.column_units[1] == "t"


def test_relative_years_and_years_without_era_take_the_documents_year() -> None:
    text = "平成28年度 経営戦略\n区分\t前年度\t本年度\t29年度\t30年度\n総収益\t1\t2\t3\t4\n"
    structure = table_to_structure(table_of(text))
    assert structure.column_periods[1:] == ("FY2015", "FY2016", "FY2017", "FY2018")


def test_years_without_era_and_no_year_anywhere_stay_undated() -> None:
    text = "収支計画\n区分\t前年度\t本年度\t29年度\t30年度\n総収益\t1\t2\t3\t4\n"
    assert table_to_structure(table_of(text)).column_periods[1:] == (None, None, None, None)


def test_comparison_columns_take_the_latest_period() -> None:
    text = "区分\t令和8年度\t令和7年度\t比較\n市税\t100\t90\t10\n"
    assert cells_of(text)[("市税", "比較")][0] == "FY2026"


def test_shifted_header_and_row_are_put_back_by_counting() -> None:
    text = "区分\t2010年\t(前計画)\t\t(現計画)\n\t\t\t2015年\t2020年\n第1次産業\t農業\t1,020\t950\t880\n合計\t4,540\t4,410\t4,275\t\n"
    structure = table_to_structure(table_of(text))
    by_row = {}
    for d in structure.data:
        by_row.setdefault(" › ".join(d.row_path), []).append((d.period, d.text))
    assert by_row["第1次産業 › 農業"] == [("2010", "1,020"), ("2015", "950"), ("2020", "880")]
    assert by_row["合計"] == [("2010", "4,540"), ("2015", "4,410"), ("2020", "4,275")]
    assert structure.notes


@pytest.mark.parametrize(
    ("labels", "periods"),
    [
        ((("平成30年",), ("令和元年",), ("2年",)), ["2018", "2019", "2020"]),  # era carried along the axis
        ((("昭和60年",), ("平成2年",), ("7年",)), ["1985", "1990", "1995"]),
        ((("H26 (2014)",), ("R6",)), ["2014", "FY2024"]),
        ((("前々年度(決算)",), ("前年度決算見込",), ("本年度",), ("29年度",)), ["FY2014", "FY2015", "FY2016", "FY2017"]),
        ((("前年度比",),), [None]),  # a comparison, not a period
    ],
)
def test_axis_to_periods(labels: tuple[tuple[str, ...], ...], periods: list[str | None]) -> None:
    assert axis_to_periods(labels, True, None, 2016) == periods


@pytest.mark.parametrize(
    ("texts", "year"),
    [
        (["令和4年度 月別収集量表"], (2022, True)),
        (["平成29年3月策定"], (2016, True)),  # a date counts as its fiscal year
        (["2024年の人口"], (2024, False)),
        (["人口の推移"], None),
    ],
)
def test_year_context(texts: list[str], year: tuple[int, bool] | None) -> None:
    assert year_context(texts) == year


@pytest.mark.parametrize(
    ("text", "units"),
    [("(単位：千円、％)", ["千円", "%"]), ("(人)", ["人"]), ("［千円］", ["千円"]), ("単位 人", ["人"]), ("(前計画)", []), ("(H27)", [])],
)
def test_note_to_units(text: str, units: list[str]) -> None:
    assert note_to_units(text) == units


@pytest.mark.parametrize(
    ("text", "aggregate"),
    [("合計", True), ("計", True), ("小 計", True), ("資源物計②", True), ("男女計", True), ("総数", True), ("一般会計", False), ("統計", False), ("設計費", False), ("一般会計合計", True), ("特別会計", False), ("人口統計", False)],
)
def test_is_aggregate_label(text: str, aggregate: bool) -> None:
    assert is_aggregate_label(text) is aggregate


@pytest.mark.parametrize(
    ("text", "deeper_than"),
    [("(1) 営業収益", "1 総収益"), ("ア 料金収入", "(1) 営業収益"), ("う ち 退 職 手 当", "ア 職員給与費"), ("第2項 営業外収益", "第1款 水道事業収益")],
)
def test_outline_ranks_nest(text: str, deeper_than: str) -> None:
    assert outline_rank(text) is not None and outline_rank(deeper_than) is not None
    assert outline_rank(text) > outline_rank(deeper_than)  # type: ignore[operator]


@pytest.mark.parametrize("text", ["アンケート", "ア ン ケ ー ト", "12,345", "2020年", "区分"])
def test_words_are_no_outline_markers(text: str) -> None:
    assert outline_rank(text) is None


def test_printed_totals_that_do_not_add_up_are_reported_where_the_others_do() -> None:
    from extractors.tables.aggregates import aggregate_issues

    table = table_of("区分\t2020年\t2021年\t計\n出生\t10\t11\t21\n死亡\t5\t6\t12\n合計\t15\t17\t32\n")
    issues = aggregate_issues(table_to_structure(table), table)
    assert sorted(i.location for i in issues) == ["page 1, line 3", "page 1, line 4"]  # 死亡 × 計, 合計 × 計


def test_totals_that_add_up_give_no_issue() -> None:
    from extractors.tables.aggregates import aggregate_issues

    table = table_of("区分\t2020年\t2021年\t計\n出生\t10\t11\t21\n死亡\t5\t6\t11\n合計\t15\t17\t32\n")
    assert aggregate_issues(table_to_structure(table), table) == []


def test_a_mark_matrix_has_its_names_as_header_rows_and_marks_as_data() -> None:
    text = "区分\t番号\t賛否状況\t\n\t\t会派A\t\n\t\t山田\t鈴木\n議案\t第1号\t〇\t×\n\t第2号\t〇\t〇\n"
    structure = table_to_structure(table_of(text))
    assert (structure.header_rows, structure.stub_columns) == (3, 2)
    assert structure.column_paths[3] == ("賛否状況", "会派A", "鈴木")
    assert [(d.row_path, d.text) for d in structure.data if d.column == 3] == [(("議案", "第1号"), "×"), (("議案", "第2号"), "〇")]


def test_columns_derived_from_amounts_take_their_unit_from_the_arithmetic() -> None:
    # The unit is printed only over the two budget columns; 増減 is their difference and the
    # 財源内訳 columns add up to this year's amount, so they are 千円 too; 伸び率 is neither.
    text = (
        "事業名\t前年度予算額（千円）\t本年度予算額（千円）\t増減\t伸び率\t財源内訳\t\t\n"
        "\t\t\t\t\t国\t県\t一般財源\n"
        "道路維持費\t1,200\t1,000\t△ 200\t-16.7\t300\t\t700\n"
        "保育所運営費\t5,000\t5,500\t500\t10.0\t2,000\t1,000\t2,500\n"
        "図書館管理費\t800\t900\t100\t12.5\t\t\t900\n"
    )
    structure = table_to_structure(table_of(text))
    assert structure.column_units[1:] == ("千円", "千円", "千円", None, "千円", "千円", "千円")


def test_a_column_that_does_not_add_up_keeps_no_unit() -> None:
    text = (
        "事業名\t本年度予算額（千円）\t財源内訳\t\n\t\t国\t県\n"
        "道路維持費\t1,000\t300\t200\n保育所運営費\t5,500\t2,000\t1,000\n図書館管理費\t900\t10\t20\n"
    )
    assert table_to_structure(table_of(text)).column_units[1:] == ("千円", None, None)


def test_age_classes_are_row_labels_not_values() -> None:
    text = "\t送付数\t回答数\n10代\t140\t50\n20代\t561\t132\n70代～\t769\t473\n計\t1,470\t655\n"
    structure = table_to_structure(table_of(text))
    assert structure.stub_columns == 1
    assert structure.row_paths[1:] == (("10代",), ("20代",), ("70代~",), ("計",))  # NFKC: ～ is ~


def test_a_spaced_out_month_is_no_outline_marker() -> None:
    # Months not yet reported print empty rows; 3 月 is a period, not a group heading over 合計.
    text = "種別\t燃やすごみ\n2 月\t\n3 月\t\n合 計\t5,654.60\n"
    assert outline_rank("3 月") is None
    assert table_to_structure(table_of(text)).row_paths[-1] == ("合計",)


@pytest.mark.parametrize(
    ("label", "period"),
    [
        ("平成24年", "2012"),
        ("令和4年度当初予算", "FY2022"),
        ("住民基本台帳人口(令和6年1月1日)", None),
        ("令和8年3月に協定が締結され、課題整理などに連携して取り組むこととしている。", None),
    ],
)
def test_a_label_names_a_period_only_when_it_is_about_it(label: str, period: str | None) -> None:
    from extractors.tables.axis_periods import label_period

    assert label_period(label, default_fiscal=False) == period


@pytest.mark.parametrize(
    ("text", "main"),
    [("(債)35,700", "35,700"), ("（県）▲1,000", "▲1,000"), ("1件 (R4実績)", "1件"), ("千円2,050", "2,050千円"), ("(1)5", "(1)5")],
)
def test_the_value_of_a_cell_without_its_tag_and_note(text: str, main: str) -> None:
    from extractors.tables.grid import value_main

    assert value_main(text) == main


def test_a_relative_year_that_begins_a_compound_names_no_period() -> None:
    # 翌年度繰越財源 (carried over to the next year) is a measure of the settled year, not FY+1.
    assert axis_to_periods([("翌年度繰越財源",), ("前年度予算額",)], True, (2021, True)) == [None, "FY2020"]


@pytest.mark.parametrize(
    "lower",
    [
        "\t0～14歳\t15～64歳\t65歳以上\t小計\t0～14歳\t15～64歳\t65歳以上\t小計\t",  # groups closed by 小計
        "\t0～14歳\t15～64歳\t65歳以上\t0～14歳\t15～64歳\t65歳以上\t",  # groups repeating their labels
    ],
)
def test_a_group_heading_printed_over_the_middle_of_its_columns_heads_them_all(lower: str) -> None:
    n = lower.count("\t") - 1
    half = n // 2
    upper = "年\t" + "\t".join("男" if c == 2 else "女" if c == half + 2 else "" for c in range(1, n + 1)) + "\t総数"
    body = "H23\t" + "\t".join(str(100 + c) for c in range(n)) + "\t999"
    paths = table_to_structure(table_of(f"{upper}\n{lower}総数\n{body}\n")).column_paths
    assert paths[1] == ("男", "0~14歳") and paths[half] == ("男", paths[half][-1])
    assert paths[half + 1] == ("女", "0~14歳") and paths[n] == ("女", paths[n][-1])


def test_group_labels_printed_on_their_subtotal_rows_label_the_group_above_a_grand_total() -> None:
    text = (
        "\t区分\t平成22年度\t23年度\n\t人件費\t10\t20\n\t扶助費\t5\t5\n義務的経費\t小計\t15\t25\n"
        "\t普通建設事業費\t7\t8\n投資的経費\t小計\t7\t8\n\t歳出合計\t22\t33\n"
    )
    paths = table_to_structure(table_of(text)).row_paths
    assert paths[1] == ("義務的経費", "人件費") and paths[4] == ("投資的経費", "普通建設事業費") and paths[6] == ("歳出合計",)


def test_a_numbered_name_is_a_row_label_but_a_spaced_count_is_a_value() -> None:
    # budget books number their 目: 1 個人, 2 法人 (a two-character name, not 1 of unit 個人)
    text = "目\t本年度予算額\t前年度予算額\n1 個人\t16,203,500\t15,840,700\n2 法人\t2,515,500\t2,580,200\n計\t18,719,000\t18,420,900\n"
    structure = table_to_structure(table_of(text))
    assert structure.stub_columns == 1
    assert [d.row_path for d in structure.data][:1] == [("1個人",)]
    from extractors.tables.grid import is_value_text

    assert is_value_text("3 世帯") and is_value_text("12 件")
    assert not is_value_text("2 法人")


def test_markers_in_a_column_of_their_own_and_sections_over_marked_groups() -> None:
    # a balance sheet: 資産の部 on a row of its own over 1. 流動資産, each marker printed in a
    # column apart from its name
    text = (
        "\t資産の部\t\t\t\n"
        "1.\t流動資産\t\t\t\n"
        "\t(1)\t現金及び預金\t100\t\n"
        "\t(2)\t仮払金\t0\t\n"
        "\t\t流動資産合計\t\t100\n"
        "\t負債の部\t\t\t\n"
        "2.\t流動負債\t\t\t\n"
        "\t(1)\t未払金\t0\t\n"
        "\t\t流動負債合計\t\t0\n"
    )
    paths = {d.row_path: d.text for d in table_to_structure(table_of(text)).data}
    assert paths[("資産の部", "1.流動資産", "(1)現金及び預金")] == "100"
    assert paths[("負債の部", "2.流動負債", "(1)未払金")] == "0"


@pytest.mark.parametrize(
    ("printed", "text"),
    [
        ("７ ， ８ ７ ９ 千円", "7,879千円"),  # a figure spread over its cell (a salary report)
        ("１ ２ ． １ ％", "12.1%"),
        ("７ ７ ４ 千 円", "774千円"),
        ("12 34", "12 34"),  # two numbers in one cell stay two
        ("1 件", "1 件"),
        ("第 1 回", "第 1 回"),
    ],
)
def test_a_number_spread_over_its_cell_is_closed_up(printed: str, text: str) -> None:
    assert cell_to_text(printed) == text


@pytest.mark.parametrize(("text", "placeholder"), [("千円―", True), ("-千円", True), ("- %", True), ("千円", False), ("5千円", False)])
def test_a_dash_printed_with_its_unit_is_a_placeholder(text: str, placeholder: bool) -> None:
    assert is_placeholder_text(text) is placeholder


@pytest.mark.parametrize(
    ("label", "period"),
    [
        ("職員全体に占める手当支給職員の割合(令和5年度)", "FY2023"),
        ("支給職員1人当たり平均支給年額(令和5年度決算)", "FY2023"),
        ("住民基本台帳人口(令和6年1月1日)", None),  # the day the figure was taken
        ("人口の推移(平成27年~令和2年)", None),
    ],
)
def test_a_long_label_ending_on_its_year_in_brackets_is_dated(label: str, period: str | None) -> None:
    assert label_period(label, True) == period


def test_a_unit_printed_alone_over_a_column_of_figures_is_its_unit() -> None:
    from extractors.tables.captions import column_printed_unit

    assert column_printed_unit(["", "千円", "708,832", "23,062,901"]) == "千円"
    assert column_printed_unit(["千円488,451", "9,616,154"]) == "千円"
    assert column_printed_unit(["人口", "800"]) is None


def test_a_lone_label_over_a_marked_row_with_figures_heads_its_outline() -> None:
    # 南国市 水道事業会計予算 第3条 (tests/real/, p.3): 収入 over 第1款 水道事業収益 723,805 over
    # its 第1項 … 第3項; then 支出 over the same for expenses.
    text = (
        "給水戸数\t19,200\n収入\t\n第1款 水道事業収益\t723,805\n第1項 営業収益\t630,655\n第2項 営業外収益\t93,140\n"
        "支出\t\n第1款 水道事業費用\t618,941\n第1項 営業費用\t549,796\n"
    )
    paths = {row for row, _ in cells_of(text)}
    assert "収入 › 第1款水道事業収益 › 第2項営業外収益" in paths
    assert "支出 › 第1款水道事業費用 › 第1項営業費用" in paths


@pytest.mark.parametrize(
    ("text", "value"),
    [("16国庫支出金", False), ("21 国庫支出金", False), ("1現年課税分", False), ("15人以上", True), ("30分以内", True), ("12学級", True), ("3世帯", True), ("20歳未満", True), ("40代男性", True)],
)
def test_a_budget_code_printed_before_its_name_is_a_label(text: str, value: bool) -> None:
    # 小平市 補正予算 第1表 (tests/real/) prints its 款 and 項 as 16国庫支出金, 1国庫負担金: a code
    # and a name, not 16 of a unit 国庫支出金.
    from extractors.tables.grid import is_value_text

    assert is_value_text(text) is value
