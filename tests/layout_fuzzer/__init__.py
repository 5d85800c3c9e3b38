"""Layout fuzzer: one logical table rendered in many layouts, and a scorer for what keikaku reads back.

A plan prints the same table in endless ways (ruled or not, category labels repeated, merged or
printed once, member names stacked, headers repeated per page or not, subtotals per page, cells
with line breaks), and readers meet it as a PDF or as one of its text extractions. The fuzzer
draws a *logical* table from a seed (the truth, in SPEC's canonical terms), renders it in a
*layout* and extracts every *form* from the rendering; every form of every layout of one table
must give the same canonical rows.

Pipeline of this package, each step a small pure function where it can be::

    Variant(family, seed, Layout)
      -> LogicalTable (family generator: rows in "repeat" form + Truth)
      -> Sheet (layout applied: label placement, merges, borders, page breaks, per-page totals)
      -> PDF (LibreOffice from flat ODS, or reportlab for a drawn borderless table)
      -> forms: the PDF, pdfplumber text, pdfplumber layout text, pdftotext -layout,
         tab-separated text as a spreadsheet copy gives it (clipboard quoting, or bare)
      -> extract_file (keikaku's per-document stages) -> score (per family, against the Truth)

Families: ``participation`` (projects under 2-level categories × 6-12 members, ●/○/blank, a 合計
per project, ●の数 / ○の数 / 合計 per member), ``catalog`` (projects under 3-level categories with
事業費（千円） and/or 担当課) and ``timeseries`` (grouped series with 小計 / 計 rows that add up ×
periods whose era changes, ▲ negatives, a 単位 caption).

Group labels: a table is drawn so that labels printed once at the top or at the bottom of their
span determine the grouping even where nothing shows the spans (a text form has no rules):
whatever convention a reader assumes (top, middle, bottom), the table itself refutes the wrong
ones (``paths_fit_placements``). Labels printed mid-span cannot be made so in general ((3, 3) and
(4, 2) rows put them on the same rows), so the scorer sets apart the rows a form leaves open
(``open_projects``); a ruled PDF's boxes, a merged label's exact middle in a PDF and a spreadsheet
copy (a merged label in its first row) close them. Time-series groups end in their 小計 / 増減 row,
which delimits them.

Regenerate the committed fast subset (needs LibreOffice Calc, poppler-utils, IPA fonts), or
render subset variants with every form into a folder to look at them::

    .venv/bin/python -m tests.layout_fuzzer --subset
    .venv/bin/python -m tests.layout_fuzzer --render /tmp/fuzz [VARIANT-NAME ...]

``benchmarks/bench_fuzz.py`` renders and scores the large set (``make bench BENCH=fuzz``).

Modules, in the order they build on each other: ``truth`` (constants, names, the truth, the
logical table), ``families`` (each family's tables, label placement), ``variants`` (layouts),
``sheet`` (a table laid out on pages), ``render`` (ODS / reportlab PDFs, text forms),
``subset`` (the committed subset, the benchmark set), ``scoring`` (scores, floors) and
``__main__`` (the command line). The names other modules use are importable from here.
"""

from __future__ import annotations

from tests.layout_fuzzer.families import open_rows, period_label, readings
from tests.layout_fuzzer.render import form_path, render_variants, sheet_to_tsv, soffice_path, tsv_field
from tests.layout_fuzzer.scoring import Score, extract_file, meets_target, norm, open_projects, rendering_id, score
from tests.layout_fuzzer.sheet import table_to_sheet
from tests.layout_fuzzer.subset import SUBSET, benchmark_variants, load_rendered, uncovered
from tests.layout_fuzzer.truth import FAMILY_MEASURE, FLOORS_FILE, FORMS, SOFT_BREAK, SUBSET_DIR, TARGETS, Truth
from tests.layout_fuzzer.variants import Layout, Variant, layout_options

__all__ = ['FAMILY_MEASURE', 'FLOORS_FILE', 'FORMS', 'Layout', 'SOFT_BREAK', 'SUBSET', 'SUBSET_DIR', 'Score', 'TARGETS', 'Truth', 'Variant', 'benchmark_variants', 'extract_file', 'form_path', 'layout_options', 'load_rendered', 'meets_target', 'norm', 'open_projects', 'open_rows', 'period_label', 'readings', 'render_variants', 'rendering_id', 'score', 'sheet_to_tsv', 'soffice_path', 'table_to_sheet', 'tsv_field', 'uncovered']
