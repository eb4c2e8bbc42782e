"""Resolve requirements.lock from pyproject.toml with uv (`make lock`).

The lock pins every dependency of the project and its dev tools for Python 3.11.7 and later on
any platform (``uv pip compile --universal``), with PyTorch held at the version `make setup`
installs from the CPU wheel index. PyTorch itself and the packages only it needs (the CUDA
libraries of the default PyPI wheel) are left out: `make setup` installs the CPU build first.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_LINE = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)(.*)$")


def torch_pin() -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^TORCH \?= (torch==\S+)", makefile, re.M)
    if not match:
        sys.exit("Makefile has no `TORCH ?= torch==<version>` line")
    return match.group(1)


def parse(text: str) -> list[tuple[str, list[str], set[str]]]:
    """(package name, its lines, the packages it is required via)."""
    entries: list[tuple[str, list[str], set[str]]] = []
    for line in text.splitlines():
        match = PACKAGE_LINE.match(line)
        if match:
            entries.append((match.group(1).lower(), [line], set()))
        elif entries and line.startswith("    #"):
            via = line.strip("# ").removeprefix("via").strip()
            if via:
                entries[-1][2].add(via.split(" ")[0].lower())
    return entries


def drop_torch_only(entries: list[tuple[str, list[str], set[str]]]) -> list[str]:
    dropped = {"torch"}
    changed = True
    while changed:
        changed = False
        for name, _, via in entries:
            if name not in dropped and via and via <= dropped:
                dropped.add(name)
                changed = True
    return [line for name, lines, _ in entries if name not in dropped for line in lines]


def main() -> None:
    """``python scripts/lock.py [CONSTRAINTS]``: an optional pip constraints file (for example
    the `pip freeze` of an environment the tests passed in) holds versions where it can."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write(torch_pin() + "\n")
        if len(sys.argv) > 1:
            for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
                if "==" in line and not line.lower().startswith(("torch==", "-e")):
                    fh.write(line + "\n")
        constraints = fh.name
    resolved = subprocess.run(
        [
            sys.executable,
            "-m",
            "uv",
            "pip",
            "compile",
            "pyproject.toml",
            "--extra",
            "dev",
            "--universal",
            "--python-version",
            "3.11.7",
            "--constraint",
            constraints,
            "--no-header",
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = drop_torch_only(parse(resolved))
    header = [
        "# Written by `make lock` (scripts/lock.py) from pyproject.toml: every dependency pinned,",
        "# PyTorch excluded (`make setup` installs the CPU build first). Do not edit by hand.",
    ]
    (ROOT / "requirements.lock").write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(f"requirements.lock: {len(lines)} pinned packages")


if __name__ == "__main__":
    main()
