"""Seeded generator of participation matrices with known truth, rendered as damaged text.

A case is a region of real neighbouring municipalities (consecutive codes of one prefecture,
5–25 of them, a city first as the central one), 20–80 projects under a 2- or 3-level category
hierarchy, and each project's ● / ○ / blank per member (realistic ● density, a few all-○
projects, a few single ○ in ● rows). It is rendered the way text extraction damages such tables
(see the 003 sample): spurious extra marks (mostly appended after the run), dropped and inserted
empty cells, runs shifted by a cell, rare lost marks and ● / ○ swaps; merged category cells
printed on the first row of their range behind a varying number of leading tabs; an empty cell
now and then between the number and the name; headers letter-spaced, one character per line,
or with one OCR-damaged name. Totals (per project, and the three summary rows) are printed
intact, under either reading of a project's total (● + ○, or ● only).

Used by tests/test_participation.py and benchmarks/bench_matrix.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from schemas.municipalities import KIND_CITY, KIND_DESIGNATED_CITY, MUNICIPALITY_KINDS, Municipality, load_municipalities

MARK = {0: "", 1: "●", 2: "○"}
_WORDS_A = ("観光", "産業", "移住", "定住", "医療", "福祉", "子育て", "防災", "交通", "教育", "文化", "スポーツ",
            "環境", "農業", "林業", "水産", "情報", "人材", "交流", "消防", "図書館", "公共施設", "上下水道",
            "地域公共交通", "特産品", "創業", "企業立地", "介護", "健康", "婚活", "空き家", "景観", "歴史資源",
            "再生可能エネルギー", "ごみ処理", "救急医療", "外国人材", "デジタル", "データ", "広報")
_WORDS_B = ("の推進", "の連携", "の共同実施", "の広域化", "の相互利用", "の情報発信", "の人材育成",
            "の促進", "支援事業", "推進事業", "ネットワーク事業", "の共同利用", "の充実", "の強化",
            "相談事業", "研修事業", "プロモーション", "の整備", "の検討", "の啓発")
_CAT1 = ("経済成長のけん引", "都市機能の集積と強化", "生活関連機能サービスの向上", "圏域マネジメント能力の強化",
         "安心して暮らせる地域づくり", "ひとの流れの創出", "持続可能な行財政運営")
_CAT2 = ("産業振興", "観光振興", "地域医療", "福祉", "教育と文化", "防災と減災", "環境保全", "公共交通",
         "移住と交流", "人材育成", "情報基盤", "地産地消", "職員の交流", "農林水産業", "子ども子育て",
         "生涯学習", "消費生活", "土地利用")
_CAT3 = ("基盤づくり", "担い手の確保", "情報の共有", "施設の活用", "広域での取組", "相談体制", "普及啓発",
         "制度の運用")
_OCR_CHARS = "木本未末土士干千天夫大太犬丈丸九力刀刃万方"
_NUMBER_LABELS = ("No", "No.", "NO", "番号", "№")
_TOTAL_LABELS = ("合計", "計")
_EXISTING_LABELS = ("既に連携している取組数(●)", "実施中の取組数(●)", "●の数", "既存の連携(●)")
_NEW_LABELS = ("新たに連携する取組数(○)", "○の数", "新規の連携(○)", "今年度から連携する取組数(○)")
_TOTAL_ROW_LABELS = ("連携する取組数", "取組数の合計", "合計", "本年度に連携する取組数")
_KINDS = ("連携中枢都市圏", "定住自立圏")


@dataclass(frozen=True)
class TrueProject:
    number: int
    name: str
    categories: tuple[str | None, str | None, str | None]
    states: tuple[int, ...]  # 0 none, 1 existing (●), 2 new (○), one per member


@dataclass(frozen=True)
class CorpusCase:
    seed: int
    members: tuple[Municipality, ...]
    projects: tuple[TrueProject, ...]
    counts_new: bool  # a project's printed total counts ○ as well as ●
    region_name: str
    region_kind: str
    title: str
    text: str  # the damaged rendering
    tokens: tuple[tuple[str, ...], ...]  # the mark run of each project as rendered


@dataclass(frozen=True)
class Damage:
    """Per-row probabilities of each kind of damage (a document draws its own)."""

    extra_tail: float = 0.35
    extra_inside: float = 0.02
    drop_blank: float = 0.08
    insert_blank: float = 0.10
    shift: float = 0.04
    lose_mark: float = 0.01
    swap_kind: float = 0.01
    split_name: float = 0.06


# --- truth -------------------------------------------------------------------------------------


def region_members(rng: random.Random, size: int) -> tuple[Municipality, ...]:
    """``size`` consecutive municipalities of one prefecture, the first city moved to the front."""
    by_pref: dict[str, list[Municipality]] = {}
    for m in load_municipalities():
        if m.kind in MUNICIPALITY_KINDS:
            by_pref.setdefault(m.prefecture_code, []).append(m)
    pools = [ms for ms in by_pref.values() if len(ms) >= size]
    pool = rng.choice(pools)
    start = rng.randrange(len(pool) - size + 1)
    window = pool[start : start + size]
    cities = [m for m in window if m.kind in (KIND_CITY, KIND_DESIGNATED_CITY)]
    central = cities[0] if cities else window[0]
    return (central, *[m for m in window if m is not central])


def category_tree(rng: random.Random, n_projects: int, levels: int) -> list[tuple[str | None, str | None, str | None]]:
    """One category path per project, grouped so that merged cells span runs of rows."""
    paths: list[tuple[str | None, str | None, str | None]] = []
    cat1 = rng.sample(_CAT1, len(_CAT1))
    used2: set[str] = set()
    i1 = 0
    while len(paths) < n_projects:
        c1 = cat1[i1 % len(cat1)] + ("" if i1 < len(cat1) else f"{i1 // len(cat1) + 1}")
        i1 += 1
        for _ in range(rng.randint(1, 4)):
            c2 = _fresh(rng, _CAT2, used2)
            subs = [_fresh(rng, _CAT3, set()) for _ in range(rng.randint(1, 3))] if levels == 3 else [None]
            for c3 in dict.fromkeys(subs):
                for _ in range(rng.randint(1, 5)):
                    paths.append((c1, c2, c3))
    return paths[:n_projects]


def _fresh(rng: random.Random, words: tuple[str, ...], used: set[str]) -> str:
    for _ in range(50):
        word = rng.choice(words)
        if word not in used:
            used.add(word)
            return word
    word = f"{rng.choice(words)}{len(used) + 1}"
    used.add(word)
    return word


def project_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = rng.choice(_WORDS_A) + rng.choice(_WORDS_B)
        if rng.random() < 0.3:
            name = rng.choice(_WORDS_A) + "と" + name
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def project_states(rng: random.Random, n_members: int) -> tuple[int, ...]:
    """All ● (common), all ○ (joined by everyone this year), or a mix at some density."""
    kind = rng.random()
    if kind < 0.4:
        states = [1] * n_members
    elif kind < 0.47:
        states = [2] * n_members
    else:
        density = rng.uniform(0.15, 0.9)
        states = [1 if rng.random() < density else 0 for _ in range(n_members)]
        states[0] = 1
        for c in range(n_members):
            if rng.random() < 0.04:
                states[c] = 2
    return tuple(states)


# --- rendering ---------------------------------------------------------------------------------


def damage_tokens(rng: random.Random, states: tuple[int, ...], damage: Damage) -> list[str]:
    """The mark run of one row as extraction leaves it."""
    tokens = [MARK[s] for s in states]
    if rng.random() < damage.swap_kind:
        marks = [i for i, t in enumerate(tokens) if t]
        if marks:
            i = rng.choice(marks)
            tokens[i] = "○" if tokens[i] == "●" else "●"
    if rng.random() < damage.lose_mark:
        marks = [i for i, t in enumerate(tokens) if t]
        if len(marks) > 1:
            tokens[rng.choice(marks[1:])] = ""
    if rng.random() < damage.drop_blank:
        blanks = [i for i, t in enumerate(tokens) if not t]
        if blanks:
            del tokens[rng.choice(blanks)]
    if rng.random() < damage.insert_blank:
        at = len(tokens) if rng.random() < 0.5 else rng.randrange(1, len(tokens) + 1)
        tokens.insert(at, "")
    if rng.random() < damage.shift:
        if tokens[0] == "" and rng.random() < 0.5:
            tokens.pop(0)
        else:
            tokens.insert(0, "")
    last = next((t for t in reversed(tokens) if t), "●")
    if rng.random() < damage.extra_tail:
        tokens += [last] * rng.choice((1, 1, 2))
    if rng.random() < damage.extra_inside:
        tokens.insert(rng.randrange(1, len(tokens)), last)
    return tokens


def header_names(rng: random.Random, members: tuple[Municipality, ...]) -> list[str]:
    names = [m.name for m in members]
    if rng.random() < 0.25:
        long = [i for i, n in enumerate(names) if len(n) >= 4]
        if long:
            i = rng.choice(long)
            pos = rng.randrange(len(names[i]) - 1)
            names[i] = names[i][:pos] + rng.choice(_OCR_CHARS) + names[i][pos + 1 :]
    if rng.random() < 0.2:
        names = [" ".join(n) if rng.random() < 0.5 else n for n in names]
    return names


def header_lines(rng: random.Random, labels: list[str], names: list[str], total: str) -> list[list[str]]:
    """One header line, or the names one character per line (vertical text)."""
    if rng.random() < 0.8:
        return [[*labels, *names, total]]
    height = max(len(n.replace(" ", "")) for n in names)
    lines = []
    for k in range(height):
        chars = [n.replace(" ", "")[k] if k < len(n.replace(" ", "")) else "" for n in names]
        lines.append([*(labels if k == 0 else [""] * len(labels)), *chars, total if k == 0 else ""])
    return lines


def body_line(rng: random.Random, project: TrueProject, labels: list[str], tokens: list[str], total: int, damage: Damage) -> list[str]:
    lead = [""] * rng.randint(0, 3 - len(labels))
    split = [""] if rng.random() < damage.split_name else []
    return [*lead, *labels, str(project.number), *split, project.name, *tokens, str(total), *[""] * rng.randint(0, 3)]


def changed_labels(previous: TrueProject | None, project: TrueProject, levels: int) -> list[str]:
    """Labels printed on this row: every level from the first that changed down (top-aligned)."""
    cats = project.categories[:levels]
    if previous is None:
        return [c for c in cats if c]
    for level in range(levels):
        if previous.categories[level] != cats[level]:
            return [c for c in cats[level:] if c]
    return []


def summary_lines(rng: random.Random, projects: tuple[TrueProject, ...], n_members: int, offset: int) -> list[list[str]]:
    existing = [sum(p.states[c] == 1 for p in projects) for c in range(n_members)]
    new = [sum(p.states[c] == 2 for p in projects) for c in range(n_members)]
    both = [e + n for e, n in zip(existing, new, strict=True)]
    out = []
    for labels, values in ((_EXISTING_LABELS, existing), (_NEW_LABELS, new), (_TOTAL_ROW_LABELS, both)):
        pad = [""] * max(0, offset + rng.randint(-1, 1))
        out.append([rng.choice(labels), *pad, *map(str, values), str(sum(values)), *[""] * rng.randint(0, 3)])
    return out


def make_case(seed: int, *, n_members: int | None = None, n_projects: int | None = None, damage: Damage | None = None) -> CorpusCase:
    """One matrix with its truth and damaged text; the same seed gives the same case."""
    rng = random.Random(seed)
    members = region_members(rng, n_members or rng.randint(5, 25))
    count = n_projects or rng.randint(20, 80)
    levels = rng.choice((2, 2, 3))
    paths = category_tree(rng, count, levels)
    names = project_names(rng, count)
    projects = tuple(
        TrueProject(i + 1, names[i], paths[i], project_states(rng, len(members))) for i in range(count)
    )
    counts_new = rng.random() < 0.8
    damage = damage or Damage(extra_tail=rng.uniform(0.1, 0.6))
    kind = rng.choice(_KINDS)
    stem = members[0].name[:-1]
    named = rng.random() < 0.7
    region_name = f"{stem}{kind}" if named else f"{kind}({members[0].name})"
    title = f"{region_name if named else kind}における連携事業と参加市町村"
    lines: list[list[str]] = [[""], [title], [""]]
    cat_labels = ["大分類", "中分類", "小分類"][:levels]
    name_label = "小分類" if levels == 2 and rng.random() < 0.5 else rng.choice(("事業名", "取組", "連携事業"))
    header = [*cat_labels, rng.choice(_NUMBER_LABELS), name_label]
    lines += header_lines(rng, header, header_names(rng, members), rng.choice(_TOTAL_LABELS))
    previous = None
    all_tokens = []
    for project in projects:
        tokens = damage_tokens(rng, project.states, damage)
        all_tokens.append(tuple(tokens))
        total = sum(1 for s in project.states if s == 1 or (counts_new and s == 2))
        lines.append(body_line(rng, project, changed_labels(previous, project, levels), tokens, total, damage))
        previous = project
    lines += summary_lines(rng, projects, len(members), len(header) - 1)
    text = "\n".join("\t".join(cells) for cells in lines) + "\n"
    return CorpusCase(seed, members, projects, counts_new, region_name, kind, title, text, tuple(all_tokens))


def make_corpus(count: int, first_seed: int = 1000) -> list[CorpusCase]:
    return [make_case(first_seed + i) for i in range(count)]
