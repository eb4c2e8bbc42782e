"""Command line: one Typer app, one module per command group; ``main`` is the console script."""

from __future__ import annotations

import sys

# [vector_store=faiss]
from . import evaluation, index, reporting, safety, service
# [/vector_store=faiss]
# [vector_store=milvus]
from . import evaluation, index, milvus, reporting, safety, service
# [/vector_store=milvus]
from .common import app, err

__all__ = ["app", "main"]
# [vector_store=faiss]
_COMMAND_GROUPS = (evaluation, index, reporting, safety, service)
# [/vector_store=faiss]
# [vector_store=milvus]
_COMMAND_GROUPS = (evaluation, index, milvus, reporting, safety, service)
# [/vector_store=milvus]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
