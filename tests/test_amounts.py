"""Amounts: exact Decimal values, scale words applied, units, notes and qualifiers split off."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.normalize.amounts import (
    QUALIFIERS,
    Amount,
    decimal_to_text,
    parse_amount,
    parse_qualified_amount,
    split_value_note,
)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        # scale words applied and removed from the unit
        ("1,718千円", "1718000", "円"),
        ("17,673百万円", "17673000000", "円"),
        ("7億2217万円", "722170000", "円"),
        ("24.8億円", "2480000000", "円"),
        ("17.4億円", "1740000000", "円"),
        ("1万2千人", "12000", "人"),
        ("3兆5000億円", "3500000000000", "円"),
        ("1.23456万", "12345.6", None),
        ("2,000千円", "2000000", "円"),
        ("1,718 千円", "1718000", "円"),
        # negatives: ▲ and △ are the accounting minus
        ("▲ 680", "-680", None),
        ("▲680", "-680", None),
        ("△1,234", "-1234", None),
        ("-5", "-5", None),
        ("−5", "-5", None),
        ("▲389人", "-389", "人"),
        ("▲0.50%", "-0.50", "%"),
        ("▲0", "0", None),
        ("+3", "3", None),
        # a change printed with 増 / 減 after the unit
        ("2.7％増", "2.7", "%"),
        ("2.2％減", "-2.2", "%"),
        ("318人減", "-318", "人"),
        ("5増", "5", None),
        # staff counts with part-timers
        ("6 1/4", "6.25", None),
        ("10 1/2人", "10.5", "人"),
        # a rate or a total over years printed before the amount
        ("年１１１校", "111", "校"),
        ("5年間で6人", "6", "人"),
        ("1億4,193万円", "141930000", "円"),
        ("1 億 4,193 万円", "141930000", "円"),
        # printed scale of decimals kept
        ("1.27", "1.27", None),
        ("5.89%", "5.89", "%"),
        ("6.00%", "6.00", "%"),
        ("78.97歳", "78.97", "歳"),
        # counters and units
        ("１２３人", "123", "人"),
        ("678,418人", "678418", "人"),
        ("1,180,000人", "1180000", "人"),
        ("14人/年", "14", "人/年"),
        ("14人／年", "14", "人/年"),
        ("23種", "23", "種"),
        ("3件", "3", "件"),
        ("0人", "0", "人"),
        ("842世帯", "842", "世帯"),
        ("150市町村", "150", "市町村"),
        ("12品目", "12", "品目"),
        ("3.5ha", "3.5", "ha"),
        ("120t", "120", "t"),
        ("25km2", "25", "km2"),
        ("1,200t-CO2", "1200", "t-CO2"),
        ("5人/10万人", "5", "人/10万人"),
        ("  3件  ", "3", "件"),
        # a qualifier is ignored by parse_amount
        ("約1,200人", "1200", "人"),
        ("100人以上", "100", "人"),
    ],
)
def test_parse_amount(text, value, unit):
    amount = parse_amount(text)
    assert amount is not None
    assert isinstance(amount.value, Decimal)
    assert decimal_to_text(amount.value) == value
    assert amount.unit == unit
    assert amount.text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "調査なし",
        "未公表",
        "-",
        "―",
        "－",
        "△",
        "千歳市",
        "5千歳市",  # 千 starts a place name here, it is no scale word
        "千円",
        "百万円",
        "R6",
        "1件 (R4実績)",  # notes are split off first: split_value_note
        "1,2345",  # not thousands grouping
        "5件2024",
        "1~2人",
        "3件 4件",
        "2万3億円",  # scale words must decrease
        "1" + "0" * 60,
        "NaN",
        "Infinity",
    ],
)
def test_parse_amount_rejects(text):
    assert parse_amount(text) is None


def test_amount_value_is_exact():
    assert parse_amount("0.1") == Amount(Decimal("0.1"), None, "0.1")
    assert parse_amount("▲0.50%").value.as_tuple().exponent == -2  # type: ignore[union-attr]


@given(st.text())
def test_parse_amount_never_raises(text):
    amount = parse_amount(text)
    assert amount is None or isinstance(amount.value, Decimal)


@given(st.text(alphabet=st.sampled_from(list("0123456789,.千万億兆百十円人▲△-約以上 ()%/"))))
def test_parse_amount_never_raises_on_amount_like_text(text):
    amount = parse_amount(text)
    if amount is not None:
        assert "E" not in decimal_to_text(amount.value)


# --- decimal_to_text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1.7673E+10"), "17673000000"),
        (Decimal("-0.50"), "-0.50"),
        (Decimal("-0"), "0"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("722170000"), "722170000"),
        (Decimal("2.48E+9"), "2480000000"),
    ],
)
def test_decimal_to_text(value, expected):
    assert decimal_to_text(value) == expected


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity")])
def test_decimal_to_text_rejects_non_finite(value):
    with pytest.raises(ValueError):
        decimal_to_text(value)


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_to_text_is_plain(value):
    text = decimal_to_text(value)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == value


# --- split_value_note -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1件 (R4実績)", ("1件", "R4実績")),
        ("25人 (R2～R4合計)", ("25人", "R2～R4合計")),
        ("3件 (計画終了時点)", ("3件", "計画終了時点")),
        ("調査なし (次回R8)", ("調査なし", "次回R8")),
        ("25人（R2～R4合計）", ("25人", "R2～R4合計")),
        ("14人/年 (R2～R4平均)", ("14人/年", "R2～R4平均")),
        ("0人(R4実績)", ("0人", "R4実績")),
        ("1件 (R4実績(暫定))", ("1件", "R4実績(暫定)")),
        ("1件", ("1件", None)),
        ("(R4実績)", ("(R4実績)", None)),  # nothing but a note
        ("1件 ()", ("1件", None)),
        ("R4実績)", ("R4実績)", None)),  # unbalanced
        ("  3件  ", ("3件", None)),
        ("", ("", None)),
    ],
)
def test_split_value_note(text, expected):
    assert split_value_note(text) == expected


# --- parse_qualified_amount -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "qualifier", "value", "unit"),
    [
        ("約1,200人", "約", "1200", "人"),
        ("延べ3,000人", "延べ", "3000", "人"),
        ("うち500件", "うち", "500", "件"),
        ("100人以上", "以上", "100", "人"),
        ("65歳以上", "以上", "65", "歳"),
        ("14歳以下", "以下", "14", "歳"),
        ("3歳未満", "未満", "3", "歳"),
        ("1万人超", "超", "10000", "人"),
        ("約 1,200人以上", "約;以上", "1200", "人"),
        ("1,200人", None, "1200", "人"),
    ],
)
def test_parse_qualified_amount(text, qualifier, value, unit):
    found, amount = parse_qualified_amount(text)
    assert found == qualifier
    assert amount is not None and decimal_to_text(amount.value) == value and amount.unit == unit
    assert found is None or set(found.split(";")) <= QUALIFIERS


@pytest.mark.parametrize("text", ["約", "以上", "調査なし", "約束"])
def test_parse_qualified_amount_rejects(text):
    assert parse_qualified_amount(text) == (None, None)
