"""What a figure counts (its ``metric``), found in this order: the words quoted right before it
(``「共感できる」が37.2%``); the label printed right before the
figure (``相談件数 120件``, ``相談件数は120件``, ``初級コース : 8名``), read with SudachiPy alone; the
dependency parse (``延べ2,400人が参加`` -> the predicate 参加, ``25件の相談`` -> 相談, ``講座を3回開催``
-> 講座開催, ``利用者数は1,250人で`` -> the subject 利用者数); the nearest preceding noun compound in
the sentence; the caption.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extractors.content.figures import PREFIX_QUALIFIERS, Figure, period_spans, spans_overlap
from extractors.content.running_text import BULLETS, HEADING_MARKS, Heading, Sentence, remove_periods
from extractors.normalize import nlp
from extractors.normalize.textnorm import is_japanese

_CLAUSE_SEPARATORS = "、。,;【】[]"
_LABEL_LEAD = BULLETS + HEADING_MARKS + " \t:：=＝"
_LABEL_TRAIL = " \t:：=＝→はがも"
_LEADING_PERIOD_REST_RE = re.compile(r"^(?:末|時点|現在|当初|中)*(?:の|に|で|は|も|には|では)?")
MAX_LABEL = 30
FREQUENCY_WORDS = frozenset({"年", "月", "週", "日", "年間", "毎年", "毎月", "月間", "週間"})
_LEADING_QUALIFIER_RE = re.compile(rf"^(?:{'|'.join(PREFIX_QUALIFIERS)})")


def mask_periods(text: str) -> str:
    """``text`` with period expressions (and the brackets they leave empty) blanked by NULs,
    keeping every index."""
    chars = list(text)
    for start, end, _ in period_spans(text):
        chars[start:end] = "\0" * (end - start)
    masked = "".join(chars)
    return re.sub(r"[(（\[【<〈][\0 ]*[)）\]】>〉]", lambda m: "\0" * len(m.group()), masked)


def label_before(masked: str, figure: Figure, previous_end: int) -> tuple[str, int] | None:
    """The label printed right before the figure, and the index of its last character.

    Starts after the last clause separator or the previous figure; periods, bullets, ``うち``,
    colons and a trailing は / が are not part of it; only its last space-separated word is kept
    (``2回開催 参加者 35名`` -> 参加者), and 末 / の left by a period go (``令和4年度末の``).
    """
    start = max(previous_end, clause_start(masked, figure.start))
    end = start + len(masked[start : figure.start].rstrip(_LABEL_TRAIL + "\0"))
    words = re.split(r"[ \t]+", masked[start:end].strip(" \t"))
    word = words[-1] if words else ""
    after_period = "\0" in word
    label = word.rsplit("\0", 1)[-1].lstrip(_LABEL_LEAD)
    if label.startswith("うち"):
        label = label[2:]
    if after_period:
        label = _LEADING_PERIOD_REST_RE.sub("", label, count=1)
    if _LEADING_QUALIFIER_RE.sub("", label) in FREQUENCY_WORDS:
        return None  # 年3回: a rate, not what is counted
    if not label or len(label) > MAX_LABEL or not any(is_japanese(ch) or ch.isalpha() for ch in label):
        return None
    return label, end - 1


def clause_start(text: str, index: int) -> int:
    """Where the clause holding ``index`` starts: after the last 、 。 or bracket still open at
    ``index`` (a bracket closed before it is part of the label: ``計画(案)作成団体``)."""
    depth = 0
    for i in range(index - 1, -1, -1):
        ch = text[i]
        if ch in ")）":
            depth += 1
        elif ch in "(（":
            if depth == 0:
                return i + 1
            depth -= 1
        elif ch in _CLAUSE_SEPARATORS and depth == 0:
            return i + 1
    return 0


_COORDINATORS = frozenset({"と", "や", "及び", "および", "並びに", "又は", "または"})


def label_after_coordinator(doc: Any, label: str, last: int) -> str:
    """``町内会と商店街`` -> ``商店街``: of nouns joined by と / や, the one next to the figure."""
    first = last - len(label) + 1
    cut = [
        t
        for t in doc
        if first <= t.idx and t.idx + len(t.text) <= last and t.text in _COORDINATORS and t.tag_.startswith(("助詞", "接続詞"))
    ]
    return label[cut[-1].idx + len(cut[-1].text) - first :] if cut else label


_NOUN_TAGS = ("名詞", "接尾辞-名詞的", "接頭辞")


def token_is_noun(token: Any) -> bool:
    tag = token.tag_
    return tag.startswith(_NOUN_TAGS) and not tag.startswith("名詞-数詞")


def token_at(doc: Any, index: int) -> Any | None:
    for token in doc:
        if token.idx <= index < token.idx + len(token.text):
            return token
    return None


def compound_text(doc: Any, head: Any, blocked: Sequence[tuple[int, int]]) -> str | None:
    """The noun compound ending at ``head``: contiguous nouns (and ・ between them) to its left."""
    if not token_is_noun(head) or spans_overlap(head.idx, head.idx + len(head.text), blocked):
        return None
    first = head.i
    while first > 0:
        prev = doc[first - 1]
        inside = spans_overlap(prev.idx, prev.idx + len(prev.text), blocked)
        part = token_is_noun(prev) or prev.tag_.startswith("形状詞")  # 新規 in 新規登録者数
        if inside or prev.whitespace_ or not (part or prev.text == "・" and first - 2 >= 0 and token_is_noun(doc[first - 2])):
            break
        first -= 1
    return doc[first : head.i + 1].text.strip() or None


def figure_tokens(doc: Any, figure: Figure) -> list[Any]:
    return [t for t in doc if t.idx < figure.end and figure.number_start < t.idx + len(t.text)]


def _dep(token: Any) -> str:
    return token.dep_.split("_")[0]


def dependency_metric(doc: Any, figure: Figure, blocked: Sequence[tuple[int, int]]) -> str | None:
    """The metric from the parse: the subject of the predicate the figure is (or attaches to),
    the noun it modifies (``25件の相談``), or the predicate itself when the figure is its
    subject (``延べ2,400人が参加``); a verbal predicate with an object gives both (講座開催)."""
    tokens = figure_tokens(doc, figure)
    if not tokens:
        return None
    indexes = {t.i for t in tokens}
    anchor = next((t for t in reversed(tokens) if t.head.i not in indexes or t.head.i == t.i), tokens[-1])
    subject = _child(anchor, "nsubj", indexes, blocked)
    if subject is not None:
        return compound_text(doc, subject, blocked)
    if anchor.head.i == anchor.i:
        return None
    head, dep = anchor.head, _dep(anchor)
    if dep == "nsubj":
        return compound_text(doc, head, blocked) or head.lemma_ or None
    if dep in ("nmod", "compound") and head.i > anchor.i and token_is_noun(head) and _has_case(anchor, "の"):
        return compound_text(doc, head, blocked)
    for _ in range(3):  # up through subordinate predicates (…増え、58人となった)
        subject = _child(head, "nsubj", indexes, blocked)
        if subject is not None:
            return compound_text(doc, subject, blocked)
        obj = _child(head, "obj", indexes, blocked)
        if obj is not None:
            target = compound_text(doc, obj, blocked)
            verbal = "サ変" in head.tag_
            return f"{target}{head.text}" if target and verbal else target
        if _dep(head) not in ("advcl", "conj") or head.head.i == head.i:
            break
        head = head.head
    return None


def _child(token: Any, dep: str, exclude: set[int], blocked: Sequence[tuple[int, int]]) -> Any | None:
    """The first child with relation ``dep`` that is neither in the figure nor a period (H30は)."""
    return next(
        (
            c
            for c in token.children
            if _dep(c) == dep and c.i not in exclude and not spans_overlap(c.idx, c.idx + len(c.text), blocked)
        ),
        None,
    )


def _has_case(token: Any, case: str) -> bool:
    return any(c.dep_ == "case" and c.text == case for c in token.children)


def preceding_compound(doc: Any, figure: Figure, blocked: Sequence[tuple[int, int]]) -> str | None:
    """The nearest noun compound before the figure in the sentence, other figures and periods
    skipped."""
    for token in reversed([t for t in doc if t.idx + len(t.text) <= figure.start]):
        if (
            spans_overlap(token.idx, token.idx + len(token.text), blocked)
            or not token_is_noun(token)
            or token.text in FREQUENCY_WORDS
        ):
            continue
        return compound_text(doc, token, blocked)
    return None


def caption_metric(caption: Heading | None) -> str | None:
    """The caption's words without its period: ``令和4年度 貸出実績`` -> ``貸出実績``."""
    if caption is None:
        return None
    rest = _LEADING_PERIOD_REST_RE.sub("", remove_periods(caption.text).strip(), count=1).strip()
    return rest or None


@dataclass(frozen=True)
class Morph:
    """A SudachiPy morpheme with its offset: enough for the label rule, no parse needed."""

    text: str
    idx: int
    tag_: str


def sentence_to_morphs(text: str) -> list[Morph]:
    """Morphemes of ``text`` with offsets and GiNZA-style tags (名詞-普通名詞-一般)."""
    out, idx = [], 0
    for m in nlp.tokens(text, use="metrics-morphology"):
        out.append(Morph(m.surface, idx, "-".join(p for p in m.pos[:4] if p != "*")))
        idx += len(m.surface)
    return out


def label_metric(morphs: Sequence[Any], figure: Figure, figures: Sequence[Figure], masked: str) -> str | None:
    """The label rule (first rule of the module docstring): a label ending in a noun."""
    previous_end = max((f.end for f in figures if f.end <= figure.start), default=0)
    found = label_before(masked, figure, previous_end)
    if found is None:
        return None
    label, last = found
    token = token_at(morphs, last)
    if token is None or not token_is_noun(token):
        return None
    return subject_or_none(label_after_coordinator(morphs, label, last) or label)


# Words that say how a figure moved or what it is compared with, not what it counts (前年度比,
# 増, 減収, 全体の23.9%): never a metric; a label ending in a comparison keeps what comes before it
# (``歳入総額は前年度比`` -> 歳入総額).
NOT_SUBJECT_WORDS = frozenset({"増", "減", "増加", "減少", "増額", "減額", "増収", "減収", "大幅", "全体", "合計"})
COMPARISON_END_RE = re.compile(r"(?:前年度?比|前年同期比|前年同月比|前回比|対前年度?比?|比較|比べ)$")
_TOPIC_PARTICLES_RE = re.compile(r"(?:につきましては|については|では|は|が|で)$")


def subject_or_none(label: str | None) -> str | None:
    """``label`` as a metric, or None when it names no quantity (see ``NOT_SUBJECT_WORDS``)."""
    if not label:
        return None
    if COMPARISON_END_RE.search(label):
        label = _TOPIC_PARTICLES_RE.sub("", COMPARISON_END_RE.sub("", label))
    return None if not label or label in NOT_SUBJECT_WORDS else label


def genitive_before(doc: Any, figure: Figure, blocked: Sequence[tuple[int, int]]) -> str | None:
    """``目標の1,000人`` -> 目標: the noun compound joined to the figure by の right before it."""
    before = [t for t in doc if t.idx + len(t.text) <= figure.start]
    if len(before) < 2 or before[-1].text != "の" or before[-1].idx + 1 != figure.start:
        return None
    return compound_text(doc, before[-2], blocked)


def nearest_subject(doc: Any, figure: Figure, blocked: Sequence[tuple[int, int]]) -> str | None:
    """The subject (nsubj: ``地方交付税総額は``, ``市税が``) nearest before the figure that names a
    quantity: what a sentence about several figures is about when the words next to the figure
    only say how it moved."""
    for token in reversed([t for t in doc if t.idx + len(t.text) <= figure.start]):
        if _dep(token) == "nsubj" and not spans_overlap(token.idx, token.idx + len(token.text), blocked):
            subject = subject_or_none(compound_text(doc, token, blocked))
            if subject:
                return subject
    return None


def parsed_metric(sentence: Sentence, doc: Any, figure: Figure, figures: Sequence[Figure]) -> str | None:
    """The other rules, in order: dependency parse, the noun joined to the figure by の (目標の1,000人),
    the nearest subject before the figure, nearest preceding noun compound, caption (none of them a word that only says how the figure moved)."""
    blocked = [(s, e) for s, e, _ in period_spans(sentence.text)] + [(f.start, f.end) for f in figures]
    return (
        subject_or_none(dependency_metric(doc, figure, blocked))
        or subject_or_none(genitive_before(doc, figure, blocked))
        or nearest_subject(doc, figure, blocked)
        or subject_or_none(preceding_compound(doc, figure, blocked))
        or caption_metric(sentence.caption)
    )


def sentence_labels(sentence: Sentence, figures: Sequence[Figure]) -> list[str | None]:
    morphs = sentence_to_morphs(sentence.text)
    masked = mask_periods(sentence.text)
    return [quoted_label(masked, figure, figures) or label_metric(morphs, figure, figures, masked) for figure in figures]


# An answer or item quoted right before its figure: 「観光地のにぎわいが増えた」が60.9%, 「林業」が7.1.
QUOTED_LABEL_RE = re.compile(r"「(?P<label>[^「」]{1,40})」[ \t]*(?:が|は|の割合は|と回答した割合が|と回答した割合は)[ \t]*$")


def quoted_label(masked: str, figure: Figure, figures: Sequence[Figure]) -> str | None:
    """The quoted words right before the figure (only が / は between): what the figure counts."""
    previous_end = max((f.end for f in figures if f.end <= figure.start), default=0)
    match = QUOTED_LABEL_RE.search(masked, previous_end, figure.start)
    return match["label"].strip() if match else None

