"""Shared fixtures: the repository's sample inputs and one ingest of them per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seeds_output(tmp_path_factory: pytest.TempPathFactory):
    """(IngestResult, output folder) of ingesting seeds/ once for the whole session."""
    from pipeline.ingest import ingest

    out = tmp_path_factory.mktemp("seeds") / "output"
    result = ingest([SEEDS], out)
    return result, out
