"""Loading documents, chunking them and building the index."""
