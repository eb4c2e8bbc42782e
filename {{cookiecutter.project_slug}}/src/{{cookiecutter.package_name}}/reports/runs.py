"""Report folders shared by every command that writes results (eval, judge-check, compare, bench,
cost, soak): ``<out>/<UTC timestamp>/`` per run and ``<out>/latest/`` as a copy of the newest;
and marked blocks in Markdown files that a command rewrites from its own results."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path


def new_run_dir(out_dir: Path) -> Path:
    """Create and return a fresh ``<out_dir>/<timestamp>[_n]`` folder."""
    run = out_dir / time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    suffix = 1
    while run.exists():
        run = out_dir / f"{run.name.split('_')[0]}_{suffix}"
        suffix += 1
    run.mkdir(parents=True)
    return run


def publish_latest(out_dir: Path, run: Path) -> Path:
    """Replace ``<out_dir>/latest`` with a copy of ``run`` (never a half-written folder)."""
    latest = out_dir / "latest"
    tmp = out_dir / ".latest.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(run, tmp)
    shutil.rmtree(latest, ignore_errors=True)
    tmp.rename(latest)
    return latest


def write_run(out_dir: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (name -> content) into a new run folder, publish it as latest."""
    run = new_run_dir(out_dir)
    for name, content in files.items():
        path = run / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    publish_latest(out_dir, run)
    return run


def replace_block(path: Path, start: str, end: str, body: str) -> bool:
    """Replace the text between the ``start`` and ``end`` markers (kept) in ``path``; False when
    the file or the markers are missing."""
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        return False
    path.write_text(pattern.sub(lambda _: f"{start}\n{body}\n{end}", text), encoding="utf-8")
    return True
