"""The base every other package stands on; imports nothing else of the package.

Settings and their loading, the error types, stage timing, checksums, and the records passed
between layers (Chunk, Hit, Retrieval, Answer, Citation)."""

from .checksums import sha256_file
from .errors import (
    DocsError,
    IndexIncompatibleError,
    IndexMissingError,
    ModelUnavailableError,
    ProviderError,
    RagError,
)
from .settings import MODES, Settings, load_settings
from .timing import Timings
from .types import Answer, Chunk, Citation, Hit, Retrieval

__all__ = [
    "MODES",
    "Answer",
    "Chunk",
    "Citation",
    "DocsError",
    "Hit",
    "IndexIncompatibleError",
    "IndexMissingError",
    "ModelUnavailableError",
    "ProviderError",
    "RagError",
    "Retrieval",
    "Settings",
    "Timings",
    "load_settings",
    "sha256_file",
]
