"""Supply chain (OWASP LLM03): no remote code, bounded dependencies, audit wired into CI."""

import re
import tomllib

from tests.helpers.corpus import PROJECT

SRC = PROJECT / "src"


def test_trust_remote_code_is_never_enabled():
    enabled = re.compile(r"trust_remote_code\s*[=:]\s*(?!False)")
    offenders = [
        f"{path.relative_to(PROJECT)}:{n}"
        for path in SRC.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if enabled.search(line) or ("trust_remote_code" in line and "**" in line)
    ]
    assert offenders == []


def test_every_dependency_has_an_upper_bound():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    unbounded = [r for r in requirements if "<" not in r and "==" not in r]
    assert unbounded == []


def test_bandit_skips_are_each_justified():
    text = (PROJECT / "pyproject.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)["tool"]["bandit"]
    section = text.split("[tool.bandit]", 1)[1].split("\n[", 1)[0]
    comments = "\n".join(line for line in section.splitlines() if line.lstrip().startswith("#"))
    assert config["skips"], "no skips: drop this test's premise"
    for check in config["skips"]:
        assert re.search(rf"\b{check}\b", comments), f"{check} is skipped without a reason"


def test_make_audit_runs_pip_audit_and_bandit_and_ci_runs_it():
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    audit = makefile.split("\naudit:", 1)[1].split("\n\n", 1)[0]
    assert "pip_audit" in audit and "bandit -c pyproject.toml -r src" in audit
    ci = (PROJECT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "make audit" in ci


def test_every_dependency_is_pinned_in_the_lock():
    """`make setup` installs requirements.lock; a dependency missing from it would not be
    installed (run `make lock` after changing pyproject.toml)."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    lock = (PROJECT / "requirements.lock").read_text(encoding="utf-8").lower().replace("_", "-")
    pinned = {line.split("==")[0] for line in lock.splitlines() if "==" in line}
    names = {
        re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements
    }
    assert sorted(names - pinned - {"torch"}) == []
