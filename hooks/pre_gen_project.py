"""Reject bad answers before anything is written.

The functions are plain Python so the template's tests import and test them; cookiecutter
renders the answers into the call at the bottom.
"""

from __future__ import annotations

import json
import keyword
import re
import sys

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# Names the generated package must not shadow: its own dependencies and test folders.
TAKEN = {
    "bm25s", "faiss", "fastapi", "gradio", "numpy", "openai", "pydantic", "pypdf", "ragas",
    "rich", "sentence_transformers", "tests", "torch", "transformers", "typer", "yaml",
}


def validate(answers: dict[str, str]) -> list[str]:
    """Return one message per bad answer (empty when all are fine)."""
    errors = []
    if not answers.get("project_name", "").strip():
        errors.append("project_name is empty: give the project a name")
    slug = answers.get("project_slug", "")
    if not SLUG.match(slug):
        errors.append(
            f"project_slug '{slug}' is not valid: use lowercase letters, digits and single "
            "hyphens, starting with a letter (e.g. knowledge-assistant)"
        )
    package = answers.get("package_name", "")
    if not PACKAGE.match(package) or keyword.iskeyword(package):
        errors.append(
            f"package_name '{package}' is not a valid Python identifier: use lowercase letters, "
            "digits and underscores, not starting with a digit (e.g. knowledge_assistant)"
        )
    elif package in TAKEN or package in sys.stdlib_module_names:
        errors.append(f"package_name '{package}' would shadow an existing module: pick another name")
    email = answers.get("author_email", "")
    if not EMAIL.match(email):
        errors.append(f"author_email '{email}' is not an e-mail address (e.g. ada@example.com)")
    return errors


def main(raw: str) -> int:
    errors = validate(json.loads(raw))
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(r"""{{ cookiecutter | jsonify }}"""))
