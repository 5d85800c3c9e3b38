"""What a figure found in a sentence says: its kind (a level, a change or a ratio), its sign (a change
that went down is negative) and whether it is a stated figure at all.

Read from the words printed around the figure, one small rule each:

* **direction**: 減 / 減少 / 減額 / 減収 / 縮小 / 低下 / 下回る / マイナス right after the figure (``318人減少``,
  ``2億円の減``, ``3.0%の減少``) or right before it (``前年比 減8.2%``) say it went down; 増 / 増加 /
  上回る … that it went up. ``5.3%に減少`` is the level reached, not a change. A figure compared with
  an earlier one (``前年度比``, ``比べ``), or in the next one's unit, that has no word of its own
  takes the direction of the next figure when only a short list separates them (``21億円、伸び率
  3.0%の減少``, ``20年で25.2%、40年で45.6%の縮小``: both went down);
* **kind**: a share, rate or index (``%``, ``割``, ``倍``, a number without a unit) is a *ratio*, even a
  rate of change (``伸び率3.0%の減少`` is -3.0); a difference in the quantity's own unit (``ポイント``,
  or an amount with a direction or after a comparison) is a *change*; anything else a *level*;
* **role**: a number that names or conditions something is no figure — a denominator (``人口1,000人当たり``), a base or a condition
  (``100とした場合``, ``利用定員が18人以下の``, ``100人が何人を支えているか``), an answer category (``「20%」が22.8%``, ``3点が43.5%``,
  ``5点の割合``) and every number of a questionnaire or form instruction (``1つ選んで○を``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from extractors.content.figures import Figure


class Kind(StrEnum):
    LEVEL = "level"
    CHANGE = "change"
    RATIO = "ratio"


class Role(StrEnum):
    FIGURE = "figure"
    DENOMINATOR = "denominator"  # 人口1,000人当たり
    DEFINITION = "definition"  # 100とした場合, 18人以下の施設
    CATEGORY = "category"  # 「20%」が22.8%, 3点が43.5%
    INSTRUCTION = "instruction"  # 1つ選んで○をつけてください


DOWN, UP = -1, 1
_DOWN_WORDS = "減少|減額|減収|縮小|低下|下回|マイナス|減"
_UP_WORDS = "増加|増額|増収|拡大|上昇|上回|増"
_LEAD = r"^[ \t]*[)）」]?[ \t]*(?:の|と)?[ \t]*(?:大幅な|大幅に|大きく)?[ \t]*"
DOWN_AFTER_RE = re.compile(rf"{_LEAD}(?:{_DOWN_WORDS})")
UP_AFTER_RE = re.compile(rf"{_LEAD}(?:{_UP_WORDS})(?!減)")  # 増減 is neither
DOWN_BEFORE_RE = re.compile(r"(?<![増])減[ \t]*$")
UP_BEFORE_RE = re.compile(r"(?<![減])増[ \t]*$")
COMPARISON_BEFORE_RE = re.compile(
    r"(?:前年度?比|前年同期比|前年同月比|前回比|対前年度?比?|前年度?に比べ(?:て)?|前年度?と比べ(?:て)?|比べ(?:て)?|比較して|(?<!に)より)"
    r"[、,]?[ \t]*(?:約|およそ|概ね)?[ \t]*$"
)
INHERIT_GAP_RE = re.compile(r"^[、,][^、。,]{0,12}$")  # 21億円、伸び率 3.0%の減少
RATIO_UNITS = frozenset({"%", "割", "倍"})
CHANGE_UNITS = frozenset({"ポイント"})

DENOMINATOR_AFTER_RE = re.compile(r"^[ \t]*(?:当たり|あたり|当り|につき)")
BASE_AFTER_RE = re.compile(r"^[ \t]*[」』]?[ \t]*(?:とした|とする|とし、|とすると|と仮定)")
BASE_SENTENCE_RE = re.compile(r"とした場合|とすると|とする場合")
CONDITION_QUALIFIERS = frozenset({"以下", "以上", "未満", "超"})
CATEGORY_AFTER_RE = re.compile(r"^[ \t]*(?:[」』][ \t]*)?(?:が[ \t]*[\d.,]+|の割合|の比率|と回答)")
INTERROGATIVE_RE = re.compile(r"何(?:人|点|件|倍|割|%|回)")  # 生産年齢人口100人が…を何人支えているか
INSTRUCTION_RE = re.compile(
    r"(?:選んで|○をつけ|〇をつけ|◯をつけ|○で囲|〇で囲|◯で囲|囲んで|記入して|ご記入|お答えください|回答してください|"
    r"参加して(?:下さい|ください)|になるように)"
)


@dataclass(frozen=True)
class FigureMeaning:
    kind: Kind
    sign: int  # -1: the figure went down (its value is made negative), 1 otherwise
    role: Role


def after(text: str, figure: Figure, figures: Sequence[Figure]) -> str:
    """The words after ``figure`` up to the next figure (at most a short stretch)."""
    following = [f.start for f in figures if f.start >= figure.end]
    return text[figure.end : min(following, default=len(text))][:12]


def before(text: str, figure: Figure) -> str:
    return text[max(0, figure.start - 12) : figure.start]


def own_direction(text: str, figure: Figure, figures: Sequence[Figure]) -> int | None:
    """UP, DOWN or None from the words right after (or right before) the figure."""
    tail, head = after(text, figure, figures), before(text, figure)
    if DOWN_AFTER_RE.match(tail) or DOWN_BEFORE_RE.search(head):
        return DOWN
    if UP_AFTER_RE.match(tail) or UP_BEFORE_RE.search(head):
        return UP
    return None


def compared(text: str, figure: Figure) -> bool:
    """The figure follows a comparison with an earlier one (``前年度比約2億円``, ``比べ21億円``)."""
    return bool(COMPARISON_BEFORE_RE.search(before(text, figure)))


def figure_role(text: str, figure: Figure, figures: Sequence[Figure]) -> Role:
    """FIGURE, or why the number is no stated figure (see the module docstring)."""
    tail, head = after(text, figure, figures), text[: figure.start]
    if INSTRUCTION_RE.search(text):
        return Role.INSTRUCTION
    if INTERROGATIVE_RE.search(text):
        return Role.DEFINITION
    if DENOMINATOR_AFTER_RE.match(tail):
        return Role.DENOMINATOR
    if BASE_AFTER_RE.match(tail) or (head.rstrip(" \t「").endswith("を") and BASE_SENTENCE_RE.search(text)):
        return Role.DEFINITION
    if figure.qualifier and figure.qualifier.split(";")[-1] in CONDITION_QUALIFIERS and tail.startswith("の"):
        return Role.DEFINITION
    if CATEGORY_AFTER_RE.match(text[figure.end : figure.end + 12]):
        return Role.CATEGORY
    return Role.FIGURE


def figures_to_meanings(text: str, figures: Sequence[Figure]) -> list[FigureMeaning]:
    """Kind, sign and role of every figure of a sentence, in order."""
    directions = [own_direction(text, f, figures) for f in figures]
    for i in range(len(figures) - 2, -1, -1):  # a compared figure takes the direction of the next
        gap = text[figures[i].end : figures[i + 1].start]
        listed = compared(text, figures[i]) or figures[i].unit == figures[i + 1].unit
        if directions[i] is None and listed and INHERIT_GAP_RE.match(gap):
            directions[i] = directions[i + 1]
    out = []
    for figure, direction in zip(figures, directions, strict=True):
        kind = figure_kind(figure, direction is not None or compared(text, figure))
        sign = DOWN if direction == DOWN and kind is not Kind.LEVEL else UP
        out.append(FigureMeaning(kind, sign, figure_role(text, figure, figures)))
    return out


def figure_kind(figure: Figure, changed: bool) -> Kind:
    if figure.unit in CHANGE_UNITS:
        return Kind.CHANGE if changed else Kind.RATIO
    if figure.unit is None or figure.unit in RATIO_UNITS:
        return Kind.RATIO
    return Kind.CHANGE if changed else Kind.LEVEL


def signed_value(value: Decimal, meaning: FigureMeaning) -> Decimal:
    """The value with the figure's sign: a value printed negative (▲) stays negative."""
    return -abs(value) if meaning.sign == DOWN else value
