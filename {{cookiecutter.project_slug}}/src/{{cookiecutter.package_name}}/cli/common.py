"""Shared pieces of the command line: the Typer app, common options, error handling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..core.errors import RagError
from ..core.settings import MODES, Settings, load_settings

app = typer.Typer(
    help="Hybrid retrieval-augmented question answering over your documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="YAML layered over configs/settings.yaml (e.g. configs/experiments/x.yaml).",
    ),
]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default index/).")]


def _mode(value: str | None) -> str | None:
    if value is not None and value not in MODES:
        raise typer.BadParameter(f"use one of {', '.join(MODES)}")
    return value


ModeOpt = Annotated[
    str | None, typer.Option("--mode", callback=_mode, help=f"One of {', '.join(MODES)}.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]

EXIT_ERROR = 1
EXIT_PARTIAL = 3
EXIT_GATE = 4


@contextmanager
def progress_bars(width: int, disabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress display on stderr; yields the (stage, done, total) callback to feed it."""
    with Progress(
        TextColumn("{task.description:<" + str(width) + "}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=disabled or not err.is_terminal,
    ) as progress:
        tasks: dict[str, Any] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield on_progress


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn an expected failure (a ``RagError``) into one red line and exit 1; bugs still raise."""
    try:
        yield
    except RagError as exc:
        raise fail(str(exc)) from None


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


def settings_from(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "settings"
        raise fail(f"invalid setting {where}: {first['msg']}") from None
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None


def load_pipeline(settings: Settings, with_reranker: bool = True) -> Any:
    from ..pipeline import Pipeline

    return Pipeline.load(settings, with_reranker=with_reranker)
