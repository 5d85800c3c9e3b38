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
from extractors.content.figures import Figure, period_spans, sentence_to_figures
from extractors.content.metric_subject import parsed_metric, sentence_labels
from extractors.content.running_text import Sentence, items_to_units, units_to_sentences
from extractors.model.document import Document
from extractors.model.table import Table
from extractors.normalize import nlp
from schemas.tables import MetricRow

NLP_COMPONENTS = ("tok2vec", "parser")  # tokens, tags and dependencies: all the metric rules use

# --- period -------------------------------------------------------------------------------------


def figure_to_period(sentence: Sentence, figure: Figure, figures: Sequence[Figure] = ()) -> str | None:
    """A period in brackets right after the figure (``12箇所（R5.4.1 現在）``), else the nearest
    one before it in the sentence that does not annotate another figure that way, else the first
    such one after it (``…を受け付けた（R4）。``), else the caption's, else the program heading's."""
    spans = [s for s in period_spans(sentence.text) if s[2]]
    own = annotating_period(sentence.text, figure, spans)
    if own is not None:
        return own[2]
    others = {annotating_period(sentence.text, f, spans) for f in figures if f is not figure}
    for span in reversed(spans):
        if span[1] <= figure.start and span not in others:
            return span[2]
    for span in spans:
        if span[0] >= figure.end and span not in others:
            return span[2]
    for heading in (sentence.caption, sentence.program):
        if heading is not None and heading.period:
            return heading.period
    return None


def annotating_period(text: str, figure: Figure, spans: Sequence[tuple[int, int, str]]) -> tuple[int, int, str] | None:
    """The period opening the bracket printed right after ``figure``, if any."""
    after = re.match(r"[ \t]*[(（][ \t]*", text[figure.end :])
    if after is None:
        return None
    opening = figure.end + after.end()
    return next((span for span in spans if span[0] == opening), None)


# --- extractor ----------------------------------------------------------------------------------


def sentences_to_rows(doc_id: str, sentences: Sequence[Sentence]) -> list[MetricRow]:
    """Figures of every sentence as rows. Labels are read with SudachiPy alone; GiNZA parses, in
    one batch, only the sentences holding a figure that has no label."""
    with_figures = [(s, figs) for s in sentences if (figs := sentence_to_figures(s.text))]
    labels = [sentence_labels(s, figs) for s, figs in with_figures]
    to_parse = [s.text for (s, _), found in zip(with_figures, labels, strict=True) if None in found]
    parsed = iter(nlp.parse(to_parse, components=NLP_COMPONENTS, use="metrics") if to_parse else [])
    rows: list[MetricRow] = []
    for (sentence, figures), found in zip(with_figures, labels, strict=True):
        doc = next(parsed) if None in found else None
        for figure, label in zip(figures, found, strict=True):
            metric = label if label is not None else parsed_metric(sentence, doc, figure, figures)
            rows.append(
                MetricRow(
                    doc_id=doc_id,
                    row=len(rows),
                    program=sentence.program.text if sentence.program else None,
                    metric=metric,
                    value=figure.value,
                    unit=figure.unit,
                    period=figure_to_period(sentence, figure, figures),
                    qualifier=figure.qualifier,
                    text=sentence.text,
                    **sentence.source.columns(),
                )
            )
    return rows


class MetricsExtractor(Extractor):
    """Figures in running text (text blocks) -> ``metrics``."""

    name = "metrics"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        period_spans.cache_clear()  # the caches serve one document: its lines are asked for repeatedly
        sentence_to_figures.cache_clear()
        sentences = units_to_sentences(items_to_units(document.items))
        return Extraction(metrics=tuple(sentences_to_rows(document.doc_id, sentences)))
