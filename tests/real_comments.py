"""The real opinion-table corpus (``tests/real/comments/``): public-comment results (意見 / 考え方)
keyed by hand item by item, and how many of those items keikaku gives back whole.

Every document (a PDF, or a text copy keikaku reads as text) has a ``<slug>.keys.json`` naming
it (``tests/real/comments/PROVENANCE.md`` says where each document comes from, how it was keyed
and the format). A printed item is *paired* when one ``comments`` row of the document holds
exactly its opinion and exactly its answer: compared after NFKC with all white space removed, so
line breaks and spacing do not count, but a page footer, a repeated column header, a piece of the
next item or a missing sentence do. Each row pairs at most one item. Besides the pairing the
scorer counts:

* rows that pair no item (a split or merged item, a header read as an item);
* invented project references: numbers in a row's ``project_refs`` that the keyed item does not
  name (the row is compared with the item it pairs, else with the item whose opinion it overlaps most);
* ``refers_to_item``: items whose answer points at another item's answer (「No.5の回答のとおり」),
  right when the row's ``refers_to_item`` names that item as printed.

Run ``python -m tests.real_comments`` for the score per document (``-v``: every item not paired,
with the nearest row); ``--floors`` records the items paired now as the floor
``tests/test_real_comments.py`` holds keikaku to (``tests/real/comments/floors.json``).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from tests.real_corpus import pdf_to_result

COMMENTS = Path(__file__).resolve().parent / "real" / "comments"
FLOORS_FILE = COMMENTS / "floors.json"  # per document, the items (as keyed) paired when recorded
SPACE_RE = re.compile(r"\s+")


def squash(text: object) -> str:
    """Text compared without its spacing or line breaks (NFKC: full-width digits are digits)."""
    return SPACE_RE.sub("", unicodedata.normalize("NFKC", str(text or "")))


@dataclass(frozen=True)
class ItemKey:
    """One printed item as keyed: its label as printed (group and number), opinion and answer."""

    slug: str
    item: str
    page: int
    opinion: str
    response: str
    refers_to_item: str | None
    project_refs: tuple[int, ...]

    def describe(self) -> str:
        return f"{self.slug} item {self.item} (p.{self.page}) 「{self.opinion[:30]}…」"


def documents() -> list[str]:
    return sorted(p.name.removesuffix(".keys.json") for p in COMMENTS.glob("*.keys.json"))


def load_items(slug: str) -> list[ItemKey]:
    data = json.loads((COMMENTS / f"{slug}.keys.json").read_text(encoding="utf-8"))
    return [
        ItemKey(
            slug=slug,
            item=str(i["item"]),
            page=int(i["page"]),
            opinion=i["opinion"],
            response=i.get("response") or "",
            refers_to_item=i.get("refers_to_item"),
            project_refs=tuple(int(n) for n in i.get("project_refs") or ()),
        )
        for i in data["items"]
    ]


@dataclass(frozen=True)
class Row:
    """The part of a ``comments`` row the scorer reads."""

    item: int
    opinion: str
    response: str
    project_refs: tuple[int, ...]
    refers_to_item: str | None

    @classmethod
    def of(cls, comment: Any) -> Row:
        refs = tuple(int(n) for n in (comment.project_refs or "").split(";") if n.strip())
        return cls(comment.item, comment.opinion or "", comment.response or "", refs, getattr(comment, "refers_to_item", None))


@dataclass(frozen=True)
class ItemResult:
    key: ItemKey
    row: Row | None  # the row paired with the item, else the nearest one
    paired: bool
    why: str


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, squash(a), squash(b), autojunk=False).ratio()


def row_pairs(key: ItemKey, row: Row) -> bool:
    return squash(row.opinion) == squash(key.opinion) and squash(row.response) == squash(key.response)


def why_not(key: ItemKey, row: Row | None) -> str:
    if row is None:
        return "no comments row at all"
    parts = []
    for name, keyed, got in (("opinion", key.opinion, row.opinion), ("response", key.response, row.response)):
        if squash(keyed) != squash(got):
            parts.append(f"{name} differs ({similarity(keyed, got):.0%} alike): got 「{squash(got)[:60]}…」 ({len(squash(got))} chars, keyed {len(squash(keyed))})")
    return f"nearest row {row.item}: " + "; ".join(parts)


def pair_items(keys: Sequence[ItemKey], rows: Sequence[Row]) -> list[ItemResult]:
    """Each item with the first unused row that holds exactly its opinion and answer; an item
    without one is shown with the row whose opinion is nearest."""
    used: set[int] = set()
    results = []
    for key in keys:
        row = next((r for r in rows if r.item not in used and row_pairs(key, r)), None)
        if row is not None:
            used.add(row.item)
            results.append(ItemResult(key, row, True, ""))
            continue
        nearest = max(rows, key=lambda r: similarity(key.opinion, r.opinion), default=None)
        results.append(ItemResult(key, nearest, False, why_not(key, nearest)))
    return results


def row_to_key(row: Row, results: Sequence[ItemResult], keys: Sequence[ItemKey]) -> ItemKey | None:
    """The item a row stands for: the one it pairs, else the one whose opinion it overlaps most."""
    paired = next((r.key for r in results if r.paired and r.row is not None and r.row.item == row.item), None)
    if paired is not None or not keys:
        return paired
    return max(keys, key=lambda k: similarity(k.opinion, row.opinion))


def invented_refs(rows: Sequence[Row], results: Sequence[ItemResult], keys: Sequence[ItemKey]) -> list[tuple[Row, tuple[int, ...]]]:
    out = []
    for row in rows:
        key = row_to_key(row, results, keys)
        allowed = set(key.project_refs) if key is not None else set()
        invented = tuple(n for n in row.project_refs if n not in allowed)
        if invented:
            out.append((row, invented))
    return out


def refers_right(result: ItemResult) -> bool:
    got = result.row.refers_to_item if result.paired and result.row is not None else None
    return squash(got) == squash(result.key.refers_to_item)


@dataclass(frozen=True)
class DocumentScore:
    slug: str
    results: tuple[ItemResult, ...]
    rows: int
    status: str
    invented: tuple[tuple[Row, tuple[int, ...]], ...]

    @property
    def paired(self) -> int:
        return sum(r.paired for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def extra_rows(self) -> int:
        """Rows that pair no printed item."""
        return self.rows - self.paired

    @property
    def invented_count(self) -> int:
        return sum(len(numbers) for _, numbers in self.invented)

    @property
    def refers(self) -> tuple[int, int]:
        """(right, keyed) over the items whose answer refers to another item's."""
        keyed = [r for r in self.results if r.key.refers_to_item]
        return sum(refers_right(r) for r in keyed), len(keyed)


def source_file(slug: str) -> Path:
    """The document a keys file is about: its ``file`` (a PDF or a text copy), else ``<slug>.pdf``."""
    data = json.loads((COMMENTS / f"{slug}.keys.json").read_text(encoding="utf-8"))
    return COMMENTS / data.get("file", f"{slug}.pdf")


def extract(slug: str) -> Any:
    """The envelope keikaku gives for one corpus document (cached per process)."""
    return pdf_to_result(source_file(slug))


def score_document(slug: str) -> DocumentScore:
    result = extract(slug)
    rows = [Row.of(c) for c in result.extraction.comments]
    keys = load_items(slug)
    results = pair_items(keys, rows)
    return DocumentScore(slug, tuple(results), len(rows), str(result.status), tuple(invented_refs(rows, results, keys)))


def summarize(scores: Iterable[DocumentScore]) -> tuple[int, int, int]:
    """(items paired, items keyed, invented project references) over the documents."""
    scores = list(scores)
    return sum(s.paired for s in scores), sum(s.total for s in scores), sum(s.invented_count for s in scores)


def record_floors() -> None:
    """Write the items each document pairs now as the floor; name items that were paired before
    and are no longer."""
    before = json.loads(FLOORS_FILE.read_text(encoding="utf-8")) if FLOORS_FILE.exists() else {}
    now = {}
    for slug in documents():
        now[slug] = [r.key.item for r in score_document(slug).results if r.paired]
        lost = sorted(set(before.get(slug, ())) - set(now[slug]))
        if lost:
            print(f"{slug}: items {lost} were paired and are no longer")
    FLOORS_FILE.write_text(json.dumps(now, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded {sum(len(v) for v in now.values())} paired items of {len(now)} documents to {FLOORS_FILE.name}")


def main(argv: Sequence[str]) -> None:
    if "--floors" in argv:
        record_floors()
        return
    slugs = [a for a in argv if not a.startswith("-")] or documents()
    scores = []
    for slug in slugs:
        s = score_document(slug)
        scores.append(s)
        right, keyed = s.refers
        refers = f", refers_to_item {right}/{keyed}" if keyed else ""
        print(f"{s.paired:>3}/{s.total:<3} {slug}  [{s.status}]  rows {s.rows}, unpaired rows {s.extra_rows}, invented refs {s.invented_count}{refers}", flush=True)
        if "-v" in argv:
            for r in s.results:
                if not r.paired:
                    print(f"      ✗ {r.key.describe()}\n          {r.why}")
            for row, numbers in s.invented:
                print(f"      ✗ row {row.item}: invented project_refs {list(numbers)}")
    paired, total, invented = summarize(scores)
    print(f"\nitems paired exactly: {paired}/{total} = {paired / max(total, 1):.1%}; invented project_refs: {invented}")


if __name__ == "__main__":
    main(sys.argv[1:])
