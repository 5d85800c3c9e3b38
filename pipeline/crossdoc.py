"""Run-level steps that need several documents at once (after every document is extracted)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from extractors.content.links import comment_refs_to_links, drop_section_refs, link_to_issue

from .envelope import DocumentResult


def link_comment_references(results: list[DocumentResult]) -> list[DocumentResult]:
    """Project references in comments -> the project list of the same area in this run.

    A reference whose printed name differs from the listed project is flagged
    (``reference-mismatch``); a reference that the list shows to be a policy section, not a
    project, is removed from ``project_refs``."""
    usable = [r for r in results if r.failure is None]
    comments_by_doc = {r.doc_id: r.extraction.comments for r in usable if r.extraction.comments}
    if not comments_by_doc:
        return results
    projects_by_doc = {r.doc_id: r.extraction.projects for r in usable if r.extraction.projects}
    area_by_doc = {r.doc_id: r.source.context.area for r in usable}
    links = comment_refs_to_links(comments_by_doc, projects_by_doc, area_by_doc)
    links_by_doc = defaultdict(list)
    for link in links:
        links_by_doc[link.doc_id].append(link)
    linked = []
    for result in results:
        doc_links = links_by_doc.get(result.doc_id, []) if result.failure is None else []
        if doc_links:
            comments = drop_section_refs(result.extraction.comments, doc_links)
            issues = [issue for link in doc_links if (issue := link_to_issue(link)) is not None]
            result = replace(result, extraction=replace(result.extraction, comments=comments)).with_issues(*issues)
        linked.append(result)
    return linked
