"""The one contract every extractor implements, and the typed bag of rows they return."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import ClassVar

from extractors.model.document import Block, Document
from schemas.quality import Issue
from schemas.tables import (
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
    issues: tuple[Issue, ...] = ()

    def __add__(self, other: Extraction) -> Extraction:
        return Extraction(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def row_count(self) -> int:
        return sum(len(getattr(self, f.name)) for f in fields(self) if f.name != "issues")


@dataclass(frozen=True)
class ExtractContext:
    """Facts about the document from outside it (the run's manifest); all optional."""

    title: str | None = None
    issuer: str | None = None
    area: str | None = None  # region the plan covers, e.g. …連携中枢都市圏
    fiscal_year: str | None = None  # FY2024
    kind_hints: tuple[str, ...] = field(default=())


class Extractor(ABC):
    """One content kind. ``extract`` picks the blocks it understands and ignores the rest;
    data problems are returned as issues, never raised."""

    name: ClassVar[str]

    @abstractmethod
    def extract(self, document: Document, blocks: Sequence[Block], context: ExtractContext) -> Extraction:
        """Return the rows this extractor finds in ``blocks`` of ``document``."""
