"""Project references printed in a comment (№40「名称」, No53, 「34　名称」)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.normalize.textnorm import (
    nfkc_keep_marks,
)

# --- project references ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRef:
    """A project referred to by number, with the name printed beside it when there is one."""

    number: int
    name: str | None


_NAME = r"([^」』)）\n]{2,80})"
NUMBERED_REF_RE = re.compile(r"(?<![A-Za-z])(?:No|NO|no|№|番号)\s*\.?\s*(\d{1,3})(?!\d)(?:\s*[「『(（]" + _NAME + r"[」』)）])?")
QUOTED_REF_RE = re.compile(r"[「『]\s*(\d{1,3})(\s*[.．:：、]\s*|\s+|)(?=[^\d\s])" + r"([^」』\n]{2,80})[」』]")
# A number glued to a counter or unit is a quantity (「3つの…」, 「2025年度…」), not a project.
COUNTER_START_RE = re.compile(r"^(?:[年月日時分秒つ個件人回名歳%割倍円万億千百十位号次期者社校園ヵカヶケか箇歩本枚台点])")


def text_to_refs(text: str) -> list[ProjectRef]:
    """Project references in order, one per number (the first printed name wins):
    ``№40「名称」``, ``No53``, ``NO.53``, ``No.５３``, ``「34　名称」``."""
    norm = nfkc_keep_marks(text)
    found: list[tuple[int, ProjectRef]] = []
    for m in NUMBERED_REF_RE.finditer(norm):
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
