"""References printed in a comment: to projects (№40「名称」, No53, 「34　名称」) and to another
item of the same table (「No.5の回答のとおり」), which is no project."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.normalize.textnorm import nfkc_keep_marks


@dataclass(frozen=True)
class ProjectRef:
    """A project referred to by number, with the name printed beside it when there is one."""

    number: int
    name: str | None


_NAME = r"([^」』)）\n]{2,80})"
NUMBERED_REF_RE = re.compile(r"(?<![A-Za-z])(?:No|NO|no|№|番号)\s*\.?\s*(\d{1,3})(?!\d)(?:\s*[「『(（]" + _NAME + r"[」』)）])?")
QUOTED_REF_RE = re.compile(r"[「『]\s*(\d{1,3})(\s*[.．:：、]\s*|\s+|)(?=[^\d\s])" + r"([^」』\n]{2,80})[」』]")
# A number glued to a counter, a unit or a ratio is a quantity or a term (「3つの…」, 「2025年度…」,
# 「12学級」, 「1対N型」), not a project; a project's number may lose its space where a line broke.
COUNTER_START_RE = re.compile(
    r"^(?:[年月日時分秒つ個件人回名歳%割倍円万億千百十位号次期者社校園ヵカヶケか箇歩本枚台点階週戸両便床対]"
    r"|学級|学年|クラス|世帯|施設|地区|丁目|周年|種類|項目|市町|町村)"
)
# Another item of the same table: 「No.5の回答のとおり」, 「番号3と同じ」, 「上記1の考え方を参照」,
# 「②に対する回答と同様」. The number is the item as printed, not a project.
_LABEL = r"(?:No|NO|no|№|番号|意見番号|項番)\s*\.?\s*"
_NUMBER = r"(\d{1,3}|[\u2460-\u2473])(?!\d)\s*番?\s*"
_ANSWER = r"(?:(?:の|に対する|への)\s*(?:ご?意見|御意見)?\s*(?:へ|に対する)?\s*の?\s*(?:回答|考え方|市の考え方)|と同じ|に同じ)"
_TAIL = r"\s*(?:の|を|と|に)?\s*(?:とおり|通り|参照|同様|同じ|ご覧)"
ITEM_REF_RE = re.compile(r"(?<![\d.])(?:" + _LABEL + _NUMBER + _ANSWER + r"|" + _NUMBER + _ANSWER + _TAIL + r")")


def text_to_refs(text: str) -> list[ProjectRef]:
    """Project references in order, one per number (the first printed name wins):
    ``№40「名称」``, ``No53``, ``NO.53``, ``No.５３``, ``「34　名称」``."""
    norm = nfkc_keep_marks(text)
    items = [m.span() for m in ITEM_REF_RE.finditer(norm)]
    found: list[tuple[int, ProjectRef]] = []
    for m in NUMBERED_REF_RE.finditer(norm):
        if any(a <= m.start(1) < b for a, b in items):
            continue
        found.append((m.start(), ProjectRef(int(m.group(1)), clean_name(m.group(2)))))
    for m in QUOTED_REF_RE.finditer(norm):
        separator, name = m.group(2), m.group(3)
        if not separator and COUNTER_START_RE.match(name):
            continue
        found.append((m.start(), ProjectRef(int(m.group(1)), clean_name(name))))
    refs: dict[int, ProjectRef] = {}
    for _, ref in sorted(found, key=lambda item: item[0]):
        if ref.number not in refs or (refs[ref.number].name is None and ref.name):
            refs[ref.number] = ref
    return list(refs.values())


def clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    return name or None


def refs_to_field(refs: Sequence[ProjectRef]) -> str | None:
    return ";".join(str(r.number) for r in refs) or None


def text_to_item_ref(text: str) -> str | None:
    """The item of the same table an answer points to (「No.5の回答のとおり」 -> ``5``), the
    first one printed; ``None`` when it points to none."""
    match = ITEM_REF_RE.search(nfkc_keep_marks(text))
    return (match.group(1) or match.group(2)) if match else None
