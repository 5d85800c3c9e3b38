"""The one contract every extractor implements, and the typed bag of rows they return.

Extractors run in a declared order over one document. Each sees the document (its text blocks,
in reading order with the tables) and the tables no earlier extractor claimed; it claims the
tables it read (``Extraction.claimed``), so a table becomes rows of one kind only. What no
extractor claims goes to ``cells`` (``extractors.content.cells``): nothing is dropped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

from extractors.model.document import Document
from extractors.model.table import Table
from schemas.quality import Issue
from schemas.tables import (
    CellRow,
    CommentRow,
    IndicatorRow,
    MetricRow,
    ObservationRow,
    ParticipationRow,
    ProjectRow,
    RegionMemberRow,
)


@dataclass(frozen=True)
class Extraction:
    """What extractors return: canonical rows per table plus coded issues (-> ``quality``)."""

    participation: tuple[ParticipationRow, ...] = ()
    projects: tuple[ProjectRow, ...] = ()
    region_members: tuple[RegionMemberRow, ...] = ()
    indicators: tuple[IndicatorRow, ...] = ()
    observations: tuple[ObservationRow, ...] = ()
    comments: tuple[CommentRow, ...] = ()
    metrics: tuple[MetricRow, ...] = ()
    cells: tuple[CellRow, ...] = ()
    issues: tuple[Issue, ...] = ()
    claimed: tuple[int, ...] = ()  # indexes of the tables read (not an output table)

    def __add__(self, other: Extraction) -> Extraction:
        return Extraction(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def row_count(self) -> int:
        return sum(len(getattr(self, name)) for name in self.table_names())

    @classmethod
    def table_names(cls) -> tuple[str, ...]:
        """The output tables an extraction holds rows of (every field but issues and claims)."""
        return tuple(f.name for f in fields(cls) if f.name not in ("issues", "claimed"))


@dataclass(frozen=True)
class ExtractContext:
    """Facts about the document from outside it: its row of the run's manifest, all optional.
    The one record of them, from the manifest reader through the cache key to the extractors."""

    title: str | None = None
    issuer: str | None = None
    area: str | None = None  # region the plan covers, e.g. …連携中枢都市圏
    fiscal_year: str | None = None  # FY2024


class Extractor(ABC):
    """One content kind. ``extract`` reads the tables it understands (and claims them) or the
    document's text, and ignores the rest; data problems are returned as issues, never raised."""

    name: ClassVar[str]

    @abstractmethod
    def extract(self, document: Document, tables: Sequence[Table], context: ExtractContext) -> Extraction:
        """Return the rows this extractor finds in ``tables`` (those not claimed yet) or in the
        text of ``document``."""
