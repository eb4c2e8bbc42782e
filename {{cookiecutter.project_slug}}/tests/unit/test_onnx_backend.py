"""The hand-exported ONNX backends give the torch models' outputs, and exports are checked."""

import json
from pathlib import Path

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.core.errors import ModelUnavailableError
from {{ cookiecutter.package_name }}.core.settings import Settings
from {{ cookiecutter.package_name }}.models.encoders import Embedder, Reranker, locate, sha256_file
from {{ cookiecutter.package_name }}.models.onnx_backend import (
    EXPORT_META,
    ONNX_FILE,
    ensure_export,
    export_dir,
)

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
TEXTS = [
    "E104",
    "How many days of annual leave does a full-time employee get?",
    "Descale the Zephyr kettle every 6 weeks with citric acid. Fault code ZK-17 means the element "
    "is scaled and the kettle will not boil until it is descaled. " * 6,
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def location():
    return locate(MINILM, None, Path("no-models"), False)


@pytest.fixture(scope="module")
def onnx_embedder(location, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return Embedder(location, backend="onnx", models_dir=tmp_path_factory.mktemp("models"))


def test_onnx_embedder_gives_the_torch_vectors(location, onnx_embedder: Embedder):
    torch_embedder = Embedder(location, backend="torch")
    a, b = torch_embedder.encode(TEXTS), onnx_embedder.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert float(np.sum(a * b, axis=1).min()) > 0.9999
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.encode_query(TEXTS[1])[0] @ a[1] > 0.9999

    folder = onnx_embedder._onnx.path.parent
    meta = json.loads((folder / EXPORT_META).read_text())
    assert meta["source_sha256"] == location.sha256
    assert meta["onnx_sha256"] == sha256_file(folder / ONNX_FILE)


def test_sentence_vectors_come_from_the_passage_pass_on_both_backends(
    location, onnx_embedder: Embedder
):
    """Sentence vectors pooled from one forward pass over a passage: the same on torch and ONNX,
    the passage vector unchanged, and each closest to its own sentence embedded alone."""
    text = TEXTS[2][:200] + " Annual leave is 25 days for full-time staff."
    sentences = ["Descale the Zephyr kettle every 6 weeks with citric acid."]
    sentences.append("Annual leave is 25 days for full-time staff.")
    spans = [[text.index(s), text.index(s) + len(s)] for s in sentences]
    torch_embedder = Embedder(location, backend="torch")
    vectors_t, pooled_t = torch_embedder.encode_passages([text], [spans])
    vectors_o, pooled_o = onnx_embedder.encode_passages([text], [spans])
    assert pooled_t[0].shape == pooled_o[0].shape == (2, 384)
    assert float(np.sum(pooled_t[0] * pooled_o[0], axis=1).min()) > 0.999
    assert float(vectors_t[0] @ torch_embedder.encode([text])[0]) > 0.9999
    assert float(vectors_o[0] @ vectors_t[0]) > 0.9999
    alone = torch_embedder.encode(sentences)
    similarity = pooled_t[0] @ alone.T
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]


def test_int8_is_the_export_quantised_for_this_cpu_and_keeps_the_meaning(
    location, onnx_embedder: Embedder
):
    """embedder_precision: int8 runs a quantised copy of the export (recorded with its sha256
    and recipe); its vectors stay close to float32 on this CPU, and torch cannot run it."""
    models_dir = onnx_embedder._onnx.path.parent.parent.parent
    int8 = Embedder(location, backend="onnx", models_dir=models_dir, precision="int8")
    assert int8._onnx.path.name.startswith("model-int8-")
    meta = json.loads((int8._onnx.path.parent / EXPORT_META).read_text())
    recorded = meta["int8"][int8._onnx.path.name]
    assert recorded["sha256"] == sha256_file(int8._onnx.path)
    assert recorded["op_types"] == ["MatMul"] and recorded["per_channel"] is True
    cosine = np.sum(int8.encode(TEXTS) * onnx_embedder.encode(TEXTS), axis=1)
    assert float(cosine.mean()) > 0.97
    with pytest.raises(ModelUnavailableError, match="needs embedder_backend: onnx"):
        Embedder(location, backend="torch", precision="int8")


def test_a_damaged_export_is_exported_again(location, onnx_embedder: Embedder, tmp_path: Path):
    folder = export_dir(tmp_path, MINILM, "embedder", location.sha256)
    embedder = onnx_embedder
    ensure_export(
        embedder.model[0].auto_model, embedder.tokenizer, "embedder", folder, location.sha256
    )
    with (folder / ONNX_FILE).open("ab") as fh:
        fh.write(b"damaged")
    path = ensure_export(
        embedder.model[0].auto_model, embedder.tokenizer, "embedder", folder, location.sha256
    )
    meta = json.loads((folder / EXPORT_META).read_text())
    assert meta["onnx_sha256"] == sha256_file(path)


def test_onnx_cross_encoder_gives_the_torch_scores(location, tmp_path: Path):
    import torch

    scores = {}
    for backend in ("torch", "onnx"):
        torch.manual_seed(0)  # the stand-in head is random: same seed, same head
        reranker = Reranker(location, 128, backend, tmp_path, num_labels=1)
        scores[backend] = reranker.score(TEXTS[1], TEXTS)
    assert scores["onnx"].shape == (len(TEXTS),)
    assert np.allclose(scores["torch"], scores["onnx"], atol=1e-4)


def test_unwritable_export_folder_says_what_to_do(location, tmp_path: Path):
    blocker = tmp_path / "models"
    blocker.write_text("a file where the models folder should be")
    with pytest.raises(ModelUnavailableError, match="torch backend"):
        Embedder(location, backend="onnx", models_dir=blocker)


def test_backend_is_a_setting():
    assert Settings(embedder_backend="torch").embedder_backend == "torch"
    with pytest.raises(ValueError):
        Settings(embedder_backend="tensorrt")
