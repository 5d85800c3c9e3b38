"""Printed amounts -> exact Decimal values with their unit (SPEC v1, Conventions: numbers).

``1,718千円`` is 1718000 円, ``7億2217万円`` 722170000 円, ``▲ 680`` -680. Values are Decimal,
never float; scale words (千, 万, 百万, 億, 兆 …) are applied to the value and removed from the
unit; decimals keep the scale they were printed with (``▲0.50%`` is Decimal('-0.50')).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from itertools import pairwise

from extractors.normalize.textnorm import nfkc_keep_marks


@dataclass(frozen=True)
class Amount:
    """A parsed amount: exact value with scale applied, unit (None when none is printed), and
    the text as printed (stripped), kept for the ``*_text`` columns."""

    value: Decimal
    unit: str | None
    text: str


# Scale words and their powers of ten; compounds (百万 = 10^6) are single words here.
SCALES: dict[str, int] = {
    "兆": 12,
    "千億": 11,
    "百億": 10,
    "十億": 9,
    "億": 8,
    "千万": 7,
    "百万": 6,
    "十万": 5,
    "万": 4,
    "千": 3,
}
NEGATIVE_SIGNS = ("▲", "△", "-", "マイナス")  # ▲ and △ are the Japanese accounting minus
POSITIVE_SIGNS = ("+", "±", "プラス")

# Qualifiers printed around an amount; parse_qualified_amount returns them separately.
PREFIX_QUALIFIERS = (
    "おおむね",
    "およそ",
    "延べ",
    "のべ",
    "概ね",
    "最大",
    "最低",
    "合計",
    "約",
    "延",
    "うち",
    "計",
)
# A rate or total printed before the amount: 年111校 (a year), 5年間で6人 (over five years).
PERIOD_PREFIX_RE = re.compile(r"^(?:(?P<span>[0-9]+)\s*(?:年間|か年|カ年|ヶ年)\s*(?:で|の合計|合計|計)?|(?:毎)?(?:年|月|週|日)(?:間)?(?:当たり|あたり)?)\s*(?=[0-9０-９▲△+\-])")
SUFFIX_QUALIFIERS = ("以上", "以下", "未満", "程度", "前後", "超", "強", "弱", "+")  # 76,000千円+: at least
# Units tables print apart from the number: in a heading (``事業費（千円）``), a caption
# (``(人)``) or above the number in its cell (``千円`` over ``2,050,134``).
UNIT_WORDS = frozenset(
    "円 千円 万円 百万円 億円 人 千人 万人 世帯 件 % ％ t ｔ トン kg ㎏ g ㎡ m2 ㎢ km2 ha a km m ㎥ m3 ℓ L 台 戸 回 日 時間 "
    "校 箇所 か所 ヶ所 カ所 施設 本 冊 頭 棟 人泊 泊 個 枚 点 社 店 床 歳 倍 ポイント 人日 人回 食 園 団体 事業所 gal".split()
)
QUALIFIERS: frozenset[str] = frozenset(PREFIX_QUALIFIERS + SUFFIX_QUALIFIERS)

MAX_DIGITS = 40  # longer digit strings are not amounts (and would strain Decimal precision)

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = "|".join(sorted(SCALES, key=len, reverse=True))
_SIGN = "|".join(re.escape(s) for s in NEGATIVE_SIGNS + POSITIVE_SIGNS)
_PART_RE = re.compile(rf"(?P<number>{_NUMBER})\s*(?P<scale>{_SCALE})?", re.ASCII)
# A unit starts with anything but a digit, sign, space, bracket or punctuation and has no space.
_UNIT = r"[^\d\s.,+\-±()\[\]{}「」『』【】、。:;~/][^\s()\[\]{}「」『』【】、。:;~]{0,11}"
AMOUNT_RE = re.compile(
    rf"(?P<sign>{_SIGN})?\s*"
    rf"(?P<body>(?:(?:{_NUMBER})\s*(?:{_SCALE})\s*)*(?:{_NUMBER})\s*(?:{_SCALE})?)"
    rf"\s*(?P<unit>{_UNIT})?",
    re.ASCII,
)
# Digits inside a unit: a square or cube after a letter (km2, m3, CO2) or a per-quantity after a
# slash (人/10万人); any other digit means the text is not one amount.
_UNIT_DIGITS_RE = re.compile(r"/[\d,.]+|(?<=[A-Za-z])[23](?=$|/)")
# A scale word that begins a place name (千歳市, 千代田区, 千葉県) is no scale word.
_PLACE_SUFFIXES = "市町村区郡県都府道"


def parse_amount(text: str) -> Amount | None:
    """The amount printed in ``text`` (the whole text, qualifiers like 約 or 以上 aside), or None.

    ``1,718千円`` -> 1718000 円; ``24.8億円`` -> 2480000000 円; ``14人/年`` -> 14 人/年;
    ``△1,234`` -> -1234; ``1.27`` -> 1.27 without unit; ``1万2千人`` -> 12000 人.
    Text that is not an amount (``調査なし``, ``-``, ``千歳市``, ``1件 (R4実績)``) gives None:
    split a trailing note off first with ``split_value_note``. Never raises.
    """
    return parse_qualified_amount(text)[1]


def parse_qualified_amount(text: str) -> tuple[str | None, Amount | None]:
    """(qualifier, amount) for ``約1,200人`` -> ("約", 1200 人), ``100人以上`` -> ("以上", 100 人).

    A prefix and a suffix qualifier together are returned as ``約;以上``. (None, None) when
    the text is not an amount.
    """
    printed = text.strip()
    core, qualifiers = text_to_core_and_qualifiers(nfkc_keep_marks(printed))
    amount = core_to_amount(core, printed)
    if amount is None:
        return None, None
    return (";".join(qualifiers) or None), amount


def text_to_core_and_qualifiers(text: str) -> tuple[str, list[str]]:
    """Strip one prefix and one suffix qualifier: ``約1,200人以上`` -> ("1,200人", ["約", "以上"])."""
    core, found = text.strip(), []
    span = PERIOD_PREFIX_RE.match(core)
    if span and span.end() < len(core):
        return core[span.end() :].strip(), [span.group(0).strip()]
    for prefix in PREFIX_QUALIFIERS:
        if core.startswith(prefix) and len(core) > len(prefix):
            core, found = core[len(prefix) :].lstrip(), [prefix]
            break
    for suffix in SUFFIX_QUALIFIERS:
        if core.endswith(suffix) and len(core) > len(suffix):
            core = core[: -len(suffix)].rstrip()
            found.append(suffix)
            break
    return core, found


FRACTION_RE = re.compile(r"(?P<whole>\d{1,6})\s+(?P<numerator>\d{1,3})\s*/\s*(?P<denominator>[1-9]\d{0,2})(?P<unit>[^\d\s]{0,4})")


def fraction_to_amount(core: str, printed: str) -> Amount | None:
    """``6 1/4`` (staff counts with part-timers) -> 6.25; a fraction that has no exact decimal
    (1/3) is no amount."""
    match = FRACTION_RE.fullmatch(core)
    if match is None or int(match["numerator"]) >= int(match["denominator"]):
        return None
    value = Decimal(match["whole"]) + Decimal(match["numerator"]) / Decimal(match["denominator"])
    if value.as_tuple().exponent < -6:  # type: ignore[operator]
        return None
    return Amount(value=value.normalize() if value != value.to_integral_value() else value, unit=match["unit"] or None, text=printed)


def core_to_amount(core: str, printed: str) -> Amount | None:
    """Parse a normalized, qualifier-free amount; ``printed`` becomes ``Amount.text``."""
    fraction = fraction_to_amount(core, printed)
    if fraction is not None:
        return fraction
    match = AMOUNT_RE.fullmatch(core)
    if match is None or sum(ch.isdigit() for ch in match["body"]) > MAX_DIGITS:
        return None
    unit = match["unit"]
    if unit is not None and not unit_is_plausible(unit, scaled=match["body"][-1] in "千万億兆"):
        return None
    value = body_to_decimal(match["body"])
    if value is None:
        return None
    unit, direction = unit_to_direction(unit)
    if match["sign"] in NEGATIVE_SIGNS or direction < 0:
        value = -value
    if value.is_zero():
        value = value.copy_abs()  # ▲0 is 0, not -0
    return Amount(value=value, unit=unit, text=printed)  # unit without 増 / 減


# A change printed as a word after the unit: ``2.7%増`` is +2.7 %, ``318人減`` is -318 人.
DIRECTION_SUFFIXES = {"増": 1, "減": -1, "増加": 1, "減少": -1}


def unit_to_direction(unit: str | None) -> tuple[str | None, int]:
    """(unit without a trailing 増 / 減, +1 / -1 / 0)."""
    if not unit:
        return unit, 0
    for suffix, direction in sorted(DIRECTION_SUFFIXES.items(), key=lambda kv: -len(kv[0])):
        if unit.endswith(suffix):
            return unit[: -len(suffix)] or None, direction
    return unit, 0


MAX_UNIT_LENGTH = 6  # longer is a name after a number (6次産業化の推進), not a unit


def unit_is_plausible(unit: str, *, scaled: bool) -> bool:
    """False for units with stray digits (``5件2024``), for a place name read as scale word
    plus unit (``5千歳市``: 千 + 歳市) and for words too long to be a unit (``6次産業化の推進``)."""
    if any(ch.isdigit() for ch in _UNIT_DIGITS_RE.sub("", unit)):
        return False
    if len(unit) > MAX_UNIT_LENGTH and "/" not in unit:
        return False
    return not (scaled and unit[-1] in _PLACE_SUFFIXES)


def body_to_decimal(body: str) -> Decimal | None:
    """``7億2217万`` -> 722170000, ``1,718千`` -> 1718000, ``0.50`` -> 0.50 (printed scale kept).

    Scale words must decrease from left to right (``2万3億`` is not a number). A scaled value
    that comes out whole is made an integer (``24.8億`` -> 2480000000, not 2.48E+9).
    """
    parts = [(m["number"], SCALES[m["scale"]] if m["scale"] else 0) for m in _PART_RE.finditer(body)]
    if any(a[1] <= b[1] for a, b in pairwise(parts)):
        return None
    if len(parts) == 1 and parts[0][1] == 0:
        return Decimal(parts[0][0].replace(",", ""))
    with localcontext() as ctx:
        ctx.prec = MAX_DIGITS + 40
        try:
            total = sum((Decimal(n.replace(",", "")).scaleb(exp) for n, exp in parts), Decimal(0))
            return total.quantize(Decimal(1)) if total == total.to_integral_value() else total
        except InvalidOperation:
            return None


def decimal_to_text(d: Decimal) -> str:
    """Plain decimal text for output: no exponent, no thousands separators, printed scale kept.

    ``Decimal('1.7673E+10')`` -> ``17673000000``; ``Decimal('-0.50')`` -> ``-0.50``;
    negative zero -> ``0``. Raises ValueError for NaN and infinities (a bug upstream).
    """
    if not d.is_finite():
        raise ValueError(f"not a finite decimal: {d!r}")
    text = format(d, "f")
    return text.lstrip("-") if d.is_zero() else text


_OPENERS = {")": "(", "）": "（"}


def split_value_note(text: str) -> tuple[str, str | None]:
    """Split a trailing parenthesised note off a value: ``1件 (R4実績)`` -> (``1件``, ``R4実績``).

    Half- and full-width parentheses, nested ones inside the note too. Text without a trailing
    note, or that is nothing but a note, is returned whole (stripped) with None.
    """
    stripped = text.strip()
    if not stripped or stripped[-1] not in _OPENERS:
        return stripped, None
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        ch = stripped[i]
        if ch in _OPENERS:
            depth += 1
        elif ch in _OPENERS.values():
            depth -= 1
            if depth == 0:
                value, note = stripped[:i].rstrip(), stripped[i + 1 : -1].strip()
                return (value, note or None) if value else (stripped, None)
    return stripped, None
