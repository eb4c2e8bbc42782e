"""Bake every interacting option combination and check exactly what comes out."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT, bake, combo_id, load_hook, option_combinations

TEMPLATE = ROOT / "{{cookiecutter.project_slug}}"
post = load_hook("post_gen_project")
COMBOS = option_combinations()


def expected_files(combo: dict[str, str], package: str) -> set[str]:
    """Every template file under its rendered name, minus what the options prune."""
    files = set()
    for path in TEMPLATE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            files.add(path.relative_to(TEMPLATE).as_posix().replace("{{cookiecutter.package_name}}", package))
    for rel in post.files_to_remove({**combo, "package_name": package}):
        files = {f for f in files if f != rel and not f.startswith(rel + "/")}
    return files | {".cookiecutter.json"}


def baked_files(project: Path) -> set[str]:
    return {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}


def test_combinations_cover_every_option_value():
    for key in ("llm_provider", "include_sample_data", "vector_store", "license", "python_version"):
        values = {c[key] for c in COMBOS}
        assert values == set(json.loads((ROOT / "cookiecutter.json").read_text())[key])


@pytest.mark.parametrize("combo", COMBOS, ids=combo_id)
def test_bake_combination(tmp_path: Path, combo: dict[str, str]):
    project = bake(tmp_path, project_name="Acme Docs Bot", **combo)
    assert project.name == "acme-docs-bot"
    package = "acme_docs_bot"

    assert baked_files(project) == expected_files(combo, package)
    has_sample = combo["include_sample_data"] == "yes"
    assert (project / "data" / "sample").is_dir() == has_sample
    assert (project / "data" / "golden" / "golden.jsonl").is_file() == has_sample

    for path in project.rglob("*"):
        if path.is_file() and path.suffix not in {".pdf", ".png", ".npz"}:
            text = path.read_text(encoding="utf-8")
            assert "{{" not in text and "{%" not in text, f"unrendered Jinja in {path}"
            assert "cookiecutter." not in text or path.name == ".cookiecutter.json", path

    # Sources are copied, not rendered: a regex such as {2,3} or an f-string's {{ }} must survive;
    # only the option blocks of options not chosen go (with every marker line).
    source = TEMPLATE / "src" / "{{cookiecutter.package_name}}"
    for path in source.rglob("*.py"):
        baked = project / "src" / package / path.relative_to(source)
        if baked.exists():
            expected = post.strip_blocks(path.read_text(encoding="utf-8"), combo)
            assert baked.read_text(encoding="utf-8") == expected, f"{baked} differs from the template"
    for path in [*(project / "src").rglob("*.py"), *(project / "tests").rglob("*.py")]:
        assert "# [vector_store=" not in path.read_text(encoding="utf-8"), f"marker left in {path}"
    # An option not chosen leaves no code: a faiss bake's sources never mention Milvus.
    mentions = [
        str(path.relative_to(project))
        for path in (project / "src").rglob("*.py")
        if "milvus" in path.read_text(encoding="utf-8").lower()
    ]
    assert bool(mentions) == (combo["vector_store"] == "milvus"), mentions
    # A bake without the sample speaks of none: no path, default or sentence points at it.
    if not has_sample:
        prose = [project / "README.md", project / "Makefile", *(project / "docs").rglob("*.md")]
        for path in [*prose, *(project / "src").rglob("*.py")]:
            text = path.read_text(encoding="utf-8")
            for phrase in ("data/sample", "sample corpus", "sample golden", "sample index"):
                assert phrase not in text, f"{path.relative_to(project)} mentions {phrase}"

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "acme-docs-bot"
    assert pyproject["project"]["scripts"] == {package: f"{package}.cli:main"}
    assert pyproject["project"]["requires-python"].startswith(f">={combo['python_version']}")

    answers = json.loads((project / ".cookiecutter.json").read_text())
    assert {k: answers[k] for k in combo} == combo
    assert not any(k.startswith("_") and k != "_template" for k in answers)

    licence = (project / "LICENSE").read_text()
    marker = {"MIT": "MIT License", "Apache-2.0": "Apache License", "BSD-3-Clause": "BSD 3-Clause"}
    assert marker[combo["license"]] in licence

    settings = (project / "configs" / "settings.yaml").read_text()
    assert f"llm_provider: {combo['llm_provider']}" in settings
    assert f"vector_store: {combo['vector_store']}" in settings
    milvus = combo["vector_store"] == "milvus"
    assert ("milvus_collection: acme_docs_bot" in settings) == milvus
    dependencies = " ".join(pyproject["project"]["dependencies"])
    assert ("pymilvus>=" in dependencies and "milvus-lite>=" in dependencies) == milvus
    assert (project / "tests" / "integration" / "test_milvus_store.py").is_file() == milvus
    makefile = (project / "Makefile").read_text()
    assert ("index/milvus.db" in makefile) == milvus and "INDEX_READY" in makefile
    assert ("migrate-milvus:" in makefile) == milvus and ("milvus" in makefile.lower()) == milvus
    lock = (project / "requirements.lock").read_text()
    assert ("\npymilvus==" in lock and "\nmilvus-lite==" in lock) == milvus
    assert "\nfaiss-cpu==" in lock and "\nragas==0.4.3" in lock and "\ntorch==" not in lock

    for command in (["check"], ["format", "--check"]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "src", "tests"],
            cwd=project, capture_output=True, text=True, check=False,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr
    compiled = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "src", "tests"], cwd=project, capture_output=True, text=True, check=False
    )
    assert compiled.returncode == 0, compiled.stdout


def test_make_help_lists_documented_targets(default_project: Path):
    out = subprocess.run(["make"], cwd=default_project, capture_output=True, text=True, check=True).stdout
    for target in ("setup", "models", "ingest", "demo", "test", "lint"):
        assert f"  {target}" in out.replace("\x1b[36m", "  ").replace("\x1b[0m", "")


@pytest.mark.parametrize("package", ["a", "averyveryverylongpackagename_x"])
def test_package_names_short_and_long_pass_lint(tmp_path: Path, package: str):
    """Names are rendered into the tests' imports: lines must fit whatever their length."""
    project = bake(tmp_path, project_name="Named Bot", project_slug="named-bot", package_name=package)
    for command in (["check"], ["format", "--check"]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "src", "tests"],
            cwd=project, capture_output=True, text=True, check=False,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr
