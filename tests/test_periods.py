"""Periods: era and Western years, fiscal years, dates and ranges -> SPEC period strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.normalize.periods import era_year_to_western, find_periods, fiscal_year_of, kanji_to_int, parse_period
from schemas.validation import is_valid_period


@pytest.mark.parametrize(
    ("text", "fiscal", "calendar"),
    [
        # (text, default_fiscal=True, default_fiscal=False)
        ("令和6年度", "FY2024", "FY2024"),
        ("令和６年度", "FY2024", "FY2024"),
        ("R6", "FY2024", "2024"),
        ("R6年度", "FY2024", "FY2024"),
        ("平成26年", "2014", "2014"),
        ("H26", "FY2014", "2014"),
        ("H30年実施調査", "2018", "2018"),
        ("H26 (2014)", "2014", "2014"),
        ("H26（2014）", "2014", "2014"),
        ("R1 (2019)", "2019", "2019"),
        ("2014(平成26)年", "2014", "2014"),
        ("令和6年度(2024年度)", "FY2024", "FY2024"),
        ("令和6年", "2024", "2024"),
        ("平成37年度", "FY2025", "FY2025"),  # a target a 2017 plan printed before 平成 ended
        ("H32", "FY2020", "2020"),
        ("2024年度", "FY2024", "FY2024"),
        ("2024年", "2024", "2024"),
        ("2022年", "2022", "2022"),
        ("2024", "2024", "2024"),
        ("平成29年度実績", "FY2017", "FY2017"),
        ("R6実績", "FY2024", "2024"),
        ("R5年度末", "FY2023", "FY2023"),
        ("令和元年度", "FY2019", "FY2019"),
        ("令和元年", "2019", "2019"),
        ("R元", "FY2019", "2019"),
        ("平成元年", "1989", "1989"),
        ("平成二十九年度", "FY2017", "FY2017"),
        ("㍻30年", "2018", "2018"),
        ("昭和64年", "1989", "1989"),
        ("S64", "FY1989", "1989"),
        ("大正元年", "1912", "1912"),
        ("T15", "FY1926", "1926"),
        ("H31", "FY2019", "2019"),
        # dates
        ("H30.3.30", "2018-03-30", "2018-03-30"),
        ("R7.4.1現在", "2025-04-01", "2025-04-01"),
        ("令和7年9月10日", "2025-09-10", "2025-09-10"),
        ("2024年3月31日", "2024-03-31", "2024-03-31"),
        ("2018-03-30", "2018-03-30", "2018-03-30"),
        ("2024/3/31", "2024-03-31", "2024-03-31"),
        # a month is the range of its days (SPEC v1 has no month period)
        ("2018年5月", "2018-05-01/2018-05-31", "2018-05-01/2018-05-31"),
        ("令和2年 4月", "2020-04-01/2020-04-30", "2020-04-01/2020-04-30"),
        ("H30.3", "2018-03-01/2018-03-31", "2018-03-01/2018-03-31"),
        # ranges
        ("R2～R4平均", "FY2020/FY2022", "2020/2022"),
        ("R2~R4合計", "FY2020/FY2022", "2020/2022"),
        ("R2〜R4", "FY2020/FY2022", "2020/2022"),
        ("2020~2022年平均", "2020/2022", "2020/2022"),
        ("2020~2022年度", "FY2020/FY2022", "FY2020/FY2022"),
        ("H28.10.1～H30.3.31", "2016-10-01/2018-03-31", "2016-10-01/2018-03-31"),
        ("令和6年度～令和9年度", "FY2024/FY2027", "FY2024/FY2027"),
        ("令和6～9年度", "FY2024/FY2027", "FY2024/FY2027"),
        ("2025年度～2034年度末", "FY2025/FY2034", "FY2025/FY2034"),
        ("(2015~2019)", "2015/2019", "2015/2019"),
        ("令和6年 6月 ~ 令和7年 2月", "2024-06-01/2025-02-28", "2024-06-01/2025-02-28"),
        ("H28.10.1～H30", "2016-10-01/2019-03-31", "2016-10-01/2018-12-31"),
        ("R6~R6", "FY2024", "2024"),
        ("R1~", "FY2019", "2019"),  # open range: its start
        ("2024~", "2024", "2024"),
        # canonical periods read back as themselves
        ("FY2024", "FY2024", "FY2024"),
        ("FY2020/FY2022", "FY2020/FY2022", "FY2020/FY2022"),
        ("2016-10-01/2018-03-31", "2016-10-01/2018-03-31", "2016-10-01/2018-03-31"),
    ],
)
def test_parse_period(text, fiscal, calendar):
    assert parse_period(text) == fiscal
    assert parse_period(text, default_fiscal=False) == calendar


@pytest.mark.parametrize(
    "text",
    [
        "",
        "計画終了時点",
        "各年度",
        "4年間の合計",
        "４年間の合計",
        "14歳以下",
        "15～19歳",
        "30周年",
        "北海道150年",
        "2000千円",
        "2000人",
        "1,180,000人",
        "0.2020",
        "H2O",
        "H52",  # 平成 ended in its 31st year; plans counted on in it for a while, not for 20 years
        "R6.13.1",  # no 13th month
        "令和",
        "4月1日現在",
    ],
)
def test_parse_period_none(text):
    assert parse_period(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R6は35名の受講生", [("R6", "FY2024")]),
        (
            "R4～R6の3年間、交付金を活用し、R6実績は①、②ともに目標未達",
            [("R4～R6", "FY2022/FY2024"), ("R6", "FY2024")],
        ),
        ("H24~拡充しながら事業継続", [("H24", "FY2012")]),
        ("令和2年国勢調査(令和4年7月公表)", [("令和2年", "2020"), ("令和4年7月", "2022-07-01/2022-07-31")]),
        ("区分\tH26 (2014)\t初年度 H27 (2015)", [("H26 (2014)", "2014"), ("H27 (2015)", "2015")]),
        ("南空知定住自立圏形成協定の締結 【R7.3.26】", [("R7.3.26", "2025-03-26")]),
        ("2018年は北海道150年", [("2018年", "2018")]),
        ("R4～R2", [("R4", "FY2022"), ("R2", "FY2020")]),  # backwards: two points
        ("ＲＩ６", []),
        ("なし", []),
    ],
)
def test_find_periods(text, expected):
    assert find_periods(text) == expected


@pytest.mark.parametrize(
    ("era", "number", "expected"),
    [
        ("令和", "1", 2019),
        ("令和", "元", 2019),
        ("平成", "1", 1989),
        ("昭和", "1", 1926),
        ("大正", "1", 1912),
        ("平成", "31", 2019),
        ("平成", "32", 2020), ("平成", "52", None),
        ("令和", "0", None),
        ("平成", "二十九", 2017),
    ],
)
def test_era_year_to_western(era, number, expected):
    assert era_year_to_western(era, number) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("二十九", 29), ("三〇", 30), ("十十", None), ("", None)],
)
def test_kanji_to_int(text, expected):
    assert kanji_to_int(text) == expected


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("FY2024", 2024),
        ("2024-03-30", 2023),
        ("2024-04-01", 2024),
        ("2024", None),
        ("2024-04-01/2025-03-31", 2024),
        ("FY2020/FY2022", None),
        ("R6", None),
    ],
)
def test_fiscal_year_of(period, expected):
    assert fiscal_year_of(period) == expected


@given(st.text())
def test_find_periods_never_raises_and_yields_valid_periods(text):
    for span, period in find_periods(text):
        assert span and span in text
        assert is_valid_period(period)


@given(
    st.text(alphabet=st.sampled_from(list("RHST令和平成年度月日元.～~-/()0123456789 ")), max_size=30),
    st.booleans(),
)
def test_period_like_text_yields_valid_periods(text, default_fiscal):
    period = parse_period(text, default_fiscal=default_fiscal)
    assert period is None or is_valid_period(period)
