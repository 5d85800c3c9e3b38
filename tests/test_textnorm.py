"""Text normalization: NFKC with marks kept, rejoining broken lines, removing letter-spacing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.normalize.textnorm import (
    MARKS,
    circled_numbers_in,
    circled_to_int,
    join_lines,
    nfkc_keep_marks,
    rejoin_broken_lines,
    strip_spacing,
    wrap_width,
)

# --- nfkc_keep_marks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("①②⑥", "①②⑥"),
        ("⑳", "⑳"),
        ("㉑㊿", "㉑㊿"),
        ("●○◎◯〇△×▲", "●○◎◯〇△×▲"),
        ("重点施策①", "重点施策①"),
        ("１２３人", "123人"),
        ("ＡＢＣ　ａｂｃ", "ABC abc"),
        ("ｶﾞｲﾄﾞ", "ガイド"),
        ("（資料３）", "(資料3)"),
        ("R2～R4", "R2~R4"),  # FULLWIDTH TILDE: NFKC gives ~
        ("R2〜R4", "R2~R4"),  # WAVE DASH: folded the same way (cp932 vs shift_jis)
        ("−5", "-5"),  # MINUS SIGN
        ("－5", "-5"),  # FULLWIDTH HYPHEN-MINUS
        ("—", "―"),  # EM DASH -> HORIZONTAL BAR
        ("％", "%"),
        ("№40", "No40"),
        ("⑴ 基本方針", "(1) 基本方針"),
        ("㍻30年", "平成30年"),
        ("ー", "ー"),  # prolonged sound mark untouched
        ("", ""),
    ],
)
def test_nfkc_keep_marks(text, expected):
    assert nfkc_keep_marks(text) == expected


def test_marks_cover_the_contract():
    assert set("●○◎◯〇△×▲①⑳") <= MARKS
    assert "1" not in MARKS


@given(st.text())
def test_nfkc_keep_marks_is_idempotent(text):
    once = nfkc_keep_marks(text)
    assert nfkc_keep_marks(once) == once


@given(st.text(alphabet=st.sampled_from(sorted(MARKS) + list("abc１２"))))
def test_nfkc_keep_marks_keeps_every_mark(text):
    kept = [ch for ch in nfkc_keep_marks(text) if ch in MARKS]
    assert kept == [ch for ch in text if ch in MARKS]


# --- circled numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ch", "expected"),
    [
        ("①", 1),
        ("⑥", 6),
        ("⑩", 10),
        ("⑳", 20),
        ("㉑", 21),
        ("㉟", 35),
        ("㊱", 36),
        ("㊿", 50),
        ("❶", 1),
        ("⓫", 11),
        ("1", None),
        ("●", None),
        ("⑴", None),
        ("", None),
        ("①②", None),
    ],
)
def test_circled_to_int(ch, expected):
    assert circled_to_int(ch) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("①②⑥", [1, 2, 6]),
        ("重点施策③と⑤", [3, 5]),
        ("①～③のすべて", [1, 3]),
        ("①①", [1, 1]),
        ("なし", []),
        ("", []),
    ],
)
def test_circled_numbers_in(text, expected):
    assert circled_numbers_in(text) == expected


# --- rejoin_broken_lines --------------------------------------------------------------------------

WRAPPED_COMMENTS = (
    " ・さとらんど30周年イベントとして、連携12市町村の特産物（農水産物、加\n\n"
    "工品、お酒等）を展示販売することを是非実現してもらいたい。時期は7月の\n\n"
    "連休あたりが望ましいが、さとらんど側の担当者と相談し、決めると良いと考\n\n"
    "える。\n\n"
    "・さとらんど及び圏域市町村の担当者と相談し、ニーズや実施可能時期などを\n\n"
    "把握した上で、検討してまいりたい。\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # broken inside a word, with the blank line extraction inserts
        ("加\n\n工品", "加工品"),
        ("経済を支える人材を\n育て活かす", "経済を支える人材を育て活かす"),
        # a line ending in 、 always continues
        (
            "基本目標 1 安定した雇用を創出するとともに、\n経済を支える人材を育て活かす",
            "基本目標 1 安定した雇用を創出するとともに、経済を支える人材を育て活かす",
        ),
        # sentence end, then a paragraph break (kept as one blank line)
        ("終わりです。\n\n\n\n次の段落。", "終わりです。\n\n次の段落。"),
        ("終わりです。\n次の文。", "終わりです。\n次の文。"),
        # bullets and list markers start a new line
        ("施策の推進\n・企業誘致", "施策の推進\n・企業誘致"),
        ("施策の推進\n- (1) ICTの活用", "施策の推進\n- (1) ICTの活用"),
        ("連携の推進\n● 6つの重点施策", "連携の推進\n● 6つの重点施策"),
        ("連携の推進\n○新規", "連携の推進\n○新規"),
        ("連携の推進\n■これまで", "連携の推進\n■これまで"),
        ("連携の推進\n▶ R5は", "連携の推進\n▶ R5は"),
        ("要件\n①人口", "要件\n①人口"),
        ("基本方針\n(1) 基本目標", "基本方針\n(1) 基本目標"),
        ("基本方針\n1. 基本目標", "基本方針\n1. 基本目標"),
        ("基本方針\nア 子育て支援", "基本方針\nア 子育て支援"),
        ("基本方針\n※R7.4.1現在", "基本方針\n※R7.4.1現在"),
        ("基本方針\n【結婚期】", "基本方針\n【結婚期】"),
        ("はじめに\n第1章 計画の概要", "はじめに\n第1章 計画の概要"),
        # a closing bracket ends the line ...
        ("【基本目標1】\n安定した雇用", "【基本目標1】\n安定した雇用"),
        # ... unless the next line starts with a particle: the sentence goes on
        ("「勉強会の実施」\n\nが評価×となった理由", "「勉強会の実施」が評価×となった理由"),
        # a line starting with what cannot start a line (kinsoku) continues
        ("相談件数\n、実績", "相談件数、実績"),
        # Latin tokens get a space, Japanese none
        ("the quick\nbrown fox", "the quick brown fox"),
        ("GX\n金融", "GX金融"),
        ("No53\n研修", "No53研修"),
        # a subtitle framed by wave dashes is a line of its own
        ("~ 環境づくり ~\nこれまでの主な取組", "~ 環境づくり ~\nこれまでの主な取組"),
        # table rows (tabs) are never joined and keep their cells
        ("区分\tH26\n\t人口", "区分\tH26\n\t人口"),
        ("", ""),
        ("\n\n加工品\n\n", "加工品"),
        ("  字下げ  ", "字下げ"),
    ],
)
def test_rejoin_broken_lines(text, expected):
    assert rejoin_broken_lines(text) == expected


def test_rejoin_wrapped_paragraphs_uses_the_wrap_width():
    assert rejoin_broken_lines(WRAPPED_COMMENTS) == (
        "・さとらんど30周年イベントとして、連携12市町村の特産物（農水産物、加工品、お酒等）を"
        "展示販売することを是非実現してもらいたい。時期は7月の連休あたりが望ましいが、さとらんど側"
        "の担当者と相談し、決めると良いと考える。\n\n"
        "・さとらんど及び圏域市町村の担当者と相談し、ニーズや実施可能時期などを把握した上で、"
        "検討してまいりたい。"
    )


def test_short_lines_of_a_long_unwrapped_text_stay_apart():
    # one paragraph per line, widths spread out: no wrap width, short label lines are real breaks
    text = "\n\n".join(
        [
            "国の制度に加え、道独自の事業として、多子世帯の保育料を無償化する市町村を支援",
            "平成29年度実績",
            "150市町村",
            "分娩可能な医療機関がない地域の妊産婦の方への通院費等に係る負担軽減策の実施",
            "平成29年度実績",
        ]
    )
    assert rejoin_broken_lines(text) == text


@pytest.mark.parametrize(
    ("widths", "expected"),
    [
        ([70, 70, 69, 68, 70, 37, 70, 26], 70),
        ([18, 23, 35, 65, 133, 29, 44, 90], None),  # spread out: not wrapped
        ([28, 28, 29], None),  # too few lines to tell
        ([], None),
    ],
)
def test_wrap_width(widths, expected):
    assert wrap_width(widths) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [("加", "工品", "加工品"), ("PDCA", "cycle", "PDCA cycle"), ("R6", "実績", "R6実績"), ("a,", "b", "a, b")],
)
def test_join_lines(left, right, expected):
    assert join_lines(left, right) == expected


@given(st.text(alphabet=st.sampled_from(list("加工品。、・\n \tabc1【】が「」(1)"))))
def test_rejoin_keeps_every_visible_character(text):
    result = rejoin_broken_lines(text)
    visible = re.compile(r"\s")
    assert visible.sub("", result) == visible.sub("", text)
    assert "\n\n\n" not in result


# --- strip_spacing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 1 地域 4 5 市町村", "11地域45市町村"),
        ("P D C A", "PDCA"),
        ("P D C A サイクル", "PDCA サイクル"),
        ("P D C Aサイクルにより", "PDCAサイクルにより"),
        ("4 5市町村", "45市町村"),
        ("2 0 1 8 年", "2018年"),
        ("令和6年 4月", "令和6年4月"),
        ("北 海 道", "北海道"),
        ("相談件数 813件", "相談件数813件"),
        ("GX 金融", "GX 金融"),  # space beside a Latin word stays
        ("No53 の職員", "No53の職員"),
        ("H28 : 11件 H29 : 14件", "H28 : 11件 H29 : 14件"),
        ("I 安定した雇用", "I 安定した雇用"),
        ("- 自然動態", "- 自然動態"),
        ("(H29.10.1 現在)", "(H29.10.1現在)"),
        ("12 34", "12 34"),
        ("Hokkaido. Expanding Horizons.", "Hokkaido. Expanding Horizons."),
        ("I am here", "I am here"),
        ("H26 (2014)", "H26 (2014)"),
        ("▲ 1,011 ▲ 1,034", "▲ 1,011 ▲ 1,034"),
        ("地域　創生", "地域創生"),  # ideographic space
        ("区分\tH26 (2014)", "区分\tH26 (2014)"),  # tabs stay
        ("1 1 地域\n4 5 市町村", "11地域\n45市町村"),
        ("", ""),
    ],
)
def test_strip_spacing(text, expected):
    assert strip_spacing(text) == expected


@given(st.text(alphabet=st.sampled_from(list("地域1 2ab\t\n　"))))
def test_strip_spacing_only_removes_spaces(text):
    result = strip_spacing(text)
    assert result.replace(" ", "").replace("\u3000", "") == text.replace(" ", "").replace("\u3000", "")
