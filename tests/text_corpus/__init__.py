"""Seeded generator of planning-report text with known truth: region lists and stated figures.

A document is a run of sections. A *region section* is a heading, a sentence stating how many
areas and municipalities take part (letter-spaced digits often, a wrong count now and then), and
2–5 region lists of real neighbouring municipalities (consecutive codes of one prefecture) in one
of five layouts: table rows with a start-year column, bullets with brackets, colon lists, a
``構成市町村：`` label inside the bracket, or a bracket inside a sentence. The damage is the kind
real extraction does (see the 001 sample): one kanji of a member or area name swapped for a
look-alike (OCR), lists broken over lines (with blank lines between, sometimes inside a name),
letter-spaced names and counts; plus lines that look like lists and are not (地域の居場所づくり
（…を含む）, 首都圏（東京都・神奈川県）).

A *figure section* is a heading in one of seven styles and 2–4 paragraphs drawn from templates of
municipal report vocabulary: a figure as the predicate (``相談件数は813件となった``), as a label and
value (``- 受講者数 70名``), under a caption with the period (``【令和4年度実績】``), as the subject
of a verbal noun (``延べ230人が参加した``), before the noun it counts (``25件の相談に対応``),
amounts with scale words, qualifiers (約, 延べ, うち, 以上), ranges of dates, unitless ratios; and
distractors that hold digits but no figure (dates, 第3期, page footers, phone numbers, ages).

Truth per document: the regions with their members (code, official name, printed form), the count
statements (and whether they match the lists), and every figure (program, metric, value, unit,
period, qualifier). Used by tests/test_regions.py and tests/test_metrics.py.

Modules: ``words`` (vocabulary and truth types), ``region_sections``, ``figures`` (periods,
values, paragraphs) and ``documents`` (the sections in turn); the entry points are importable
from here.
"""

from __future__ import annotations

from tests.text_corpus.documents import generate_corpus, generate_doc
from tests.text_corpus.words import CorpusDoc, TrueCount, TrueFigure, TrueMember, TrueRegion

__all__ = ["CorpusDoc", "TrueCount", "TrueFigure", "TrueMember", "TrueRegion", "generate_corpus", "generate_doc"]
