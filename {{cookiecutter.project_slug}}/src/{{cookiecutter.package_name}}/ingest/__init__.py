"""Documents into an index: loaders (Markdown, text, HTML, PDF), token-aware chunking, one shared
preparation step (``base``) and one writer per store (``indexer`` for the local store;
``migrate`` copies a local index into Milvus in a Milvus bake)."""

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
