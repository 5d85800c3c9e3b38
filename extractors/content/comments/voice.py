"""Does a unit ask (opinion) or answer (administration)? SudachiPy sentence endings, and the table's own style for units without them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from extractors.content.comments.header import BULLET_RE, MARKER_RE
from extractors.content.comments.units import Cue, Unit
from extractors.normalize.nlp import Morpheme, iter_tokens

NLP_USE = "comments"  # the SudachiPy use this extractor is counted under

def split_soft_units(units: Sequence[Unit], part_voices: Sequence[Sequence[Voice]]) -> tuple[list[Unit], list[Voice]]:
    """Split units at soft boundaries where the voice changes side; a part without evidence
    goes with the part after it (a lead sentence: 利用者が減っている。…してほしい)."""
    out: list[Unit] = []
    voices: list[Voice] = []
    for unit, part_voice in zip(units, part_voices, strict=True):
        labels = parts_to_labels([v.score for v in part_voice])
        start = 0
        for k in range(1, len(unit.parts) + 1):
            if k == len(unit.parts) or labels[k] != labels[k - 1]:
                out.append(replace(unit, parts=unit.parts[start:k], cue=unit.cue if start == 0 else Cue.NONE, label=unit.label if start == 0 else None))
                style = part_voice[k - 1].style | {m for m in part_voice[start].style if m.startswith("marker:")}
                voices.append(Voice(sum(v.score for v in part_voice[start:k]), style))
                start = k
    return out, voices


def parts_to_labels(voices: Sequence[int]) -> list[int]:
    """Sign of each part's voice; 0 takes the next non-zero sign (else the previous one)."""
    labels = [(v > 0) - (v < 0) for v in voices]
    for i in range(len(labels) - 2, -1, -1):
        if labels[i] == 0:
            labels[i] = labels[i + 1]
    for i in range(1, len(labels)):
        if labels[i] == 0:
            labels[i] = labels[i - 1]
    return labels



# --- voice: does a unit ask (opinion) or answer (administration)? ---------------------------------

# Voice scores: negative = opinion (asks, proposes, questions), positive = the administration's
# answer, 0 = no evidence. Decided by the sentence's final modality: rules are tried from the
# outermost (sentence-final) form inward, first match wins, so 必要があると考えております is
# an answer (おる) and 必要ではないか an opinion (か).
WINDOW = 8  # morphemes at the end of a sentence that carry its modality

Rule = tuple[str, Callable[[Sequence[Morpheme]], bool], int]


def _lemmas(window: Sequence[Morpheme]) -> list[str]:
    return [m.lemma for m in window]


def _has(*lemmas: str) -> Callable[[Sequence[Morpheme]], bool]:
    return lambda w: any(m.lemma in lemmas for m in w)


def _followed(first: str, then: str, gap: int = 1) -> Callable[[Sequence[Morpheme]], bool]:
    """``first`` with ``then`` at most ``gap`` morphemes later (まいる+たい, いく+たい)."""

    def match(w: Sequence[Morpheme]) -> bool:
        lem = _lemmas(w)
        return any(a == first and then in lem[i + 1 : i + 1 + gap] for i, a in enumerate(lem))

    return match


def _auxiliary(lemma: str) -> Callable[[Sequence[Morpheme]], bool]:
    """``lemma`` as a bound (非自立) verb after て: 考えて-おる, 進めて-まいる."""

    def match(w: Sequence[Morpheme]) -> bool:
        return any(m.lemma == lemma and i > 0 and w[i - 1].lemma == "て" for i, m in enumerate(w))

    return match


def _last_noun(*nouns: str, after_past: bool = False) -> Callable[[Sequence[Morpheme]], bool]:
    """The sentence ends in ``noun`` (+ copula/polite): …ところ(です), …したもの(です);
    no nouns: any noun after a past relative clause (…に開始した事業です)."""

    def match(w: Sequence[Morpheme]) -> bool:
        tail = list(w)
        while tail and tail[-1].lemma in COPULA:
            tail.pop()
        if not tail or tail[-1].pos[0] != "名詞" or (nouns and tail[-1].lemma not in nouns):
            return False
        return not after_past or (len(tail) > 1 and tail[-2].lemma == "た")

    return match


def _question(w: Sequence[Morpheme]) -> bool:
    return bool(w) and w[-1].pos[1] == "終助詞" and w[-1].lemma in ("か", "かな", "かしら")


def _humble_giving(w: Sequence[Morpheme]) -> bool:
    """させていただく (the office's humble 'we will'), not いただきたい (a request)."""
    lem = _lemmas(w)
    return any(a == "いただく" and "せる" in lem[max(0, i - 3) : i] and "たい" not in lem[i + 1 : i + 2] for i, a in enumerate(lem))


def _request(w: Sequence[Morpheme]) -> bool:
    """してもらいたい, してほしい, してください, いただきたい, お願いしたい, 希望する,
    求める (not 求められる)."""
    lem = _lemmas(w)
    for i, a in enumerate(lem):
        rest = lem[i + 1 : i + 3]
        if a in ("もらう", "いただく") and "たい" in rest:
            return True
        if a in ("ほしい", "くださる", "下さる", "願う", "望む", "要望", "要請"):
            return True
        if a == "希望" and "する" in rest:
            return True
        if a == "求める" and not {"れる", "られる"} & set(rest):
            return True
    return False


def _suggestion(w: Sequence[Morpheme]) -> bool:
    """…すると良い, …てもいい, …が望ましい: an evaluative adjective as the predicate."""
    return any(m.pos[0] == "形容詞" and m.lemma in ("良い", "よい", "いい", "望ましい") for m in w[-4:])


def _plain_or_passive_think(w: Sequence[Morpheme]) -> bool:
    """と考える / と考えられる (the observer), not と考えます (the office, polite)."""
    lem = _lemmas(w)
    return "考える" in lem and "ます" not in lem[lem.index("考える") :]


def _past_report(w: Sequence[Morpheme]) -> bool:
    """A plain report of what was done (…が参加した, …を開催しました)."""
    tail = [m for m in w if m.lemma not in COPULA or m.lemma == "た"]
    return bool(tail) and tail[-1].lemma == "た" and not {"思う", "感じる"} & set(_lemmas(w))


ACTION_TAIL = frozenset({"ます", "た", "て", "いる", "です"})


def _action_report(w: Sequence[Morpheme]) -> bool:
    """An action reported in the active voice (公表しています, 開催した, 調査を行う):
    what the office does. Passives (…が注目されている) describe the world, and stay neutral."""
    tail = list(w)
    while tail and tail[-1].lemma in ACTION_TAIL:
        tail.pop()
    if len(tail) < 2:
        return False
    last, before = tail[-1], tail[-2]
    return (last.lemma == "する" and before.pos[2] == "サ変可能") or last.lemma == "行う"


def _polite_commitment(w: Sequence[Morpheme]) -> bool:
    """An action verb in the polite non-past (実施します, 検討します): the office's plain promise."""
    if len(w) < 2 or w[-1].lemma != "ます" or not w[-1].pos[5].startswith("終止形"):
        return False
    verb = w[-2]
    return verb.pos[0] == "動詞" and verb.lemma not in ("いる", "ある", "なる", "思う", "願う", "おる")


COPULA = frozenset({"だ", "です", "ある", "ます", "である"})

ENDING_RULES: tuple[Rule, ...] = (
    ("question (…か)", _question, -3),
    ("humble progressive (…てまいる)", _auxiliary("まいる"), 3),
    ("humble giving (…させていただく)", _humble_giving, 3),
    ("humble state (…ておる)", _auxiliary("おる"), 3),
    ("obligation (…べき)", _has("べし"), -3),
    ("request (…てもらいたい, …てほしい)", _request, -3),
    ("intention (…ていきたい)", _followed("いく", "たい"), 2),
    ("wish (…たい)", _has("たい"), -2),
    ("schedule (…予定)", _last_noun("予定"), 2),
    ("in progress (…ところ)", _last_noun("ところ"), 2),
    ("explanation (…したもの)", _last_noun("もの", after_past=True), 2),
    ("explanation, other noun (…に開始した事業です)", _last_noun(after_past=True), 1),
    ("humble do (…いたす), endeavour (…努める)", _has("いたす", "致す", "努める"), 2),
    ("impression (…と思う, …と感じる)", _has("思う", "感じる"), -2),
    ("concern (…が心配, …懸念, …残念)", _has("心配", "懸念", "不安", "疑問", "残念"), -2),
    ("need (…必要)", _has("必要"), -2),
    ("suggestion (…と良い, …が望ましい)", _suggestion, -2),
    ("consideration, plain (…と考える)", _plain_or_passive_think, -1),
    ("consideration, polite (…と考えます)", _has("考える"), 1),
    ("expectation (…期待)", _has("期待"), -1),
    ("report (…した)", _past_report, 1),
    ("polite commitment (…します)", _polite_commitment, 1),
    ("action report (…を公表している)", _action_report, 1),
)
HONORIFIC_PREFIXES = frozenset({"御", "ご", "お"})
ADDRESSED_NOUNS = frozenset({"意見", "指摘", "提案", "要望", "質問", "提言"})
ADDRESSING_SCORE = 2  # ご意見を踏まえ, ご指摘の点: the office addresses the commenter


def sentence_to_voice(morphemes: Sequence[Morpheme]) -> int:
    """Score of one sentence's ending (see ``ENDING_RULES``)."""
    words = [m for m in morphemes if m.pos[0] not in ("補助記号", "空白")]
    window = words[-WINDOW:]
    for _, matches, score in ENDING_RULES:
        if matches(window):
            return score
    return 0


def morphemes_to_sentences(morphemes: Sequence[Morpheme]) -> list[list[Morpheme]]:
    sentences: list[list[Morpheme]] = [[]]
    for m in morphemes:
        sentences[-1].append(m)
        if m.pos[1] == "句点" or m.surface in ("?", "!", "？", "！"):
            sentences.append([])
    return [s for s in sentences if any(m.pos[0] not in ("補助記号", "空白") for m in s)]


@dataclass(frozen=True)
class Voice:
    """Evidence of one unit: ``score`` < 0 opinion, > 0 answer (see ``ENDING_RULES``); ``style``
    the unit's form, which says nothing alone but may tell the columns of one table apart:
    ``polite`` / ``plain`` (です/ます or not in its last sentence), ``marker:○`` (its bullet)."""

    score: int
    style: frozenset[str] = frozenset()


POLITE_AUXILIARIES = frozenset({"です", "ます", "ござる", "くださる", "下さる"})


def sentence_style(morphemes: Sequence[Morpheme]) -> str | None:
    words = [m for m in morphemes if m.pos[0] not in ("補助記号", "空白")]
    if not words:
        return None
    return "polite" if any(m.lemma in POLITE_AUXILIARIES for m in words[-3:]) else "plain"


def morphemes_to_voice(morphemes: Sequence[Morpheme]) -> Voice:
    """A unit's voice: the sum over its sentences, plus the honorific address of the commenter."""
    sentences = morphemes_to_sentences(morphemes)
    score = sum(sentence_to_voice(s) for s in sentences)
    addressed = any(
        a.pos[0] == "接頭辞" and a.lemma in HONORIFIC_PREFIXES and b.lemma in ADDRESSED_NOUNS for a, b in pairwise(morphemes)
    )
    style = sentence_style(sentences[-1]) if sentences else None
    return Voice(score + (ADDRESSING_SCORE if addressed else 0), frozenset({style} if style else ()))


def units_to_part_voices(units: Sequence[Unit]) -> list[list[Voice]]:
    """The voice of every part of every unit: one batched SudachiPy pass (markers and headings
    removed first); the bullet marker joins the style of the unit's first part."""
    texts = [part_body(part) for unit in units for part in unit.parts]
    flat = iter(morphemes_to_voice(ms) for ms in iter_tokens(texts, use=NLP_USE))
    out = []
    for unit in units:
        voices = [next(flat) for _ in unit.parts]
        marker = unit_marker(unit.parts[0])
        if marker:
            voices[0] = replace(voices[0], style=voices[0].style | {"marker:" + marker})
        out.append(voices)
    return out


def unit_marker(text: str) -> str:
    match = MARKER_RE.match(text.split("\n")[-1])
    return match.group(0) if match else ""


STYLE_MIN_UNITS = 2  # confident units with a style value needed before it counts as evidence
STYLE_PURITY = 0.8  # share of them that must lie in one column


def voices_to_scores(voices: Sequence[Voice]) -> list[int]:
    """Scores, with the table's own form breaking ties: where the confidently voiced units with
    a style value (polite, plain, a bullet marker) lie almost all in one column, a unit without
    evidence that has that value leans (±1) to that column. A value both columns use (the same
    marker, the same politeness) is no evidence."""
    votes: dict[str, int] = {}
    for value in {value for v in voices for value in v.style}:
        answers = sum(1 for v in voices if value in v.style and v.score >= 2)
        opinions = sum(1 for v in voices if value in v.style and v.score <= -2)
        total = answers + opinions
        if total >= STYLE_MIN_UNITS and max(answers, opinions) >= STYLE_PURITY * total:
            votes[value] = 1 if answers > opinions else -1
    scores = []
    for v in voices:
        lean = sum(votes.get(value, 0) for value in v.style)
        scores.append(v.score if v.score else (lean > 0) - (lean < 0))
    return scores


def part_body(text: str) -> str:
    last = text.split("\n")[-1]
    return BULLET_RE.sub("", last, count=1).strip() or last
