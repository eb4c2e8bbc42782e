"""Option combinations and a bake helper for the template's tests."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parents[1]
OPTIONS: dict[str, Any] = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))

# Options that change which files exist or how the app behaves: full product.
INTERACTING = ["llm_provider", "include_sample_data", "vector_store"]
# Options that only change text: rotated through the product so each value is baked at least once.
INDEPENDENT = ["license", "python_version"]


def option_combinations() -> list[dict[str, str]]:
    combos = []
    products = list(itertools.product(*(OPTIONS[k] for k in INTERACTING)))
    for i, values in enumerate(products):
        combo = dict(zip(INTERACTING, values, strict=True))
        for key in INDEPENDENT:
            choices = OPTIONS[key]
            combo[key] = choices[i % len(choices)]
        combos.append(combo)
    return combos


def combo_id(combo: dict[str, str]) -> str:
    return "-".join(combo[k] for k in [*INTERACTING, *INDEPENDENT])


def bake(output: Path, **extra: str) -> Path:
    """Bake the template into ``output`` with defaults plus ``extra``; return the project folder."""
    path = cookiecutter(str(ROOT), no_input=True, output_dir=str(output), extra_context=extra)
    return Path(path)


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A bake with none of the template's default names: the full baked suite runs on it, so a name
# hard-coded in copied source fails here.
RENAMED = {"project_name": "Heldout Check", "project_slug": "hc-assistant", "package_name": "hcheck"}
DEFAULT_NAMES = ("Knowledge Assistant", "knowledge-assistant", "knowledge_assistant")


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="session")
def renamed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bake(tmp_path_factory.mktemp("renamed"), **RENAMED)
