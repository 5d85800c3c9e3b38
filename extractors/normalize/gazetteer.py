"""Find the municipality a name printed in a document denotes.

Printed names are damaged in known ways: letter-spacing (``旭 川 市``, one character per line),
full-width/half-width forms, old or variant kanji (澤/沢, 﨑/崎, ヶ/ケ), OCR look-alikes
(蒲河町 for 浦河町) and missing prefectures (府中市 is in Tokyo and in Hiroshima). Lookup runs
through tiers, most certain first, and stops at the first that finds anything:

1. exact: the name after NFKC and whitespace removal (score 100);
2. variant: both sides folded through ``VARIANT_GROUPS`` (score 100);
3. a ``…郡`` prefix dropped (石狩郡当別町), tiers 1-2 again;
4. suffix-less stem (``札幌`` for 札幌市, ``東京`` for 東京都): exact only, and only when unique
   in the given prefecture or in Japan (score ``STEM_SCORE``). Some stems are ordinary words
   (中間市, 国立市, 東北町): pass ``allow_stem=False`` when the text is not known to be a name;
5. fuzzy: Levenshtein similarity >= ``FUZZY_THRESHOLD`` against names with the same suffix
   (市町村区) and length ±1, in the preferred prefecture first; three-character names, where one
   wrong character already scores 66.7, only there. (Measured on the two-kanji words of sample
   documents plus 市/町/村/区: one in eight is one character from exactly one municipality of
   Japan, one in 26 from one of Hokkaido. A fuzzy match is a correction to report, not a fact.)

A name that fits several municipalities is settled by the prefecture (given, printed before the
name, or named in the context together with unambiguous neighbours); when nothing settles it the
lookup returns None and ``candidates`` lists the options. The tiers never guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from schemas.municipalities import KIND_PREFECTURE, KIND_WARD, Municipality, load_municipalities

# Levenshtein similarity in percent (1 - edits / longer length). 66 admits exactly one wrong
# character in a three-character name (蒲河町 -> 浦河町 scores 66.7), one edit in four or five
# characters and two in six or more; a two-character name (森町) never matches fuzzily (50).
# Any lower lets two edits through in four-character names (構成市町 -> 余市町 scores 50).
FUZZY_THRESHOLD = 66.0
EXACT_SCORE = 100.0
VARIANT_SCORE = 100.0  # the folding is an equivalence, not a guess; ``method`` tells it apart
STEM_SCORE = 90.0  # 札幌 for 札幌市: right when unique, but the suffix was not printed
GLOBAL_FUZZY_MIN_LENGTH = 4  # shorter names are matched fuzzily only in a preferred prefecture

SUFFIXES = "市町村区"  # the last character of every municipality and ward name
_PREFECTURE_SUFFIXES = "都道府県"

# Characters written for one another in names, canonical form first. Each group folds to its
# first character, so 龍ケ崎市, 竜ヶ崎市 and 竜が崎市 share one key. Old forms (旧字体), common
# variants (異体字) and kana OCR reads for a look-alike kanji (ロ/口, タ/夕, ニ/二, ー/一).
VARIANT_GROUPS = (
    "桧檜",
    "沢澤",
    "辺邊邉",
    "島嶋嶌",
    "崎﨑嵜碕",
    "ケヶヵがガ",
    "竜龍",
    "渕淵",
    "当當",
    "富冨",
    "広廣",
    "国國",
    "浜濱",
    "桜櫻",
    "蔵藏",
    "高髙",
    "徳德",
    "恵惠",
    "梼檮",
    "条條",
    "館舘",
    "斎齋齊斉",
    "曽曾",
    "関關",
    "鯵鰺",
    "騨驒",
    "祢禰",
    "穂穗",
    "瀬瀨",
    "真眞",
    "寿壽",
    "与與",
    "児兒",
    "県縣",
    "万萬",
    "芸藝",
    "ノの之",
    "一ー―‐-",
    "口ロ",
    "夕タ",
    "二ニ",
)
_FOLD = str.maketrans({v: g[0] for g in VARIANT_GROUPS for v in g[1:]})

# After NFKC. Names never contain these, so list items are split on them for fuzzy matching.
SEPARATORS = frozenset("、,・/()「」『』【】[]〈〉《》<>。:;|~〜")
# A name directly followed by one of these is the start of another word: 中央市場, 北区画.
_WORD_CONTINUATIONS = {"市": "場", "区": "画域間分"}
# A name starting with kana (いの町, えりも町) is only taken at a word start: after one of these
# (高知県いの町, 吾川郡いの町), a space, a name or the start of the text; not in 憩いの町.
_WORD_STARTS = SEPARATORS | frozenset(_PREFECTURE_SUFFIXES + "郡")
_GUN = re.compile(r"^.+?郡(?=.)")
_NAME_CHARS = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\u3005\u4e00-\u9fff]+$")
_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff]")


@dataclass(frozen=True)
class Match:
    """A municipality found for ``source_text``; ``score`` in [0, 100]."""

    municipality: Municipality
    score: float
    method: str  # "exact" | "variant" | "fuzzy"
    source_text: str


@dataclass(frozen=True)
class Evidence:
    """What a text says about where it is. ``prefecture`` (given or printed right before the
    name) filters; ``mentions`` (prefecture code -> times named, directly or through an
    unambiguous municipality) and ``codes`` (municipalities named) break ties."""

    prefecture: str | None = None
    mentions: Mapping[str, int] = field(default_factory=dict)
    codes: frozenset[str] = frozenset()

    def preferred_prefectures(self) -> frozenset[str]:
        """The given prefecture, else the most mentioned ones."""
        if self.prefecture:
            return frozenset({self.prefecture})
        top = max(self.mentions.values(), default=0)
        return frozenset(p for p, n in self.mentions.items() if n == top and top > 0)


@dataclass(frozen=True)
class _Found:
    candidates: tuple[Municipality, ...]
    method: str
    score: float


@dataclass(frozen=True)
class _Hit:
    start: int  # in the compact text
    end: int
    found: _Found


# --- normalization (pure) ---------------------------------------------------------------


def fold_variants(text: str) -> str:
    """Fold variant and look-alike characters to one form; keeps the length."""
    return text.translate(_FOLD)


def text_to_compact(text: str) -> tuple[str, tuple[int, ...], frozenset[int]]:
    """NFKC per character with whitespace dropped. Returns the compact text, the index in
    ``text`` of each compact character, and the compact positions whitespace preceded."""
    chars: list[str] = []
    offsets: list[int] = []
    gaps: set[int] = set()
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isspace():
                gaps.add(len(chars))
            elif unicodedata.combining(c) and chars:  # ｶﾞ: join the voicing mark
                chars[-1] = unicodedata.normalize("NFC", chars[-1] + c)
            else:
                chars.append(c)
                offsets.append(i)
    return "".join(chars), tuple(offsets), frozenset(gaps)


def compact_name(name: str) -> str:
    return text_to_compact(name)[0]


def name_to_stem(key: str) -> str | None:
    """The name without its suffix (札幌市 -> 札幌, 大阪府 -> 大阪), if two characters remain.
    北海道 keeps its 道: nobody writes 北海."""
    if key[-1:] in SUFFIXES + "都府県" and len(key) >= 3:
        return key[:-1]
    return None


def municipality_to_aliases(m: Municipality, parents: Mapping[str, Municipality]) -> tuple[str, ...]:
    """Compact names a document may print for ``m``: its name, and a ward's name without its
    city (札幌市中央区 -> 中央区)."""
    name = compact_name(m.name)
    parent = parents.get(m.parent_code or "")
    if m.kind == KIND_WARD and parent and name.startswith(compact_name(parent.name)):
        return (name, name[len(compact_name(parent.name)) :])
    return (name,)


def is_fuzzy_query(key: str) -> bool:
    """Only name-shaped text is matched fuzzily: kanji/kana, a municipality suffix, and at
    least two characters before it."""
    return len(key) >= 3 and key[-1] in SUFFIXES and bool(_NAME_CHARS.match(key))


def candidates_to_choice(candidates: tuple[Municipality, ...], evidence: Evidence) -> Municipality | None:
    """One candidate, or the only one the evidence favours; None when it cannot tell."""
    pool = candidates
    if len(pool) > 1 and evidence.prefecture:
        pool = tuple(m for m in pool if m.prefecture_code == evidence.prefecture) or pool
    if len(pool) > 1:
        pool = tuple(m for m in pool if m.parent_code in evidence.codes) or pool
    if len(pool) > 1:
        weights = [evidence.mentions.get(m.prefecture_code, 0) for m in pool]
        best = max(weights)
        if best > 0 and weights.count(best) == 1:
            pool = (pool[weights.index(best)],)
    return pool[0] if len(pool) == 1 else None


def hits_to_evidence(hits: Iterable[_Hit], prefecture: str | None) -> Evidence:
    """Evidence from certain (exact or variant, unambiguous) hits of a text."""
    mentions: Counter[str] = Counter()
    codes: set[str] = set()
    for hit in hits:
        if len(hit.found.candidates) == 1 and hit.found.method != "fuzzy":
            m = hit.found.candidates[0]
            mentions[m.prefecture_code] += 1
            codes.add(m.code)
    return Evidence(prefecture, dict(mentions), frozenset(codes))


# --- the index ----------------------------------------------------------------------------


def _index(pairs: Iterable[tuple[str, Municipality]]) -> dict[str, tuple[Municipality, ...]]:
    out: dict[str, tuple[Municipality, ...]] = {}
    for key, m in pairs:
        if m not in out.get(key, ()):
            out[key] = (*out.get(key, ()), m)
    return out


class Gazetteer:
    """Indexes over a list of municipalities, built once; see the module docstring."""

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        rows = tuple(municipalities)
        by_code = {m.code: m for m in rows}
        aliases = [(a, m) for m in rows for a in municipality_to_aliases(m, by_code)]
        self._exact = _index(aliases)
        self._folded = _index((fold_variants(a), m) for a, m in aliases)
        self._stems = _index((s, m) for a, m in aliases if (s := name_to_stem(a)))
        self._prefectures = {fold_variants(compact_name(m.name)): m for m in rows if m.kind == KIND_PREFECTURE}
        self._fuzzy_keys: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in self._folded:
            self._fuzzy_keys[key[-1], len(key)].append(key)
        self._max_len = max(map(len, self._folded), default=0)
        self._first_chars = frozenset(k[0] for k in self._folded)

    # --- public API ---

    def lookup(
        self,
        name: str,
        *,
        prefecture: str | None = None,
        context: str | None = None,
        allow_stem: bool = True,
    ) -> Match | None:
        """The municipality ``name`` denotes, or None when unknown or ambiguous.
        ``prefecture``: name (北海道, 東京) or code (01), preferred among candidates, not a
        filter (a Tokyo document may name 札幌市); ``context``: surrounding text whose prefecture
        and municipality names settle an ambiguous name; ``allow_stem``: accept a name printed
        without its suffix (札幌). A prefecture's own name finds the prefecture row."""
        key, pref = self._split_prefecture(compact_name(name), self.prefecture_code(prefecture))
        found = self._find_certain(key, pref, allow_stem=allow_stem)
        evidence = None
        if found is None:
            evidence = self._context_evidence(context, pref)
            found = self._find_fuzzy(key, evidence.preferred_prefectures())
        if found is None:
            return None
        if len(found.candidates) == 1:
            chosen: Municipality | None = found.candidates[0]
        else:
            evidence = evidence or self._context_evidence(context, pref)
            chosen = candidates_to_choice(found.candidates, evidence)
        return Match(chosen, found.score, found.method, name) if chosen else None

    def candidates(self, name: str, *, prefecture: str | None = None) -> tuple[Municipality, ...]:
        """Every municipality ``name`` could denote at its most certain tier, those in
        ``prefecture`` only if there are any; empty when none."""
        key, pref = self._split_prefecture(compact_name(name), self.prefecture_code(prefecture))
        preferred = frozenset({pref}) if pref else frozenset()
        found = self._find_certain(key, pref) or self._find_fuzzy(key, preferred, everywhere=True)
        if found is None:
            return ()
        return tuple(m for m in found.candidates if m.prefecture_code == pref) or found.candidates

    def find_in_text(self, text: str, *, prefecture: str | None = None) -> list[Match]:
        """Municipalities named in ``text`` (running text or lists), in order of appearance.
        Names are found exactly anywhere; fuzzily only as list items (between separators such
        as 、・, and spaces). Ambiguous names are settled by the rest of the text; prefecture
        names count as evidence but are not returned."""
        compact, offsets, gaps = text_to_compact(text)
        hits = self._scan(compact, gaps)
        evidence = hits_to_evidence(hits, self.prefecture_code(prefecture))
        hits = sorted([*hits, *self._fuzzy_hits(compact, gaps, hits, evidence)], key=lambda h: h.start)
        matches = []
        for i, hit in enumerate(hits):
            m = self._resolve_hit(hit, hits[i - 1] if i else None, evidence)
            if m is not None and m.kind != KIND_PREFECTURE:
                stop = offsets[hit.end] if hit.end < len(offsets) else len(text)
                source = text[offsets[hit.start] : stop].rstrip()
                matches.append(Match(m, hit.found.score, hit.found.method, source))
        return matches

    def prefecture_code(self, prefecture: str | None) -> str | None:
        """Two-digit code of a prefecture given by name (北海道, 東京, 大阪府) or code (01,
        010006); None for None. An unknown value is a caller bug: ValueError."""
        if prefecture is None:
            return None
        key = fold_variants(compact_name(prefecture))
        if key.isascii() and key.isdigit() and len(key) in (2, 6):
            codes = {m.prefecture_code for m in self._prefectures.values()}
            if key[:2] in codes:
                return key[:2]
        for name, m in self._prefectures.items():
            if key in (name, name_to_stem(name)):
                return m.prefecture_code
        raise ValueError(f"unknown prefecture {prefecture!r}")

    # --- tiers ---

    def _split_prefecture(self, key: str, pref: str | None) -> tuple[str, str | None]:
        """A prefecture printed before the name (北海道伊達市) replaces the given one."""
        folded = fold_variants(key)
        for n in (3, 4):  # every prefecture name has three or four characters
            m = self._prefectures.get(folded[:n])
            if m and len(folded) > n:
                return key[n:], m.prefecture_code
        return key, pref

    def _find_certain(self, key: str, pref: str | None, *, allow_stem: bool = True) -> _Found | None:
        """Tiers 1-4 (see the module docstring)."""
        found = self._find_exact_or_variant(key)
        if found is None and (gun := _GUN.match(key)):
            found = self._find_exact_or_variant(key[gun.end() :])
        if found is None and allow_stem:
            stems = self._stems.get(key, ())
            in_pref = tuple(m for m in stems if m.prefecture_code == pref) or stems
            if len(in_pref) == 1:
                found = _Found(in_pref, "exact", STEM_SCORE)
        return found

    def _find_exact_or_variant(self, key: str) -> _Found | None:
        if key in self._exact:
            return _Found(self._exact[key], "exact", EXACT_SCORE)
        folded = self._folded.get(fold_variants(key))
        return _Found(folded, "variant", VARIANT_SCORE) if folded else None

    def _find_fuzzy(self, key: str, preferred: frozenset[str], *, everywhere: bool = False) -> _Found | None:
        """Best fuzzy candidates, in the preferred prefectures first, then (names of
        ``GLOBAL_FUZZY_MIN_LENGTH`` or more, or ``everywhere``) in all. A name printed whole
        inside the query is not a candidate: the exact tiers saw it and turned it down."""
        query = fold_variants(key)
        if not is_fuzzy_query(query):
            return None
        choices = [
            k
            for n in (len(query) - 1, len(query), len(query) + 1)
            for k in self._fuzzy_keys.get((query[-1], n), ())
            if k not in query
        ]
        cutoff = FUZZY_THRESHOLD / 100
        scored = process.extract(
            query,
            choices,
            scorer=Levenshtein.normalized_similarity,
            score_cutoff=cutoff,
            limit=None,
        )
        passes: list[frozenset[str] | None] = [preferred] if preferred else []
        if everywhere or len(query) >= GLOBAL_FUZZY_MIN_LENGTH:
            passes.append(None)
        for allowed in passes:
            best: dict[Municipality, float] = {}
            for choice, score, _ in scored:
                for m in self._folded[choice]:
                    if allowed is None or m.prefecture_code in allowed:
                        best[m] = max(score, best.get(m, 0.0))
            if best:
                top = max(best.values())
                return _Found(tuple(m for m, s in best.items() if s == top), "fuzzy", top * 100)
        return None

    def _context_evidence(self, context: str | None, pref: str | None) -> Evidence:
        if not context:
            return Evidence(pref)
        compact, _, gaps = text_to_compact(context)
        return hits_to_evidence(self._scan(compact, gaps), pref)

    # --- text scanning ---

    def _scan(self, compact: str, gaps: frozenset[int]) -> list[_Hit]:
        """Exact and variant names, longest first at each position, left to right."""
        folded = fold_variants(compact)
        hits: list[_Hit] = []
        i = 0
        while i < len(folded):
            hit = self._hit_at(compact, folded, i, gaps, hits[-1].end if hits else -1)
            if hit:
                hits.append(hit)
                i = hit.end
            else:
                i += 1
        return hits

    def _hit_at(self, compact: str, folded: str, i: int, gaps: frozenset[int], last_end: int) -> _Hit | None:
        if folded[i] not in self._first_chars:
            return None
        at_boundary = i == 0 or i in gaps or i == last_end or compact[i - 1] in _WORD_STARTS
        for end in range(min(len(folded), i + self._max_len), i + 1, -1):
            key = folded[i:end]
            if key not in self._folded or (_KANA.match(key) and not at_boundary):
                continue
            if end < len(folded) and folded[end] in _WORD_CONTINUATIONS.get(key[-1], ""):
                continue
            found = self._find_exact_or_variant(compact[i:end])
            if found:
                return _Hit(i, end, found)
        return None

    def _fuzzy_hits(self, compact: str, gaps: frozenset[int], hits: list[_Hit], evidence: Evidence) -> list[_Hit]:
        """Fuzzy matches for list items that no exact hit covers; a run that does not match
        as a whole is retried piece by piece at its spaces."""
        covered = {i for h in hits for i in range(h.start, h.end)}
        preferred = evidence.preferred_prefectures()
        out = []
        for start, end in _uncovered_runs(compact, covered):
            for s, e in [(start, end), *_split_at_gaps(start, end, gaps)]:
                gun = _GUN.match(compact[s:e])
                s += gun.end() if gun else 0
                found = self._find_fuzzy(compact[s:e], preferred)
                if found:
                    out.append(_Hit(s, e, found))
                    break
        return out

    def _resolve_hit(self, hit: _Hit, previous: _Hit | None, evidence: Evidence) -> Municipality | None:
        """A prefecture printed right before the name (東京都府中市) settles it first."""
        candidates = hit.found.candidates
        if previous and previous.end == hit.start and previous.found.candidates[0].kind == KIND_PREFECTURE:
            evidence = Evidence(previous.found.candidates[0].prefecture_code, evidence.mentions, evidence.codes)
        return candidates_to_choice(candidates, evidence)


def _uncovered_runs(compact: str, covered: set[int]) -> list[tuple[int, int]]:
    """Maximal spans of ``compact`` without separators and outside ``covered``."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, ch in enumerate(compact + "、"):
        inside = i < len(compact) and i not in covered and ch not in SEPARATORS
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _split_at_gaps(start: int, end: int, gaps: frozenset[int]) -> list[tuple[int, int]]:
    cuts = [start, *sorted(g for g in gaps if start < g < end), end]
    return [(a, b) for a, b in pairwise(cuts) if b > a] if len(cuts) > 2 else []


@cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer over the vendored list, built once per process."""
    return Gazetteer(load_municipalities())
