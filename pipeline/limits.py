"""What one document may cost: wall time, memory and the size of one inflated PDF stream.

The defaults are far above what real plans take (the slowest document of the test corpus takes
a few seconds, the model-loaded worker about 700 MB, a page's content stream a few MB), so they
only stop hostile or broken files: a decompression bomb, a parser stuck in a loop, a native
library that hangs. A document over a limit is ``failed`` with its own code
(``time-limit``, ``memory-limit``, ``stream-limit``) and the batch goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
DEFAULT_SECONDS = 300.0
DEFAULT_MEMORY_MB = 1536
DEFAULT_STREAM_MB = 256


@dataclass(frozen=True)
class Limits:
    """Per-document limits. ``memory_bytes`` counts the whole process doing the document's
    work (model included); ``stream_bytes`` is the largest PDF stream inflated."""

    seconds: float = DEFAULT_SECONDS
    memory_bytes: int = DEFAULT_MEMORY_MB * MB
    stream_bytes: int = DEFAULT_STREAM_MB * MB

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ValueError(f"the time limit must be positive, got {self.seconds}")
        if self.memory_bytes <= 0 or self.stream_bytes <= 0:
            raise ValueError("memory and stream limits must be positive")

    @property
    def memory_mb(self) -> float:
        return self.memory_bytes / MB

    @property
    def stream_mb(self) -> float:
        return self.stream_bytes / MB


DEFAULT_LIMITS = Limits()


def mb_to_bytes(mb: float) -> int:
    return int(mb * MB)
