"""Region sections: real neighbouring municipalities listed in one of five layouts, with the
damage real extraction does (OCR look-alikes, broken lines, letter spacing).
"""

from __future__ import annotations

import random
from collections import defaultdict

from extractors.normalize.gazetteer import default_gazetteer
from schemas.municipalities import MUNICIPALITY_KINDS, Municipality, load_municipalities
from tests.text_corpus.words import LOOKALIKES, TrueCount, TrueMember, TrueRegion

_DIRECTIONS = ("北部", "南部", "東部", "西部", "中部", "北", "南", "東", "西", "")
_KANA_WORDS = ("すずらん", "はまなす", "おおぞら", "ひまわり", "こぶし", "みなみ", "ななかまど")
_REGION_KINDS = ("連携地域", "定住自立圏", "連携中枢都市圏", "圏域", "連携地域")
_ERAS = ("H 27 開始", "H 28 開始", "H 29 開始", "R 1 開始", "R 2 開始")
_ACTIVITIES = ("観光振興", "移住促進", "医療連携", "公共交通の確保", "特産品の販路拡大", "人材育成", "防災対策")
_REGION_HEADINGS = ("市町村間の広域連携", "広域連携の推進", "連携地域モデル事業", "定住自立圏の取組", "地域間連携の促進")
_FAKE_LISTS = (
    "子どもたちが安心して過ごせる地域の居場所づくり（食事提供機能を含む）を推進した。",
    "首都圏（東京都・神奈川県・埼玉県）での移住相談会に出展した。",
    "広域連携DMO\t(公社) 観光振興機構",
    "圏域（人口約12万人）の将来像を共有した。",
    "各地域（振興局単位）で説明会を実施した。",
)


# --- municipalities ---------------------------------------------------------------------------


def municipalities_by_prefecture() -> dict[str, list[Municipality]]:
    """Municipalities proper (no wards, no prefectures) by prefecture code, in code order."""
    out: dict[str, list[Municipality]] = defaultdict(list)
    for m in load_municipalities():
        if m.kind in MUNICIPALITY_KINDS:
            out[m.prefecture_code].append(m)
    return out


def is_real_name(name: str) -> bool:
    """True when a printed form is itself a municipality's name (exactly or as a variant)."""
    match = default_gazetteer().lookup(name, allow_stem=False)
    return match is not None and match.method != "fuzzy"


def ocr_damage(rng: random.Random, name: str, *, keep_last: bool = True) -> str | None:
    """One kanji swapped for a look-alike (not the suffix), or None when no swap gives a name
    that is not itself real."""
    positions = [i for i, ch in enumerate(name[:-1] if keep_last else name) if ch in LOOKALIKES]
    rng.shuffle(positions)
    for i in positions:
        damaged = name[:i] + LOOKALIKES[name[i]] + name[i + 1 :]
        if not is_real_name(damaged):
            return damaged
    return None


def letter_space(text: str) -> str:
    return " ".join(text)


def spaced_number(rng: random.Random, n: int) -> str:
    """``11`` as printed by a letter-spaced layout (``1 1``) or plainly, with spaces around."""
    digits = letter_space(str(n)) if rng.random() < 0.7 else str(n)
    return f" {digits} " if rng.random() < 0.7 else digits


# --- region sections --------------------------------------------------------------------------


def draw_members(rng: random.Random, pool: list[Municipality], size: int) -> list[Municipality]:
    start = rng.randrange(0, max(1, len(pool) - size))
    return pool[start : start + size]


def member_printed(rng: random.Random, m: Municipality) -> str:
    roll = rng.random()
    if roll < 0.15 and len(m.name) >= 3:
        damaged = ocr_damage(rng, m.name)
        if damaged:
            return damaged
    if roll > 0.95 and len(m.name) >= 3:
        return letter_space(m.name)
    return m.name


def region_name(rng: random.Random, members: list[Municipality], kind: str) -> tuple[str, str]:
    """(printed, truth) name of a region: a stem from its first member, a direction or a kana
    word, sometimes a member count (letter-spaced), a kind suffix; OCR-damaged now and then."""
    stem = members[0].name[:-1][:3]
    if rng.random() < 0.2:
        stem = rng.choice(_KANA_WORDS) + stem
    middle = rng.choice(_DIRECTIONS)
    if kind == "連携地域" and rng.random() < 0.5:
        counter = "市町村" if any(m.kind != "town" for m in members) else rng.choice(("町", "町村"))
        middle += f" {len(members)} {counter}" if rng.random() < 0.5 else f"{len(members)}{counter}"
    printed = f"{stem}{middle}{kind}"
    if rng.random() < 0.1:
        printed = ocr_damage(rng, printed, keep_last=False) or printed
    return printed, printed.replace(" ", "")


def render_list(rng: random.Random, style: str, name: str, printed: list[str], first: bool) -> list[str]:
    """One region list as text lines in ``style``; the member part may be broken over lines."""
    sep = "、" if style in ("colon", "prose") else rng.choice(("・", "、"))
    members = sep.join(printed)
    if style == "table":
        lead = rng.choice(_ERAS) if first else ""
        text = f"{lead}\t{name} ({members})"
    elif style == "bullet":
        text = f"・{name}（{members}）"
    elif style == "colon":
        text = f"{rng.choice(('◇', '・', '○'))}{name}：{members}"
    elif style == "label":
        text = f"・{name}（構成市町村：{members}）"
    else:
        text = f"{name}（{members}）では、{rng.choice(_ACTIVITIES)}の取組を進めた。"
    return break_line(rng, text, name, style)


def break_line(rng: random.Random, text: str, name: str, style: str) -> list[str]:
    """The line broken once inside its member list (30%): after a separator for colon lists,
    anywhere (even inside a name) in brackets; a blank line between, a third of the time."""
    if rng.random() >= 0.3:
        return [text]
    start = text.index(name) + len(name) + 1
    end = text.rfind("）") if "）" in text[start:] else text.rfind(")") if ")" in text[start:] else len(text)
    if style == "colon":
        cuts = [i + 1 for i in range(start, end) if text[i] == "、"]
    else:
        cuts = [i for i in range(start + 1, end) if text[i] != " "]
    if not cuts:
        return [text]
    cut = rng.choice(cuts)
    gap = [""] if rng.random() < 0.33 else []
    return [text[:cut], *gap, text[cut:]]


def region_section(rng: random.Random, pools: dict[str, list[Municipality]], prefectures: list[str]):
    """Lines, regions and count statement of one section of region lists."""
    style = rng.choice(("table", "bullet", "colon", "label", "prose"))
    kind = rng.choice(_REGION_KINDS)
    lines = [f"◆{rng.choice(_REGION_HEADINGS)}", ""]
    regions: list[TrueRegion] = []
    body: list[str] = []
    for k in range(rng.randint(2, 5)):
        pool = pools[rng.choice(prefectures)]
        members = draw_members(rng, pool, rng.randint(2, 6))
        printed_name, truth_name = region_name(rng, members, kind)
        printed = [member_printed(rng, m) for m in members]
        body += render_list(rng, style, printed_name, printed, first=k == 0 or rng.random() < 0.3)
        if style != "table":
            body.append("")
        true_members = tuple(TrueMember(m.code, m.name, p) for m, p in zip(members, printed, strict=True))
        regions.append(TrueRegion(truth_name, kind, true_members))
    areas, members_total = len(regions), len({m.code for r in regions for m in r.members})
    wrong = rng.random() < 0.2
    stated_areas, stated_members = (areas, members_total + rng.choice((-1, 1))) if wrong else (areas, members_total)
    statement = (
        f"道独自の取組により、{spaced_number(rng, stated_areas)}地域{spaced_number(rng, stated_members)}市町村において"
        f"「{rng.choice(_ACTIVITIES)}」などの連携した取組を推進"
    )
    lines += [statement, "", *body, ""]
    if rng.random() < 0.5:
        lines += [rng.choice(_FAKE_LISTS), ""]
    return lines, regions, TrueCount(stated_areas, stated_members, not wrong)
