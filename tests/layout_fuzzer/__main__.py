"""Command line: ``python -m tests.layout_fuzzer --subset | --floors | --render DIR [VARIANT...]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from tests.layout_fuzzer.render import render_variants
from tests.layout_fuzzer.scoring import record_floors
from tests.layout_fuzzer.subset import SUBSET, write_subset
from tests.layout_fuzzer.truth import FORMS


def main(argv: Sequence[str]) -> None:
    if "--floors" in argv:
        record_floors()
        return
    if "--subset" in argv:
        write_subset()
        return
    if "--render" in argv:
        out = Path(argv[argv.index("--render") + 1])
        names = set(argv[argv.index("--render") + 2 :])
        chosen = [(v, FORMS) for v, _ in SUBSET if not names or v.name in names]
        render_variants(chosen, out)
        print(f"rendered {len(chosen)} variants with every form to {out}")
        return
    sys.exit("usage: python -m tests.layout_fuzzer --subset | --floors | --render DIR [VARIANT...]")


if __name__ == "__main__":
    main(sys.argv[1:])
