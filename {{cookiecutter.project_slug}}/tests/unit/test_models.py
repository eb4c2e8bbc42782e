import shutil
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.core.errors import ModelUnavailableError
from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.models.encoders import (
    PINNED_SHA256,
    bundled_dir,
    load_reranker,
    locate,
)


def test_embedder_comes_from_the_pinned_package_offline():
    location = locate("sentence-transformers/all-MiniLM-L6-v2", None, Path("no-models"), False)
    assert location.path == bundled_dir("sentence-transformers/all-MiniLM-L6-v2")
    assert location.sha256 == PINNED_SHA256["sentence-transformers/all-MiniLM-L6-v2"]


def test_tampered_weights_are_refused(tmp_path: Path):
    source = bundled_dir("sentence-transformers/all-MiniLM-L6-v2")
    assert source is not None
    copy = tmp_path / "minilm"
    shutil.copytree(source, copy)
    with (copy / "model.safetensors").open("ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ModelUnavailableError, match="refusing to load"):
        locate("sentence-transformers/all-MiniLM-L6-v2", copy, tmp_path, False)


def test_missing_model_says_what_to_do(tmp_path: Path):
    with pytest.raises(ModelUnavailableError, match="make models"):
        locate("org/absent-model", None, tmp_path, False)


def test_absent_reranker_is_reported_not_raised(tmp_path: Path):
    reranker, reason = load_reranker(
        Settings(models_dir=tmp_path, reranker="org/absent-cross-encoder")
    )
    assert reranker is None
    assert reason and "org/absent-cross-encoder" in reason
