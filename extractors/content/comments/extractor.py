"""Drafts -> ``comments`` rows and quality issues; the extractor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.content.comments.header import Region, document_to_regions
from extractors.content.comments.refs import refs_to_field, text_to_item_ref, text_to_refs
from extractors.content.comments.rows import Draft, table_to_drafts, units_to_drafts
from extractors.content.comments.units import attach_headings, lines_to_units, region_to_lines
from extractors.content.comments.voice import split_soft_units, units_to_part_voices, voices_to_scores
from extractors.model.document import Document
from extractors.model.provenance import Provenance
from extractors.model.table import Table
from schemas.quality import Code, Issue, Severity
from schemas.tables import CommentRow

# --- rows -------------------------------------------------------------------------------------------------------


def draft_to_comment(doc_id: str, item: int, draft: Draft) -> CommentRow:
    """The row of one item: its references to projects (not to other items of the table, which
    go to ``refers_to_item``) and the item number as printed."""
    opinion = "\n".join(draft.opinion)
    response = "\n".join(draft.response) or None
    refs = text_to_refs(opinion + "\n" + (response or ""))
    return CommentRow(
        doc_id=doc_id,
        item=item,
        opinion=opinion,
        response=response,
        project_refs=refs_to_field(refs),
        printed_item=draft.label,
        refers_to_item=text_to_item_ref(response or ""),
        **draft.source.columns(),
    )


def draft_to_issues(item: int, draft: Draft) -> list[Issue]:
    location = f"comments item {item}"
    key, table_id = (("item", item),), draft.source.table_id
    where = f"page {draft.page}, line {draft.line}"
    if not draft.response:
        return [Issue(Code.ANSWER_MISSING, Severity.WARNING, f"no answer printed or found for the opinion ({where})", "comments", location, key, table_id)]
    if not draft.opinion:
        return [Issue(Code.OPINION_MISSING, Severity.WARNING, f"an answer without an opinion ({where})", "comments", location, key, table_id)]
    return []


def region_to_drafts(region: Region) -> list[Draft]:
    if region.tabular:
        return table_to_drafts(region)
    units = attach_headings(lines_to_units(region_to_lines(region)))
    if not units:
        return []
    units, voices = split_soft_units(units, units_to_part_voices(units))
    return units_to_drafts(units, voices_to_scores(voices))


def with_table(source: Provenance, tables: Sequence[Table]) -> Provenance:
    """The table whose rows hold the first line a comment was read from (none: running text)."""
    for table in tables:
        if any(row.first_line <= (source.line_start or 0) <= row.last_line for row in table.rows):
            return replace(source, table_id=table.index, strategy=table.strategy)
    return source


class CommentsExtractor(Extractor):
    """Opinion / answer tables (御意見 / 考え方, 意見 / 回答, 質問 / 市の考え方 …)."""

    name = "comments"

    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        drafts: list[Draft] = []
        read_lines: set[int] = set()
        for region in document_to_regions(document):
            found = [d for d in region_to_drafts(region) if d.opinion or d.response]
            drafts += found
            read_lines |= {line.number for line in region.lines} if found else set()
        drafts = [replace(d, source=with_table(d.source, document.tables)) for d in drafts]
        rows = tuple(draft_to_comment(document.doc_id, i, d) for i, d in enumerate(drafts, start=1))
        issues = tuple(issue for i, d in enumerate(drafts, start=1) for issue in draft_to_issues(i, d))
        claimed = tuple(t.index for t in tables if any(row.first_line in read_lines for row in t.rows))
        return Extraction(comments=rows, issues=issues, claimed=claimed)
