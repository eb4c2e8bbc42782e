"""Command line: one Typer app, one module per command group; ``main`` is the console script."""

from __future__ import annotations

import sys

from . import evaluation, index, reporting, safety, service
from .common import app, err

__all__ = ["app", "main"]
_COMMAND_GROUPS = (evaluation, index, reporting, safety, service)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
