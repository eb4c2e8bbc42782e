"""Choose the store by ``settings.vector_store``: the same pipeline over faiss or Milvus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .local import ChunkStore, LocalStore

if TYPE_CHECKING:
    from ...core.settings import Settings


def open_store(settings: Settings) -> ChunkStore:
    """The index the settings name, opened for reading (a one-line error if there is none)."""
    if settings.vector_store == "milvus":
        from .milvus import MilvusStore

        return MilvusStore(settings)
    return LocalStore(settings.index_dir)


def manifest_with_documents(store: ChunkStore) -> dict[str, Any]:
    """The store's manifest with its per-document entries (Milvus keeps those in their own rows)."""
    manifest = dict(store.manifest)
    documents = getattr(store, "documents", None)
    if "documents" not in manifest and callable(documents):
        manifest["documents"] = documents()
    return manifest
