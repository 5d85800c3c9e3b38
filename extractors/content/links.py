"""Cross-document links: project references in comments -> the projects of a list of the same area.

A comment refers to projects by number (№40, 「34　名称」). Within one run, the reference is
linked to the project of that number in a project list of the same area (the manifest's
``area``). Where the name printed beside the number is not that project's name, the comment
most likely refers to another edition of the list (next year's renumbered list): the link is
flagged ``reference-mismatch``, and so is a number the list does not have. Plain inputs and
plain outputs; the pipeline calls ``link_comment_refs`` once all documents are extracted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from rapidfuzz import fuzz

from extractors.content.comments.refs import ProjectRef, refs_to_field, text_to_refs
from extractors.normalize.textnorm import nfkc_keep_marks
from schemas.quality import Code, Issue, Severity
from schemas.tables import CommentRow, ProjectRow

# Printed and listed names match at a rapidfuzz score (0-100, after NFKC, without spaces and
# brackets) of at least 85. Lists repeat long boilerplate (…の支援に関する連携事業), so two
# different projects of one list reach 74-80 (文化的な学習活動の支援に関する連携事業 /
# 特色ある学習活動の支援に関する連携事業 scores 79), while the same name with one character
# typed differently in ten stays at 90 and one in eight at 88. A printed name that is the start
# of the listed one (an abbreviation: 移住相談の強化 for 移住相談の強化に関する連携事業) is
# scored on that start only, if it is at least ``MIN_PREFIX`` characters long.
NAME_MATCH_THRESHOLD = 85.0
MIN_PREFIX = 4


class LinkStatus(StrEnum):
    LINKED = "linked"  # the number exists and the printed name (if any) matches
    SECTION = "section"  # the printed name is a category of the list (「2　…」 a policy area), not a project
    MISMATCH = "mismatch"  # the number exists under another name
    MISSING = "missing"  # no project of that number in the area's lists


@dataclass(frozen=True)
class RefLink:
    """The outcome of one reference of one comment."""

    doc_id: str
    item: int
    number: int
    printed_name: str | None
    status: LinkStatus
    area: str
    project_doc_id: str | None = None  # the list linked to (or holding the closest name)
    project_name: str | None = None
    score: float | None = None  # name similarity, when a name was printed and compared


def link_comment_refs(
    comments_by_doc: Mapping[str, Sequence[CommentRow]],
    projects_by_doc: Mapping[str, Sequence[ProjectRow]],
    area_by_doc: Mapping[str, str | None],
) -> list[tuple[str, Issue]]:
    """(doc_id of the comments document, issue) for every reference that does not link:
    a ``reference-mismatch`` warning at ``comments item N``. Documents without an area are
    not linked (an unknown area could pair a comment with another region's list)."""
    links = comment_refs_to_links(comments_by_doc, projects_by_doc, area_by_doc)
    return [(link.doc_id, issue) for link in links if (issue := link_to_issue(link)) is not None]


def comment_refs_to_links(
    comments_by_doc: Mapping[str, Sequence[CommentRow]],
    projects_by_doc: Mapping[str, Sequence[ProjectRow]],
    area_by_doc: Mapping[str, str | None],
) -> tuple[RefLink, ...]:
    """Every reference of every comment with its outcome, in document and item order."""
    links: list[RefLink] = []
    for doc_id, comments in comments_by_doc.items():
        area = area_key(area_by_doc.get(doc_id))
        if not area:
            continue
        lists = {d: rows for d, rows in projects_by_doc.items() if rows and area_key(area_by_doc.get(d)) == area}
        if not lists:
            continue
        printed_area = (area_by_doc.get(doc_id) or "").strip()
        for comment in comments:
            for ref in comment_to_refs(comment):
                links.append(ref_to_link(doc_id, comment.item, ref, lists, printed_area))
    return tuple(links)


def area_key(area: str | None) -> str:
    """Areas compare after NFKC and without spaces (さっぽろ 連携中枢都市圏 = さっぽろ連携中枢都市圏)."""
    return re.sub(r"\s+", "", nfkc_keep_marks(area or ""))


def comment_to_refs(comment: CommentRow) -> list[ProjectRef]:
    """The references of a comment with their printed names (re-read from its text), limited
    to the numbers in ``project_refs``."""
    numbers = {int(n) for n in (comment.project_refs or "").split(";") if n.strip().isdigit()}
    refs = text_to_refs(comment.opinion + "\n" + (comment.response or ""))
    return [r for r in refs if r.number in numbers]


def ref_to_link(doc_id: str, item: int, ref: ProjectRef, lists: Mapping[str, Sequence[ProjectRow]], area: str) -> RefLink:
    """Linked when a project of that number has the printed name (or no name is printed);
    else a category of that name (SECTION), else MISMATCH (closest name kept) or MISSING."""
    base = RefLink(doc_id=doc_id, item=item, number=ref.number, printed_name=ref.name, status=LinkStatus.MISSING, area=area)
    candidates = [(d, p) for d, rows in lists.items() for p in rows if p.project_number == ref.number]
    named = [(d, p) for d, p in candidates if p.project_name]
    if candidates and (ref.name is None or not named):
        d, p = candidates[0]
        return replace(base, status=LinkStatus.LINKED, project_doc_id=d, project_name=p.project_name)
    if named and ref.name:
        score, d, p = max(((name_similarity(ref.name, p.project_name or ""), d, p) for d, p in named), key=lambda t: t[0])
        if score >= NAME_MATCH_THRESHOLD:
            return replace(base, status=LinkStatus.LINKED, project_doc_id=d, project_name=p.project_name, score=score)
        base = replace(base, status=LinkStatus.MISMATCH, project_doc_id=d, project_name=p.project_name, score=score)
    if ref.name and name_is_section(ref.number, ref.name, lists):
        return replace(base, status=LinkStatus.SECTION, project_doc_id=None, project_name=None, score=None)
    return base


# --- names -----------------------------------------------------------------------------------------------

_ENUMERATOR_RE = re.compile(r"^\s*(?:[(（]\s*)?(\d{1,3}|[A-Za-z])(?:\s*[)）.．]|\s)\s*")
_NOISE_RE = re.compile(r"[\s「」『』()（）【】\[\]]")


def name_key(name: str) -> str:
    """NFKC, without spaces and brackets: the form names are compared in."""
    return _NOISE_RE.sub("", nfkc_keep_marks(name))


def name_similarity(printed: str, listed: str) -> float:
    """rapidfuzz ratio of the two names, or of the printed name and the start of the listed
    one when the printed name is an abbreviation of it (see ``NAME_MATCH_THRESHOLD``)."""
    a, b = name_key(printed), name_key(listed)
    if not a or not b:
        return 0.0
    score = fuzz.ratio(a, b)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= MIN_PREFIX and len(short) < len(long):
        score = max(score, fuzz.ratio(short, long[: len(short)]))
    return float(score)


def split_enumerator(label: str) -> tuple[str | None, str]:
    """``2 暮らしの…`` -> ('2', '暮らしの…'); ``a 観光振興`` -> ('a', …); no enumerator -> (None, label)."""
    text = nfkc_keep_marks(label).strip()
    match = _ENUMERATOR_RE.match(text)
    if not match:
        return None, text
    return match.group(1), text[match.end() :]


def name_is_section(number: int, printed: str, lists: Mapping[str, Sequence[ProjectRow]]) -> bool:
    """The printed name is a category of the lists (「2　政策分野名」): a numbered policy area
    referred to in the same way as a project. A category's own number, when printed, must agree."""
    for rows in lists.values():
        for label in {c for p in rows for c in (p.category_1, p.category_2, p.category_3) if c}:
            enumerator, name = split_enumerator(label)
            if enumerator is not None and enumerator.isdigit() and int(enumerator) != number:
                continue
            if name and name_similarity(printed, name) >= NAME_MATCH_THRESHOLD:
                return True
    return False


# --- issues and rows -------------------------------------------------------------------------------------


def link_to_issue(link: RefLink) -> Issue | None:
    location = f"comments item {link.item}"
    printed = f"「{link.printed_name}」" if link.printed_name else "(no name printed)"
    if link.status is LinkStatus.MISMATCH:
        message = (
            f"project No.{link.number} is printed as {printed}, but No.{link.number} in the project list of {link.area} "
            f"({link.project_doc_id}) is 「{link.project_name}」 (name similarity {link.score:.0f} < {NAME_MATCH_THRESHOLD:.0f}); "
            "the comment may refer to another edition of the list"
        )
        return Issue(Code.REFERENCE_MISMATCH, Severity.WARNING, message, "comments", location, (("item", link.item),))
    if link.status is LinkStatus.MISSING:
        message = f"project No.{link.number} {printed} is not in any project list of {link.area} ingested in this run"
        return Issue(Code.REFERENCE_MISMATCH, Severity.WARNING, message, "comments", location, (("item", link.item),))
    return None


def drop_section_refs(comments: Sequence[CommentRow], links: Sequence[RefLink]) -> tuple[CommentRow, ...]:
    """The comments with references that turned out to be categories (``SECTION``) removed
    from ``project_refs``: an optional correction once a project list is known."""
    sections = {(link.doc_id, link.item, link.number) for link in links if link.status is LinkStatus.SECTION}
    out = []
    for comment in comments:
        numbers = [n for n in (comment.project_refs or "").split(";") if n]
        kept = [n for n in numbers if (comment.doc_id, comment.item, int(n)) not in sections]
        out.append(replace(comment, project_refs=refs_to_field([ProjectRef(int(n), None) for n in kept])))
    return tuple(out)
