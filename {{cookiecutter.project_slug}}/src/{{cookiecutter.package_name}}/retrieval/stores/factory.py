"""Open the store ``settings.vector_store`` names: the same pipeline over whichever it is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .local import ChunkStore, LocalStore

if TYPE_CHECKING:
    from ...core.settings import Settings


def open_store(settings: Settings) -> ChunkStore:
    """The index the settings name, opened for reading (a one-line error if there is none)."""
    # [vector_store=milvus]
    if settings.vector_store == "milvus":
        from .milvus import MilvusStore

        return MilvusStore(settings)
    # [/vector_store=milvus]
    return LocalStore(settings.index_dir)


def manifest_with_documents(store: ChunkStore) -> dict[str, Any]:
    """The store's manifest with its per-document entries (a server-side store may keep those in
    rows of their own)."""
    manifest = dict(store.manifest)
    documents = getattr(store, "documents", None)
    if "documents" not in manifest and callable(documents):
        manifest["documents"] = documents()
    return manifest
