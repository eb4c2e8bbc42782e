"""The package keeps its shape: no import cycles, no upward imports, small modules, few loose ones."""

import ast
from pathlib import Path

from tests.helpers.corpus import PROJECT

PACKAGE = PROJECT / "src" / "{{ cookiecutter.package_name }}"
# Packages that serve people (the web service, the command line) or run the others (evaluation,
# benchmarks, operations tools): nothing below them may import them.
UPPER = {"service", "cli", "eval", "bench", "ops"}
MAX_LINES = 450
MAX_LOOSE = 4


def modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imports() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (relative imports, anywhere in the module)."""
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, (path, is_package) in known.items():
        base = name.split(".") if name else []
        if not is_package:
            base = base[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                anchor = base[: len(base) - node.level + 1] if node.level > 1 else base
                target = ".".join([*anchor, *([node.module] if node.module else [])])
                for candidate in [target, *(f"{target}.{a.name}".strip(".") for a in node.names)]:
                    if candidate in known and candidate != name:
                        edges[name].add(candidate)
    return edges


def test_no_import_cycles():
    edges = imports()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in edges[node]:
            assert state.get(target) != 1, "import cycle: " + " -> ".join([*trail, node, target])
            if target not in state:
                visit(target, [*trail, node])
        state[node] = 2

    for node in edges:
        if node not in state:
            visit(node, [])
    assert len(edges) > 50


def test_lower_layers_never_import_the_upper_ones():
    upward = [
        f"{name} -> {target}"
        for name, targets in imports().items()
        for target in targets
        if name.split(".")[0] not in UPPER and name != "__main__" and target.split(".")[0] in UPPER
    ]
    assert not upward, upward
    # evaluation measures the pipeline; it reaches the web service only through what it is given
    leaks = [
        f"{name} -> {target}"
        for name, targets in imports().items()
        if name.startswith("eval")
        for target in targets
        if target.split(".")[0] in {"service", "cli", "ops"}
    ]
    assert not leaks, leaks


def test_modules_are_small_and_few_are_loose():
    known = modules()
    long = {n: sum(1 for _ in p.open()) for n, (p, _) in known.items()}
    assert not {n: c for n, c in long.items() if c > MAX_LINES}, long
    loose = [p.name for p in PACKAGE.glob("*.py")]
    assert len(loose) <= MAX_LOOSE, loose
