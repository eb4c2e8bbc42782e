"""Documents into an index: loaders (Markdown, text, HTML, PDF), token-aware chunking, one shared
preparation step (``base``) and the incremental writer (``indexer``), which hands the prepared
chunks to the configured store."""

from .base import IngestReport
from .indexer import ingest
from .loaders import SUPPORTED, Document, SkipDocument, discover, load_document

__all__ = [
    "SUPPORTED",
    "Document",
    "IngestReport",
    "SkipDocument",
    "discover",
    "ingest",
    "load_document",
]
