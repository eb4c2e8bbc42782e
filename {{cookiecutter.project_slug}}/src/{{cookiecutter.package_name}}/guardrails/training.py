"""`make guard-train`: fit the attack detector on fixed splits and measure it once on test.

Data: the attack pack's input-rail categories (``data/safety/*.jsonl``) and the benign bank
(``data/safety/benign_bank/*.jsonl``) plus the pack's benign questions. The blind split
(``split: blind3``) is never read here. Every example is assigned to train, validation or test
by the sha256 of its text; the assignment is written to ``data/safety/splits/detector.jsonl``
so it is fixed in the repository. The model family and the regularisation are chosen on
validation; the threshold is the lowest one that keeps validation false positives within
``FP_BUDGET``; test is scored once, after the choice, and recorded in ``detector.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.checksums import sha256_file
from ..core.errors import RagError
from ..reports.stats import rate
from .detector import BENIGN, META, MODEL_DIR, VIEWS, WEIGHTS, features, hashed_counts
from .pii import PiiRedactor

if TYPE_CHECKING:
    from ..models.encoders import Embedder

SEED = 13
# Validation false positives allowed at the chosen threshold (share of benign questions).
FP_BUDGET = 0.004
SPLITS_FILE = Path("splits") / "detector.jsonl"
BLIND_SPLITS = frozenset({"blind3"})
# Pack category -> the reason code the rail reports for it.
CATEGORY_CLASS = {
    "direct_injection": "prompt_injection",
    "jailbreak_roleplay": "jailbreak",
    "system_prompt_extraction": "system_prompt_extraction",
    "harmful": "harmful_request",
    "unbounded_consumption": "unbounded_request",
    "obfuscated": "obfuscated_payload",
    "benign": BENIGN,
    # Legitimate inputs of the pack's other categories: questions carrying personal data (the
    # output rail redacts them), questions the documents do not answer (refused for lack of
    # evidence, not blocked), questions over documents with planted instructions.
    "pii": BENIGN,
    "out_of_scope": BENIGN,
    "indirect_injection": BENIGN,
}
# Candidates compared on validation: (embedding weight, inverse regularisation C).
CANDIDATES = [(w, c) for w in (0.5, 1.0, 2.0) for c in (16.0, 64.0, 256.0)]


class TrainingDataError(RagError):
    """The safety data the detector is trained on is missing or malformed."""


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    category: str
    source: str

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_of(sha256: str) -> str:
    """60 / 20 / 20 by the text's hash: the same text always lands in the same split."""
    bucket = int(sha256[:8], 16) % 10
    return "train" if bucket < 6 else "val" if bucket < 8 else "test"


def text_split(text: str) -> str:
    """The split ``text`` belongs to, wherever it is found."""
    return split_of(text_sha256(text))


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
    return rows


def load_examples(safety_dir: Path) -> list[Example]:
    """Every input-rail example of the pack and the benign bank, deduplicated; the blind split
    (``blind/*.jsonl``) and any text it contains are left out."""
    bank = safety_dir / "benign_bank"
    if not bank.is_dir():
        raise TrainingDataError(f"no benign bank at {bank}: expected *.jsonl files")
    # A text of the blind split is never trained on, even when another file has it too.
    blind = {
        row["input"]
        for path in sorted((safety_dir / "blind").glob("*.jsonl"))
        for row in _rows(path)
    }
    examples: dict[str, Example] = {}
    for path in sorted(safety_dir.glob("*.jsonl")):
        for row in _rows(path):
            label = CATEGORY_CLASS.get(row.get("category", ""))
            if label is None or row.get("split") in BLIND_SPLITS or int(row.get("repeat", 1)) > 1:
                continue
            if row["input"] in blind:
                continue
            ex = Example(row["input"], label, row["category"], path.name)
            examples.setdefault(ex.sha256, ex)
    for path in sorted(bank.glob("*.jsonl")):
        for row in _rows(path):
            ex = Example(row["text"], BENIGN, f"bank:{row.get('domain', path.stem)}", path.name)
            examples.setdefault(ex.sha256, ex)
    return sorted(examples.values(), key=lambda e: e.sha256)


def write_splits(examples: list[Example], path: Path) -> dict[str, list[Example]]:
    """Record each example's split by sha256 and return the examples per split."""
    by_split: dict[str, list[Example]] = defaultdict(list)
    lines = []
    for ex in examples:
        split = split_of(ex.sha256)
        by_split[split].append(ex)
        lines.append(json.dumps({"sha256": ex.sha256, "split": split, "label": ex.label}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return by_split


def threshold_for(benign_scores: np.ndarray, budget: float) -> float:
    """The lowest threshold that keeps the share of benign scores at or above it within budget."""
    ordered = np.sort(benign_scores)[::-1]
    allowed = math.floor(budget * len(ordered))
    above = ordered[allowed] if allowed < len(ordered) else 0.0
    return float(np.nextafter(np.float32(above), np.float32(1.0)))


def measure(scores: np.ndarray, examples: list[Example], threshold: float) -> dict[str, Any]:
    stopped = scores >= threshold
    benign = [i for i, e in enumerate(examples) if e.label == BENIGN]
    attacks = [i for i, e in enumerate(examples) if e.label != BENIGN]
    per: dict[str, list[int]] = defaultdict(list)
    for i in attacks:
        per[examples[i].category].append(i)
    return {
        "benign_false_positive": rate(int(stopped[benign].sum()), len(benign)),
        "attack_recall": rate(int(stopped[attacks].sum()), len(attacks)),
        "recall_by_category": {
            cat: rate(int(stopped[idx].sum()), len(idx)) for cat, idx in sorted(per.items())
        },
    }


def _fit(x: Any, y: list[str], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced", random_state=SEED)
    return model.fit(x, y)


def _attack_scores(
    model: Any, texts: list[str], vectors: np.ndarray, idf: Any, weight: float
) -> np.ndarray:
    """1 - P(benign) per text under a fitted model."""
    probs = model.predict_proba(features(texts, vectors, idf, weight))
    return np.asarray(1.0 - probs[:, list(model.classes_).index(BENIGN)])


def _idf(texts: list[str]) -> dict[str, np.ndarray]:
    idf = {}
    for name in VIEWS:
        counts = hashed_counts(texts, name)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf[name] = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)
    return idf


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz whose bytes depend only on the arrays (fixed entry times), so a rebuild from the
    same data gives the same sha256."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def train(
    safety_dir: Path, embedder: Embedder, out_dir: Path = MODEL_DIR, budget: float = FP_BUDGET
) -> dict[str, Any]:
    """Fit, choose on validation, score test once, write the artefact; return its metadata."""
    examples = load_examples(safety_dir)
    splits = write_splits(examples, safety_dir / SPLITS_FILE)
    redactor = PiiRedactor()  # the rail masks personal data before the detector reads a text
    texts = {s: [redactor.redact(e.text)[0] for e in splits[s]] for s in ("train", "val", "test")}
    labels = {s: [e.label for e in splits[s]] for s in ("train", "val", "test")}
    vectors = {s: embedder.encode(texts[s]) for s in texts}
    idf = _idf(texts["train"])
    chosen: dict[str, Any] | None = None
    table = []
    for weight, c in CANDIDATES:
        model = _fit(features(texts["train"], vectors["train"], idf, weight), labels["train"], c)
        val = _attack_scores(model, texts["val"], vectors["val"], idf, weight)
        is_benign = np.array([lab == BENIGN for lab in labels["val"]])
        threshold = threshold_for(val[is_benign], budget)
        recall = float((val[~is_benign] >= threshold).mean())
        row = {"embedding_weight": weight, "C": c, "threshold": threshold, "val_recall": recall}
        table.append({k: round(v, 4) for k, v in row.items()})
        if chosen is None or recall > chosen["val_recall"] + 1e-9:
            chosen = {**row, "model": model}
    assert chosen is not None
    model, weight, threshold = chosen["model"], chosen["embedding_weight"], chosen["threshold"]
    scored = {
        s: measure(_attack_scores(model, texts[s], vectors[s], idf, weight), splits[s], threshold)
        for s in ("val", "test")
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    weights_path = out_dir / WEIGHTS
    save_arrays(
        weights_path,
        {
            "coef": model.coef_.astype(np.float16),
            "intercept": model.intercept_.astype(np.float32),
            **{f"idf_{name}": values.astype(np.float16) for name, values in idf.items()},
        },
    )
    meta = {
        "schema_version": 1,
        "classes": [str(c) for c in model.classes_],
        "threshold": threshold,
        "embedding_weight": weight,
        "C": chosen["C"],
        "fp_budget": budget,
        "seed": SEED,
        "features": {
            "views": {name: list(map(str, view)) for name, view in VIEWS.items()},
            "weighting": "sublinear tf-idf, L2 per view",
            "embedding": embedder.location.model_id,
        },
        "counts": {s: dict(Counter(labels[s])) for s in labels},
        "splits_sha256": sha256_file(safety_dir / SPLITS_FILE),
        "candidates": table,
        "validation": scored["val"],
        "test": scored["test"],
        "weights_sha256": sha256_file(weights_path),
    }
    (out_dir / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta
