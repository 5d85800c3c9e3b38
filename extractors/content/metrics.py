"""Figures stated in running text (``相談件数 120件``) -> ``metrics`` rows.

The recipe, one small function per step:

    text blocks -> units: heading, caption or content lines      ``running_text.items_to_units``
                -> sentences with their program and caption      ``running_text.units_to_sentences``
                -> figures, by a cheap regular expression        ``figures.sentence_to_figures``
                -> labels read with SudachiPy alone                ``metric_subject.label_metric``
                -> one batched GiNZA parse (tok2vec + parser) of the sentences holding a figure
                   without a label
                -> metric, period, qualifier per figure          ``metric_subject.parsed_metric`` …
                -> MetricRow
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.content.figure_meaning import FigureMeaning, Kind, Role, figures_to_meanings, signed_value
from extractors.content.figures import Figure, period_spans, sentence_to_figures, spans_overlap
from extractors.content.metric_subject import parsed_metric, sentence_labels
from extractors.content.running_text import Sentence, items_to_units, last_era, units_to_sentences
from extractors.model.document import Document
from extractors.model.table import Table
from extractors.normalize import nlp
from extractors.normalize.periods import era_year_to_western
from schemas.quality import Code, Issue, Severity
from schemas.tables import MetricRow

NLP_COMPONENTS = ("tok2vec", "parser")  # tokens, tags and dependencies: all the metric rules use

# --- period -------------------------------------------------------------------------------------


def figure_to_period(sentence: Sentence, figure: Figure, figures: Sequence[Figure] = (), kind: Kind | None = None) -> str | None:
    """A period in brackets right after the figure (``12箇所（R5.4.1 現在）``), else the nearest
    one before it in the sentence that does not annotate another figure that way, else the first
    such one after it (``…を受け付けた（R4）。``), else the one its paragraph stated before it (or its
    lead), else the caption's, else the program heading's, else the period of the caption opening its
    page (``平成30年度 決算報告``). A change after two periods is the change
    between them (``1985年の2,068人から2010年には995人…1,073人の減少`` -> ``1985/2010``). A period
    that names an act (``令和8年税制改正``) is no figure's period; a bare ``24年`` takes the era its
    sentence or paragraph named last (``平成24年…。24年は`` -> ``2012``)."""
    stated = [s for s in period_spans(sentence.text) if s[2] and not names_an_act(sentence.text, s)]
    spans = sorted([with_duration(sentence.text, s) for s in stated] + bare_year_spans(sentence))
    own = annotating_period(sentence.text, figure, spans)
    if own is not None:
        return own[2]
    others = {annotating_period(sentence.text, f, spans) for f in figures if f is not figure}
    if kind is Kind.CHANGE:
        span = change_span(spans, figure, others)
        if span is not None:
            return span
    for span in reversed(spans):
        if span[1] <= figure.start and span not in others:
            return span[2]
    for span in spans:
        if span[0] >= figure.end and span not in others:
            return span[2]
    if sentence.context_period:
        return sentence.context_period
    for heading in (sentence.caption, sentence.program):
        if heading is not None and heading.period:
            return heading.period
    return sentence.page_period


ACT_AFTER_PERIOD_RE = re.compile(r"[ \t]*(?:税制改正|改正|策定|施行|制定|閣議決定|告示|公布)")


DURATION_AFTER_PERIOD_RE = re.compile(r"[ \t]*からの?[ \t]*(?P<n>\d{1,2})[ \t]*(?:か年|年間)")
_YEAR_RE = re.compile(r"(?P<fy>FY)?(?P<y>\d{4})")


def with_duration(text: str, span: tuple[int, int, str]) -> tuple[int, int, str]:
    """``令和8年度からの3年間`` -> ``FY2026/FY2028``: a year followed by a number of years from it."""
    duration, year = DURATION_AFTER_PERIOD_RE.match(text, span[1]), _YEAR_RE.fullmatch(span[2])
    if duration is None or year is None or int(duration["n"]) < 2:
        return span
    prefix, first = year["fy"] or "", int(year["y"])
    return span[0], span[1], f"{prefix}{first}/{prefix}{first + int(duration['n']) - 1}"


BARE_YEAR_RE = re.compile(r"(?<![\d.,年度])(?P<y>\d{1,2})(?P<suffix>年度|年)(?!間|で|ぶり|連続|後|前|以上|以内|程度|余り|にわたり|ごと|毎|\d)")


def bare_year_spans(sentence: Sentence) -> list[tuple[int, int, str]]:
    """``24年は…`` in a paragraph about 平成: the year of the era its sentence or paragraph named last
    before it (calendar for 年, fiscal for 年度); none without such an era."""
    spans = []
    for match in BARE_YEAR_RE.finditer(sentence.text):
        if spans_overlap(match.start(), match.end(), [(s, e) for s, e, _ in period_spans(sentence.text)]):
            continue  # part of a period already read (令和8年, 平成24年～26年)
        era = last_era(sentence.text[: match.start()]) or sentence.context_era
        year = era_year_to_western(era, match["y"]) if era else None
        if year is not None:
            spans.append((match.start(), match.end(), f"FY{year}" if match["suffix"] == "年度" else str(year)))
    return spans


def names_an_act(text: str, span: tuple[int, int, str]) -> bool:
    """``令和8年税制改正``: a period that is part of an act's name."""
    return bool(ACT_AFTER_PERIOD_RE.match(text, span[1]))


def change_span(spans: Sequence[tuple[int, int, str]], figure: Figure, others: set) -> str | None:
    """``first/last`` of the last two single periods before a change figure, if it has two."""
    points = [p for start, end, p in spans if end <= figure.start and "/" not in p and (start, end, p) not in others]
    if len(points) < 2 or points[-2] == points[-1]:
        return None
    return f"{points[-2]}/{points[-1]}"


def annotating_period(text: str, figure: Figure, spans: Sequence[tuple[int, int, str]]) -> tuple[int, int, str] | None:
    """The period opening the bracket printed right after ``figure``, if any."""
    after = re.match(r"[ \t]*[(（][ \t]*", text[figure.end :])
    if after is None:
        return None
    opening = figure.end + after.end()
    return next((span for span in spans if span[0] == opening), None)


# --- confidence -----------------------------------------------------------------------------------

CONFIDENCE_THRESHOLD = 0.5  # figures read with less go to quality (figure-uncertain), not to metrics
_JAPANESE_RE = re.compile(r"[\u3041-\u30ff\u3400-\u9fff]")


def words_around(text: str, figures: Sequence[Figure]) -> int:
    """How many Japanese letters the sentence holds besides its figures and periods."""
    blocked = sorted([(f.start, f.end) for f in figures] + [(s, e) for s, e, _ in period_spans(text)])
    kept = [ch for i, ch in enumerate(text) if not any(s <= i < e for s, e in blocked)]
    return len(_JAPANESE_RE.findall("".join(kept)))


def is_axis(text: str, figures: Sequence[Figure]) -> bool:
    """A chart's axis labels (``0% 10% 20% 30%``): three or more evenly spaced values of one unit
    with no words around them."""
    if len(figures) < 3 or words_around(text, figures) or len({f.unit for f in figures}) != 1:
        return False
    steps = {b.value - a.value for a, b in zip(figures, figures[1:], strict=False)}
    return len(steps) == 1 and steps != {0}


def figure_confidence(metric: str | None, words: int, dated: bool) -> float:
    """1, less 0.3 without a metric, 0.3 with no words around the figures and no period either
    (a chart label or a list of numbers; ``H30 : 27,452千円`` is a period's figure), 0.2 with fewer
    than four words (a fragment of a broken line)."""
    confidence = 1.0 - (0.3 if not metric else 0.0)
    if not dated:
        confidence -= 0.3 if words == 0 else 0.2 if words < 4 else 0.0
    return round(confidence, 2)


# --- extractor ----------------------------------------------------------------------------------


def sentences_to_rows(doc_id: str, sentences: Sequence[Sentence]) -> tuple[list[MetricRow], list[Issue]]:
    """Figures of every sentence as rows, and the figures read with too little confidence as
    issues. Numbers that are no figures (see ``figure_meaning``) and axis labels are left out.
    Labels are read with SudachiPy alone; GiNZA parses, in one batch, only the sentences holding
    a figure that has no label."""
    with_figures = [(s, figs) for s in sentences if (figs := stated_figures(s.text))]
    labels = [sentence_labels(s, [f for f, _ in figs]) for s, figs in with_figures]
    to_parse = [s.text for (s, _), found in zip(with_figures, labels, strict=True) if None in found]
    parsed = iter(nlp.parse(to_parse, components=NLP_COMPONENTS, use="metrics") if to_parse else [])
    rows: list[MetricRow] = []
    issues: list[Issue] = []
    for (sentence, pairs), found in zip(with_figures, labels, strict=True):
        doc = next(parsed) if None in found else None
        figures = [f for f, _ in pairs]
        words, dated = words_around(sentence.text, figures), bool(period_spans(sentence.text))
        for (figure, meaning), label in zip(pairs, found, strict=True):
            metric = label if label is not None else parsed_metric(sentence, doc, figure, figures)
            confidence = figure_confidence(metric, words, dated)
            row = MetricRow(
                doc_id=doc_id,
                row=len(rows),
                program=sentence.program.text if sentence.program else None,
                metric=metric,
                value=signed_value(figure.value, meaning),
                unit=figure.unit,
                period=figure_to_period(sentence, figure, figures, meaning.kind),
                qualifier=figure.qualifier,
                text=sentence.text,
                kind=str(meaning.kind),
                confidence=confidence,
                **sentence.source.columns(),
            )
            if confidence < CONFIDENCE_THRESHOLD:
                issues.append(uncertain_figure_issue(row, figure, sentence))
            else:
                rows.append(row)
    return rows, issues


def stated_figures(text: str) -> list[tuple[Figure, FigureMeaning]]:
    """The figures of a sentence that are stated figures, with their meaning."""
    figures = sentence_to_figures(text)
    if is_axis(text, figures):
        return []
    return [(f, m) for f, m in zip(figures, figures_to_meanings(text, figures), strict=True) if m.role is Role.FIGURE]


def uncertain_figure_issue(row: MetricRow, figure: Figure, sentence: Sentence) -> Issue:
    message = (f"{figure.printed} read with confidence {row.confidence} (metric {row.metric or 'not found'}) "
               f"in «{sentence.text[:80]}»: not written to metrics")  # fmt: skip
    return Issue(Code.FIGURE_UNCERTAIN, Severity.INFO, message, "metrics", f"page {row.page}, line {sentence.line}")


class MetricsExtractor(Extractor):
    """Figures in running text (text blocks) -> ``metrics``."""

    name = "metrics"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        period_spans.cache_clear()  # the caches serve one document: its lines are asked for repeatedly
        sentence_to_figures.cache_clear()
        sentences = units_to_sentences(items_to_units(document.items))
        rows, issues = sentences_to_rows(document.doc_id, sentences)
        return Extraction(metrics=tuple(rows), issues=tuple(issues))
