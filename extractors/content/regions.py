"""Region lists (``○○連携地域（A市・B町・C町）``) -> ``region_members`` rows, plus count checks.

The recipe, one small function per step:

    lines -> logical lines: a line continued while a bracket is open         ``document_to_passages``
              or it ends in a list separator (lists broken over lines)
           -> region lists: a name ending in a region suffix, then its       ``passage_to_lists``
              members in brackets or after a colon; or names joined by ・   ``passage_to_named_lists``
              in a body's name, one member in a bracket after a strong
              region word, names sharing a suffix (芦屋，西宮の各市)
           -> members resolved with the gazetteer (OCR damage corrected,     ``resolve_list``
              unknown names reported, never guessed)
           -> RegionMemberRow + issues
    TEXT lines -> stated counts (``12地域36市町村``) checked against the    ``check_counts``
              lists that follow them, up to the next heading

A name is kept as printed (NFKC, letter-spacing removed); its kind is the longest region suffix it
ends with. A bracket is a member list when at least half its items are municipalities; a plain
``…地域`` or ``…圏`` (words that also end ordinary nouns) only when every item is one. An item
shaped like a municipality name (ending in 市町村区) that the gazetteer cannot resolve is reported
as ``unknown-municipality``; a resolved name that differs from the official one as
``municipality-corrected``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.content.running_text import line_is_marked_heading
from extractors.model.document import Document, TextBlock
from extractors.model.provenance import NO_PROVENANCE, Provenance, lines_to_provenance
from extractors.model.table import Table
from extractors.normalize.gazetteer import Gazetteer, Match, compact_name, default_gazetteer
from extractors.normalize.textnorm import nfkc_keep_marks, strip_spacing
from schemas.municipalities import KIND_PREFECTURE
from schemas.quality import Code, Issue, Severity
from schemas.tables import RegionMemberRow

# Longest first: the kind of a name is the first suffix it ends with.
REGION_SUFFIXES = (
    "連携中枢都市圏",
    "定住自立圏",
    "広域市町村圏",
    "連携地域",
    "都市圏",
    "広域連合",
    "広域連携",
    "圏域",
    "区域",
    "地域",
    "圏",
)
# Suffixes that also end ordinary nouns (地域の特色, 首都圏): their lists must resolve whole.
WEAK_SUFFIXES = frozenset({"地域", "圏", "区域"})
AREA_WORDS = ("連携地域", "地域", "圏域", "エリア", "ブロック", "圏")
MEMBER_WORDS = ("市区町村", "市町村", "市町", "町村")

_NAME_CHAR = r"[^\s、。,，・･()（）「」『』【】\[\]<>〈〉《》:：;；/／→]"
_SUFFIX_ALT = "|".join(REGION_SUFFIXES)
REGION_RE = re.compile(rf"(?P<name>{_NAME_CHAR}{{0,30}}?(?:{_SUFFIX_ALT}))[ \t]*(?P<open>[(（:：])")
# Particles that end the words before a name (本年度は / 取組により): the name starts after them.
LEADING_PHRASE_RE = re.compile(
    r"^.*[^\u3041-\u309f](?:により|による|において|における|として|では|には|とは|から|まで|への|との|の|は|が|を|に|で|と|も|へ|や)"
    r"(?=[^\u3041-\u309f])"
)
LEADING_NUMBERING_RE = re.compile(r"^(?:[-‐・•◆◇■□●○◎▼▽★☆※→*]+|[(（]\s*\d{1,2}\s*[)）]|\d{1,2}[.．)）]|[\u2460-\u2473])\s*")
ITEM_SEPARATORS_RE = re.compile(r"[、・･,，/／ \t]+")
ITEM_TRAILERS_RE = re.compile(r"(?:等|など|ほか|外|の各市町村|の\d+市町村)$")
NAME_SHAPED_RE = re.compile(r"^[\u3041-\u30ff\u3005\u4e00-\u9fff]{1,12}[市町村区]$")
COUNT_RE = re.compile(rf"(?P<areas>\d+)\s*(?:{'|'.join(AREA_WORDS)})\s*(?P<members>\d+)\s*(?:{'|'.join(MEMBER_WORDS)})")
MAX_CONTINUATION_LINES = 6
_OPEN, _CLOSE = "(（", ")）"


@dataclass(frozen=True)
class Passage:
    """A logical line: one or more physical lines joined, normalized, where it was read."""

    text: str
    in_text: bool  # read from running text (not from a table)
    line: int
    page: int
    source: Provenance = field(default=NO_PROVENANCE, compare=False)  # the lines it was joined from

    def location(self) -> str:
        return f"page {self.page}, line {self.line}"


@dataclass(frozen=True)
class RegionList:
    """A region name as printed and the items of its member list, as printed."""

    name: str
    kind: str
    items: tuple[str, ...]
    context: str  # the member list, for the gazetteer's evidence
    passage: Passage
    start: int  # offset of the name in the passage
    whole: bool = False  # every item must resolve (a list read from a name or a single bracket)


@dataclass(frozen=True)
class ResolvedList:
    region: RegionList
    members: tuple[tuple[str, Match], ...]  # (printed item, match)
    unknown: tuple[str, ...]  # name-shaped items nobody could resolve
    unknown_candidates: tuple[frozenset[str], ...] = ()  # codes each unknown item could be

    def codes(self) -> set[str]:
        """Codes of the resolved members."""
        return {m.municipality.code for _, m in self.members}


@dataclass(frozen=True)
class CountCheck:
    """A stated count of areas and municipalities and what the lists under it hold. Unresolved
    names make the number of distinct members uncertain: it lies in ``found_members`` ..
    ``found_members_max``."""

    stated_areas: int
    stated_members: int
    found_areas: int
    found_members: int
    found_members_max: int
    location: str

    @property
    def matches(self) -> bool:
        return self.stated_areas == self.found_areas and self.found_members <= self.stated_members <= self.found_members_max

    def found_text(self) -> str:
        if self.found_members == self.found_members_max:
            return f"{self.found_areas} areas and {self.found_members} municipalities"
        return f"{self.found_areas} areas and {self.found_members}-{self.found_members_max} municipalities (names unresolved)"


# --- passages ------------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """NFKC (marks kept) and letter-spacing removed (``東部 3 町`` -> ``東部3町``)."""
    return strip_spacing(nfkc_keep_marks(text))


def bracket_depth(text: str) -> int:
    return sum(ch in _OPEN for ch in text) - sum(ch in _CLOSE for ch in text)


def document_to_passages(document: Document) -> list[Passage]:
    """Lines of all items in order; a line whose bracket is still open, or which ends in a list
    separator after a region name, takes the following lines (blank lines and block breaks are
    extraction damage there), up to ``MAX_CONTINUATION_LINES``."""
    lines = [(item, line) for item in document.items for line in document.item_lines(item) if not line.is_blank]
    passages: list[Passage] = []
    i = 0
    while i < len(lines):
        item, first = lines[i]
        kind = isinstance(item, TextBlock)
        text = normalize_text(first.text).strip()
        j = i + 1
        while j < len(lines) and j - i <= MAX_CONTINUATION_LINES:
            following = normalize_text(lines[j][1].text).strip()
            if not line_continues_list(text, following):
                break
            text += following
            j += 1
        table_id, strategy = (None, None) if isinstance(item, TextBlock) else (item.index, item.strategy)
        source = lines_to_provenance([line for _, line in lines[i:j]], table_id, strategy)
        passages.append(Passage(text, kind, first.number, first.page, source))
        i = j
    return passages


def line_continues_list(text: str, following: str) -> bool:
    """A region name whose bracket is still open, a trailing separator in a line that names a
    region, a list of names joined by ・ broken before a ・, or a line ending in a region name
    whose bracket starts the next line."""
    if bracket_depth(text) > 0 and REGION_RE.search(text):
        return True
    if text and text[-1] in "、・,，" and REGION_RE.search(text):
        return True
    if following[:1] in "・･" and STEM_LIST_NAME_RE.search(text[-5:] + following):
        return True  # 南国 / ・香南・香美租税債権管理機構: names joined by ・ over a line break
    return following[:1] in _OPEN and name_to_kind(text) is not None


# --- region lists ----------------------------------------------------------------------------------


def name_to_kind(name: str) -> str | None:
    return next((suffix for suffix in REGION_SUFFIXES if name.endswith(suffix)), None)


def clean_region_name(raw: str) -> str:
    """The name without the words and marks before it: ``本年度は東部3町連携地域`` ->
    ``東部3町連携地域``; ``◆中央定住自立圏`` -> ``中央定住自立圏``."""
    name = LEADING_PHRASE_RE.sub("", raw)
    if name_to_kind(name) == name:  # 紀の川定住自立圏: the の was part of the name
        name = raw
    return LEADING_NUMBERING_RE.sub("", name).strip()


def passage_to_lists(passage: Passage) -> list[RegionList]:
    """Every region name followed by a bracket or a colon, with the items printed there."""
    found = []
    for match in REGION_RE.finditer(passage.text):
        name = clean_region_name(match["name"])
        kind = name_to_kind(name)
        if kind is None or name == kind:
            continue
        body = member_text(passage.text, match.end("open") - 1)
        items = tuple(text_to_items(body, colon=match["open"] in ":："))
        if items:
            found.append(RegionList(name, kind, items, body, passage, match.start("name")))
    return found


# Names joined by ・ that start a body's name (南国・香南・香美租税債権管理機構): its members.
_STEM = r"[\u4e00-\u9fff\u30a1-\u30fa]{1,5}"
STEM_LIST_NAME_RE = re.compile(
    rf"(?P<stems>{_STEM}(?:[・･]{_STEM})+)(?P<body>[\u4e00-\u9fff]{{0,12}}?(?:{_SUFFIX_ALT}|機構|事務組合|組合|協議会))"
)
# A strong region word, then within a few words one bracket naming members one by one
# (定住自立圏形成協定の一部変更（日向市）).
_STRONG_ALT = "|".join(s for s in REGION_SUFFIXES if s not in WEAK_SUFFIXES)
AGREEMENT_RE = re.compile(rf"(?P<name>{_NAME_CHAR}{{0,20}}?(?:{_STRONG_ALT}))(?P<rest>[^\s、。()（）:：]{{1,15}})(?P<open>[（(])")
# Names sharing one suffix (芦屋，西宮，宝塚の各市 / 明石，加古川，高砂の各市と稲美町，播磨町).
SHARED_SUFFIX_RE = re.compile(rf"(?P<list>{_STEM}(?:[、，,・･]{_STEM})*)の各(?P<suffix>市町村|市町|市|町|村)")


def passage_to_named_lists(passage: Passage) -> list[RegionList]:
    """The other forms a region's members are printed in: names joined by ・ in a body's name,
    one member in a bracket after a strong region word, names sharing the suffix of 「…の各市」.
    Every item of such a list must resolve (``RegionList.whole``)."""
    text, found = passage.text, []
    for match in STEM_LIST_NAME_RE.finditer(text):
        name = match.group()
        items = stems_of_name(match["stems"])
        found.append(RegionList(name, name_to_kind(name) or "", items, name, passage, match.start(), whole=True))
    for match in AGREEMENT_RE.finditer(text):
        name = re.sub(r"^.*\d+[号番条項]?", "", clean_region_name(match["name"]))
        items = tuple(text_to_items(member_text(text, match.end("open") - 1), colon=False))
        if items:
            found.append(RegionList(name, name_to_kind(name) or "", items, text, passage, match.start("name"), whole=True))
    for match in SHARED_SUFFIX_RE.finditer(text):
        suffix = match["suffix"] if match["suffix"] in ("市", "町", "村") else ""
        items = tuple(stem + suffix for stem in re.split(r"[、，,・･]", match["list"]))
        following = text[match.end() :]
        more = re.match(rf"と((?:{_STEM}[市町村][、，,・･]?)+)", following)
        items += tuple(i for i in re.split(r"[、，,・･]", more.group(1)) if i) if more else ()
        name = shared_suffix_region_name(text[: match.start()]) or match.group()
        found.append(RegionList(name, name_to_kind(name) or "", items, text, passage, match.start(), whole=True))
    return found


def stems_of_name(stems: str) -> tuple[str, ...]:
    """``南国・香南・香美租税債権`` -> 南国, 香南, 香美: the last name runs into the body's name, so it
    is cut to the length of the one before it."""
    items = re.split(r"[・･]", stems)
    return (*items[:-1], items[-1][: len(items[-2])])


def shared_suffix_region_name(before: str) -> str | None:
    """The name a 「…の各市」 list defines: the last region name or counted group before it in its
    sentence (阪神間６市, 東播磨地域)."""
    sentence = re.split(r"[。]", before)[-1]
    names = re.findall(rf"[^\s、。，,()（）「」…]{{1,20}}?(?:\d+(?:市町村|市町|市|町|村)|{_SUFFIX_ALT})", sentence)
    return clean_region_name(names[-1]) if names else None


def member_text(text: str, open_index: int) -> str:
    """What a bracket encloses (nested brackets kept), or what follows a colon up to the end of
    the sentence or of an enclosing bracket."""
    if text[open_index] in _OPEN:
        depth = 0
        for i in range(open_index, len(text)):
            depth += (text[i] in _OPEN) - (text[i] in _CLOSE)
            if depth == 0:
                return text[open_index + 1 : i]
        return text[open_index + 1 :]
    rest = text[open_index + 1 :]
    end = len(rest)
    depth = 0
    for i, ch in enumerate(rest):
        depth += (ch in _OPEN) - (ch in _CLOSE)
        if ch == "。" or depth < 0:
            end = i
            break
    return rest[:end]


def text_to_items(body: str, *, colon: bool) -> list[str]:
    """Items of a member list: a label before a colon (``構成市町村：``) dropped, split at
    、・, and spaces, trailing 等 / など dropped. After a colon the list ends at the first item
    that is not name-shaped (``…、C町の3町で構成``)."""
    if not colon and re.search(r"[:：]", body):
        body = re.split(r"[:：]", body)[-1]
    items = []
    for raw in ITEM_SEPARATORS_RE.split(body):
        item = ITEM_TRAILERS_RE.sub("", raw.strip())
        if not item:
            continue
        if colon and not NAME_SHAPED_RE.match(item) and not _gun_name(item):
            break
        items.append(item)
    return items


def _gun_name(item: str) -> bool:
    """``石狩郡当別町``: a district prefix before a name-shaped item."""
    return "郡" in item and bool(NAME_SHAPED_RE.match(item.split("郡", 1)[1] or "-"))


# --- resolution -----------------------------------------------------------------------------------


def certain_prefectures(items: Sequence[str], gazetteer: Gazetteer) -> Counter[str]:
    """Prefectures of the items printed exactly as one municipality's name (no fuzzy, no
    ambiguity): the list's own evidence of where it is."""
    counts: Counter[str] = Counter()
    for item in items:
        match = gazetteer.lookup(item, allow_stem=False)
        if match is not None and match.method != "fuzzy" and match.municipality.kind != KIND_PREFECTURE:
            counts[match.municipality.prefecture_code] += 1
    return counts


def list_prefecture(items: Sequence[str], gazetteer: Gazetteer, document: Counter[str]) -> str | None:
    """The prefecture to look the list's members up in first (a damaged three-character name is
    matched in one prefecture only). The one most of its certain members are in; else the one
    where most items have a candidate (中央区・港区: Tokyo or Osaka), ties settled by the
    prefectures the document's other lists are in; None when nothing settles it."""
    own = certain_prefectures(items, gazetteer)
    if own:
        return _unique_top(own) or _unique_top(Counter({p: document[p] for p in own if own[p] == max(own.values())}))
    cover: Counter[str] = Counter()
    for item in items:
        cover.update({m.prefecture_code for m in gazetteer.candidates(item) if m.kind != KIND_PREFECTURE})
    if not cover:
        return _unique_top(document)
    tied = [p for p, n in cover.items() if n == max(cover.values())]
    return tied[0] if len(tied) == 1 else _unique_top(Counter({p: document[p] for p in tied}))


def _unique_top(counts: Counter[str]) -> str | None:
    top = [p for p, n in counts.items() if n > 0 and n == max(counts.values())]
    return top[0] if len(top) == 1 else None


def resolve_list(region: RegionList, gazetteer: Gazetteer, document: Counter[str]) -> ResolvedList | None:
    """Members resolved, or None when the bracket is not a member list (see the module docstring).
    ``document``: prefectures the document's lists certainly name, to settle ties."""
    prefecture = list_prefecture(region.items, gazetteer, document)
    members: list[tuple[str, Match]] = []
    unknown: list[str] = []
    for item in region.items:
        match = gazetteer.lookup(item, prefecture=prefecture, context=region.context)
        if match is not None and match.municipality.kind != KIND_PREFECTURE:
            members.append((item, match))
        elif NAME_SHAPED_RE.match(item) or _gun_name(item):
            unknown.append(item)
    if not members or 2 * len(members) < len(region.items):
        return None
    if region.kind in WEAK_SUFFIXES and (len(members) < 2 or len(members) != len(region.items)):
        return None
    if region.whole and len(members) != len(region.items):
        return None
    candidates = tuple(frozenset(m.code for m in gazetteer.candidates(item, prefecture=prefecture)) for item in unknown)
    return ResolvedList(region, tuple(members), tuple(unknown), candidates)


def resolved_to_rows(doc_id: str, resolved: Sequence[ResolvedList]) -> tuple[list[RegionMemberRow], list[Issue]]:
    """Rows (one per region and municipality: a repeat is dropped) and the issues of the lists."""
    rows: list[RegionMemberRow] = []
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for res in resolved:
        region, location = res.region, res.region.passage.location()
        source = region.passage.source
        for printed, match in res.members:
            m = match.municipality
            if compact_name(printed) != compact_name(m.name):
                message = f"{region.name}: member printed {printed!r} read as {m.name} ({m.code}), score {match.score:.1f}"
                key = (("region_name", region.name), ("municipality_code", m.code))
                issues.append(Issue(Code.MUNICIPALITY_CORRECTED, Severity.INFO, message, "region_members", location, key, source.table_id))
            if (region.name, m.code) in seen:
                continue
            seen.add((region.name, m.code))
            rows.append(RegionMemberRow(doc_id, region.name, region.kind, m.code, m.name, printed, match.score, **source.columns()))
        for printed in res.unknown:
            message = f"{region.name}: member {printed!r} matches no municipality (left out, not guessed)"
            issues.append(Issue(Code.UNKNOWN_MUNICIPALITY, Severity.WARNING, message, "region_members", location, table_id=source.table_id))
    return rows, issues


# --- stated counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    """Something in document order that bears on count checks."""

    index: int  # passage index
    offset: int
    kind: str  # "count" | "list" | "heading"
    count: re.Match[str] | None = None
    resolved: ResolvedList | None = None


def check_counts(passages: Sequence[Passage], resolved: Sequence[ResolvedList]) -> list[CountCheck]:
    """Each statement ``N地域M市町村`` in running text against the lists after it, up to the next
    heading or statement: N lists and M distinct members expected."""
    events = passages_to_events(passages, resolved)
    checks = []
    for k, event in enumerate(events):
        if event.kind != "count" or event.count is None:
            continue
        under = []
        for later in events[k + 1 :]:
            if later.kind != "list":
                break
            if later.resolved is not None:
                under.append(later.resolved)
        if not under:
            continue
        least, most = member_count_range(under)
        stated_areas, stated_members = int(event.count["areas"]), int(event.count["members"])
        location = passages[event.index].location()
        checks.append(CountCheck(stated_areas, stated_members, len(under), least, most, location))
    return checks


def member_count_range(lists: Sequence[ResolvedList]) -> tuple[int, int]:
    """Fewest and most distinct municipalities ``lists`` can hold: resolved codes, plus the
    unknown names, each either new or (fewest) one of its candidates (a damaged 三田市 printed
    beside a clean one may be the same town)."""
    codes: set[str] = set().union(*(r.codes() for r in lists))
    unknown: dict[str, frozenset[str]] = {}
    for r in lists:
        for name, could_be in zip(r.unknown, r.unknown_candidates, strict=True):
            unknown.setdefault(name, could_be)
    pending = [c for c in unknown.values() if not c & codes]
    return len(codes) + hitting_set_size(pending), len(codes) + len(unknown)


def hitting_set_size(sets: Sequence[frozenset[str]]) -> int:
    """Codes needed so that every set holds one (greedy); an empty set needs a code of its own."""
    left = [s for s in sets if s]
    needed = len(sets) - len(left)
    while left:
        best = Counter(code for s in left for code in s).most_common(1)[0][0]
        left = [s for s in left if best not in s]
        needed += 1
    return needed


def passages_to_events(passages: Sequence[Passage], resolved: Sequence[ResolvedList]) -> list[_Event]:
    by_passage: dict[int, list[ResolvedList]] = {}
    index_of = {id(p): i for i, p in enumerate(passages)}
    for res in resolved:
        by_passage.setdefault(index_of[id(res.region.passage)], []).append(res)
    events: list[_Event] = []
    for i, passage in enumerate(passages):
        lists = by_passage.get(i, [])
        if passage.in_text and not lists and line_is_marked_heading(passage.text):
            events.append(_Event(i, 0, "heading"))
        if passage.in_text:
            events.extend(_Event(i, m.start(), "count", count=m) for m in COUNT_RE.finditer(passage.text))
        events.extend(_Event(i, r.region.start, "list", resolved=r) for r in lists)
    return sorted(events, key=lambda e: (e.index, e.offset))


def checks_to_issues(checks: Sequence[CountCheck]) -> list[Issue]:
    return [
        Issue(
            Code.COUNT_MISMATCH,
            Severity.WARNING,
            f"stated {c.stated_areas} areas and {c.stated_members} municipalities; the lists under it hold {c.found_text()}",
            "region_members",
            c.location,
        )
        for c in checks
        if not c.matches
    ]


# --- extractor ----------------------------------------------------------------------------------


def document_to_region_lists(document: Document, gazetteer: Gazetteer) -> tuple[list[Passage], list[ResolvedList]]:
    """Passages of the document and the member lists found in them."""
    passages = document_to_passages(document)
    candidates = [r for p in passages for r in passage_to_lists(p) + passage_to_named_lists(p)]
    document: Counter[str] = Counter()
    for region in candidates:
        document.update(certain_prefectures(region.items, gazetteer))
    resolved = [res for r in candidates if (res := resolve_list(r, gazetteer, document)) is not None]
    return passages, resolved


class RegionListExtractor(Extractor):
    """Region names with their member municipalities -> ``region_members``; stated counts checked."""

    name = "regions"

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gazetteer = gazetteer

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        gazetteer = self._gazetteer or default_gazetteer()
        passages, resolved = document_to_region_lists(document, gazetteer)
        rows, issues = resolved_to_rows(document.doc_id, resolved)
        issues += checks_to_issues(check_counts(passages, resolved))
        return Extraction(region_members=tuple(rows), issues=tuple(issues))
