"""The hooks' logic, imported directly, and their effect through a real bake."""

from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

from tests.conftest import bake, load_hook

pre = load_hook("pre_gen_project")
post = load_hook("post_gen_project")

GOOD = {
    "project_name": "Knowledge Assistant",
    "project_slug": "knowledge-assistant",
    "package_name": "knowledge_assistant",
    "author_email": "ada@example.com",
}


def test_good_answers_pass():
    assert pre.validate(GOOD) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("project_slug", "Knowledge Assistant", "project_slug"),
        ("project_slug", "-leading-hyphen", "project_slug"),
        ("package_name", "knowledge-assistant", "not a valid Python identifier"),
        ("package_name", "1st_package", "not a valid Python identifier"),
        ("package_name", "class", "not a valid Python identifier"),
        ("package_name", "json", "shadow"),
        ("package_name", "torch", "shadow"),
        ("author_email", "not-an-email", "author_email"),
        ("author_email", "a@b", "author_email"),
        ("project_name", "  ", "project_name"),
    ],
)
def test_bad_answers_are_rejected_with_a_clear_message(key, value, message):
    errors = pre.validate({**GOOD, key: value})
    assert len(errors) == 1 and message in errors[0]


def test_main_prints_each_error_and_fails(capsys):
    import json

    assert pre.main(json.dumps({**GOOD, "package_name": "bad-name", "author_email": "x"})) == 1
    err = capsys.readouterr().err
    assert err.count("error:") == 2


@pytest.mark.parametrize(
    "extra", [{"package_name": "my-package"}, {"author_email": "nobody"}, {"project_slug": "Bad Slug"}]
)
def test_bake_with_bad_answers_stops_before_writing(tmp_path: Path, extra):
    with pytest.raises(FailedHookException):
        bake(tmp_path, **extra)
    assert not any(tmp_path.iterdir())


def test_prune_removes_sample_files_only_when_asked(tmp_path: Path):
    for rel in post.SAMPLE_ONLY:
        target = tmp_path / rel
        if Path(rel).suffix:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
        else:
            (target / "a").mkdir(parents=True)
    post.prune(tmp_path, {"include_sample_data": "yes"})
    assert all((tmp_path / rel).exists() for rel in post.SAMPLE_ONLY)
    post.prune(tmp_path, {"include_sample_data": "no"})
    assert not any((tmp_path / rel).exists() for rel in post.SAMPLE_ONLY)


def test_milvus_files_are_pruned_unless_milvus_is_chosen():
    milvus = {p.format(package="acme") for p in post.MILVUS_ONLY}
    assert len(milvus) == 8 and "src/acme/retrieval/stores/milvus.py" in milvus
    assert milvus <= set(post.files_to_remove({"vector_store": "faiss", "package_name": "acme"}))
    assert not milvus & set(post.files_to_remove({"vector_store": "milvus", "package_name": "acme"}))
    assert milvus <= set(post.files_to_remove({"package_name": "acme"}))  # the default is faiss


def test_option_blocks_keep_the_chosen_body_and_drop_every_marker():
    text = (
        "a = 1\n"
        "    # [vector_store=milvus]\n    b = 2\n    # [/vector_store=milvus]\n"
        "# [vector_store=faiss]\nc = 3\n# [/vector_store=faiss]\n"
        "d = 4\n"
    )
    assert post.strip_blocks(text, {"vector_store": "faiss"}) == "a = 1\nc = 3\nd = 4\n"
    assert post.strip_blocks(text, {"vector_store": "milvus"}) == "a = 1\n    b = 2\nd = 4\n"


def test_recorded_answers_drop_private_keys_but_keep_the_template():
    kept = post.recorded_answers({"project_name": "X", "_output_dir": "/tmp/x", "_template": "gh:me/t"})
    assert kept == {"project_name": "X", "_template": "gh:me/t"}


def test_next_steps_name_the_two_commands():
    text = post.next_steps({"project_slug": "demo-app", "include_sample_data": "yes"})
    assert "cd demo-app" in text and "make demo" in text and "make test" in text
