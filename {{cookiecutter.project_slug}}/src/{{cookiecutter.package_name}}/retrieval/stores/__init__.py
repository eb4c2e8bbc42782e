"""Where chunks and vectors live: the ChunkStore protocol, the on-disk index versions behind a
CURRENT pointer, and ``open_store``, which opens the store the settings name."""
