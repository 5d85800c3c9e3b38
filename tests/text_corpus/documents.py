"""Documents: region and figure sections in turn, reproducible from a seed.
"""

from __future__ import annotations

import random

from tests.text_corpus.figures import figure_section
from tests.text_corpus.region_sections import municipalities_by_prefecture, region_section
from tests.text_corpus.words import PROGRAMS, CorpusDoc, TrueCount, TrueFigure, TrueRegion

# --- documents ----------------------------------------------------------------------------------


def generate_doc(seed: int) -> CorpusDoc:
    rng = random.Random(seed)
    pools = {code: ms for code, ms in municipalities_by_prefecture().items() if len(ms) >= 8}
    prefectures = rng.sample(sorted(pools), rng.choice((1, 1, 2)))
    lines = [f"{rng.choice(('総合戦略', '連携ビジョン', '地域計画'))}の推進状況", "", f"{2016 + seed % 9}年5月", ""]
    regions: list[TrueRegion] = []
    counts: list[TrueCount] = []
    figures: list[TrueFigure] = []
    programs = rng.sample(PROGRAMS, 4)
    for k in range(6):
        if k % 2 == 0:
            section, found, count = region_section(rng, pools, prefectures)
            regions += found
            counts.append(count)
        else:
            section, truth = figure_section(rng, programs[k // 2], k // 2 + 1)
            figures += truth
        lines += section
    return CorpusDoc(seed, "\n".join(lines) + "\n", tuple(regions), tuple(counts), tuple(figures))


def generate_corpus(n_docs: int = 24, seed: int = 0) -> list[CorpusDoc]:
    """``n_docs`` documents, reproducible from ``seed``."""
    return [generate_doc(seed * 1000 + i) for i in range(n_docs)]
