"""Who may read a document: ``acl.yaml`` at the root of the documents folder and Markdown front
matter.

``acl.yaml`` is ``{"rules": [{"match": "<glob over document ids>", "groups": [..]}]}``; the first
rule whose glob matches a document's id gives its groups. A Markdown file's front matter
``allowed_groups: [..]`` wins for that file. A document no rule names is public. Groups are
stored with every chunk, so a change of permissions alone re-labels chunks without embedding
anything again.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import DocsError

ACL_FILE = "acl.yaml"
GROUP_NAME = re.compile(r"^[A-Za-z0-9._:@-]{1,64}$")
_FRONT_MATTER = re.compile(rb"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def _groups(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
        raise DocsError(f"{where}: groups must be a list of names")
    bad = [g for g in value if not GROUP_NAME.match(g)]
    if bad:
        raise DocsError(f"{where}: group names are letters, digits and ._:@- (got {bad[0]!r})")
    return tuple(sorted(set(value)))


@dataclass(frozen=True)
class AccessRules:
    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sha256: str = ""

    def groups_for(self, doc_id: str, front_matter: tuple[str, ...] | None) -> tuple[str, ...]:
        """The groups that may read ``doc_id`` (empty: everyone)."""
        if front_matter is not None:
            return front_matter
        for pattern, groups in self.rules:
            if fnmatch.fnmatchcase(doc_id, pattern):
                return groups
        return ()


def load_rules(docs_dir: Path) -> AccessRules:
    """The rules in ``docs_dir/acl.yaml`` (none when there is no such file)."""
    import yaml

    path = docs_dir / ACL_FILE
    if not path.is_file():
        return AccessRules()
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise DocsError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise DocsError(f"{path}: expected a list of rules, each with a match glob and groups")
    rules = []
    for n, rule in enumerate(data["rules"], start=1):
        where = f"{path} rule {n}"
        if not isinstance(rule, dict) or not isinstance(rule.get("match"), str):
            raise DocsError(f'{where}: each rule has a "match" glob and "groups"')
        rules.append((rule["match"], _groups(rule.get("groups"), where)))
    return AccessRules(tuple(rules), hashlib.sha256(raw).hexdigest())


def split_front_matter(data: bytes, where: str) -> tuple[bytes, tuple[str, ...] | None]:
    """A Markdown file's body and its ``allowed_groups`` (None when it names none)."""
    import yaml

    match = _FRONT_MATTER.match(data)
    if not match:
        return data, None
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return data, None  # not front matter after all: index the text as written
    body = data[match.end() :]
    if not isinstance(meta, dict) or "allowed_groups" not in meta:
        return body, None
    return body, _groups(meta["allowed_groups"], f"{where} front matter allowed_groups")
