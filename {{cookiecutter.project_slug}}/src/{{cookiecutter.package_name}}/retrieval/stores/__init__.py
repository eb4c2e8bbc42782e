"""Where chunks and vectors live: the ChunkStore protocol, the local on-disk versions (BM25 +
FAISS, a CURRENT pointer) and, in a Milvus bake, Milvus; ``open_store`` picks by settings."""
