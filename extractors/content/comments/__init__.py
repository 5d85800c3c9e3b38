"""Comments tables (opinion / the administration's answer) -> ``comments`` rows.

Text extraction flattens the two-column table into one stream of bullets: each row's opinion
bullets, then its answer bullets, lines broken mid-word, blank lines between them, the column
headers repeated on every page. The recipe, one small function per step:

    document -> tables: from a column header (layout only) ``document_to_regions``  header.py
           -> region lines (header repeats marked,          ``region_to_lines``     units.py
              item numbers and indented row starts found)
           -> units: bullets with their row cue,            ``lines_to_units``
              broken lines rejoined                         ``attach_headings``
           -> voice of each unit (SudachiPy endings, the    ``units_to_part_voices`` voice.py
              table's own style for units without one)      ``split_soft_units``, ``voices_to_scores``
           -> rows: row cues, else voices                   ``units_to_drafts``     rows.py
           -> CommentRow with project references            ``draft_to_comment``    extractor.py, refs.py

Morphology runs only when layout has found a comments header, and only on the units of that
table (one batched SudachiPy pass; GiNZA is not needed). A PDF table read as real cells (a
table whose header names both columns) needs no morphology at all: ``table_to_drafts``.
"""

from extractors.content.comments.extractor import CommentsExtractor
from extractors.content.comments.header import header_labels, labels_are_comments_header
from extractors.content.comments.refs import ProjectRef, refs_to_field, text_to_refs
from extractors.content.comments.voice import morphemes_to_voice

__all__ = [
    "CommentsExtractor",
    "ProjectRef",
    "header_labels",
    "labels_are_comments_header",
    "morphemes_to_voice",
    "refs_to_field",
    "text_to_refs",
]
