"""Every default in one place.

Settings come from, in order of precedence: keyword overrides, environment variables
(prefix ``RAG_``), a ``.env`` file, an experiment YAML given with ``--config`` (only the keys it
sets), the YAML file named by ``RAG_CONFIG`` (default ``configs/settings.yaml``), then the
defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Literal

# [vector_store=faiss]
from pydantic import Field, SecretStr, field_validator, model_validator
# [/vector_store=faiss]
# [vector_store=milvus]
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
# [/vector_store=milvus]
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

DEFAULT_CONFIG = Path("configs/settings.yaml")
# Fitted artefacts that ship inside the package (``make calibrate`` rewrites this one).
ANSWERABILITY_MODEL = (
    Path(__file__).resolve().parents[1] / "generation" / "model" / "answerability.json"
)

Mode = Literal["bm25", "dense", "hybrid", "hybrid+rerank"]
MODES: tuple[str, ...] = ("bm25", "dense", "hybrid", "hybrid+rerank")


class Settings(BaseSettings):
    """Runtime configuration. Field docs are the reference for ``configs/settings.yaml``."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", extra="ignore", validate_default=True
    )
    # An experiment's YAML layered over configs/settings.yaml (see ``load_settings``).
    overlay_file: ClassVar[Path | None] = None

    project_name: str = Field(
        __name__.split(".")[0].replace("_", " ").title(),
        description="Shown in the UI and API docs (configs/settings.yaml holds the name the bake was given).",
    )
    index_dir: Path = Field(Path("index"), description="Where the index lives.")
    models_dir: Path = Field(Path("models"), description="Where `make models` puts fetched models.")

    # Models
    embedder: str = Field(
        "sentence-transformers/all-MiniLM-L6-v2", description="Sentence-transformers model id."
    )
    embedder_path: Path | None = Field(
        None, description="Local folder of the embedder; overrides the lookup by id."
    )
    reranker: str = Field(
        "cross-encoder/ms-marco-MiniLM-L-6-v2", description="Cross-encoder model id."
    )
    reranker_path: Path | None = Field(
        None, description="Local folder of the cross-encoder; overrides the lookup by id."
    )
    allow_download: bool = Field(
        False, description="Let sentence-transformers fetch models from the hub at run time."
    )
    embed_batch_size: int = Field(
        4,
        ge=1,
        le=1024,
        description="Texts per encoder call at ingest (sorted by length first). On 2 cores the "
        "ONNX session embedded 64 passages/s at 1-4 a call, 51 at 16 and 45 at 32: less padding, "
        "activations stay in cache.",
    )
    embedder_backend: Literal["torch", "onnx"] = Field(
        "onnx",
        description="onnx: a local torch.onnx export run by onnxruntime (same vectors, faster on CPU).",
    )
    embedder_precision: Literal["fp32", "int8"] = Field(
        "fp32",
        description=(
            "int8 (onnx backend only): the export quantised for this CPU (MatMul weights per "
            "channel; 7-bit without VNNI). Use it where `make bench` accepts it (cosine and nDCG "
            "bars in docs/bench.md); changing it re-embeds the index at the next ingest."
        ),
    )
    reranker_backend: Literal["torch", "onnx"] = Field(
        "onnx", description="Backend of the cross-encoder, as for the embedder."
    )

    # Chunking (in embedder tokens)
    chunk_tokens: int = Field(
        200, ge=32, description="Target chunk length, special tokens excluded."
    )
    chunk_overlap: int = Field(40, ge=0, description="Tokens shared by consecutive chunks.")

    # Retrieval
    mode: Mode = Field("hybrid+rerank", description="Default retrieval mode.")
    top_k: int = Field(5, ge=1, le=50, description="Chunks returned and passed to the answerer.")
    candidates: int = Field(50, ge=1, le=500, description="Candidates each retriever contributes.")
    fusion: Literal["rrf", "weighted"] = Field(
        "rrf", description="rrf: reciprocal rank fusion; weighted: min-max scores, bm25_weight."
    )
    rrf_k: int = Field(60, ge=1, description="RRF constant: score = sum 1 / (rrf_k + rank).")
    identifier_bm25_weight: float = Field(
        2.0,
        ge=1.0,
        le=10.0,
        description="RRF weight of BM25 when the query names a known identifier.",
    )
    bm25_weight: float = Field(0.5, ge=0.0, le=1.0, description="Weighted fusion: BM25 share.")
    rerank_candidates: int = Field(
        5,
        ge=1,
        le=200,
        description="Fused chunks re-ranked: the curve point `make bench` finds within a 200 ms "
        "search p95 on a 2-core CPU (docs/adr/0002); raise it where the bench shows room.",
    )
    rerank_max_length: int = Field(
        128, ge=32, le=512, description="Tokens of query + passage the cross-encoder reads."
    )
    hnsw_threshold: int = Field(
        100_000,
        ge=1,
        description="From this many chunks the dense index is faiss HNSW instead of exact search.",
    )
    hnsw_ef_search: int = Field(128, ge=8, le=2048, description="HNSW search breadth.")

    # Vector store (docs/scaling.md)
    # [vector_store=faiss]
    vector_store: Literal["faiss"] = Field("faiss", description="faiss + bm25s in this process.")
    # [/vector_store=faiss]
    # [vector_store=milvus]
    vector_store: Literal["faiss", "milvus"] = Field(
        "faiss", description="faiss + bm25s in this process, or a Milvus collection."
    )
    milvus_uri: str | None = Field(
        None,
        validation_alias=AliasChoices("milvus_uri", "MILVUS_URI", "RAG_MILVUS_URI"),
        description="Milvus Lite file, or http://host:19530 (env MILVUS_URI); default <index_dir>/milvus.db.",
    )
    milvus_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("milvus_token", "MILVUS_TOKEN", "RAG_MILVUS_TOKEN"),
        description="Milvus token, user:password or an API key (env MILVUS_TOKEN).",
    )
    milvus_collection: str = Field(
        "rag_chunks",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Collection holding the chunks (plus <name>_meta for the manifest).",
    )
    milvus_index: Literal["auto", "FLAT", "HNSW", "IVF_FLAT", "IVF_SQ8", "AUTOINDEX"] = Field(
        "auto", description="Vector index; auto: FLAT < 100k chunks, HNSW < 10M, else IVF_SQ8."
    )
    milvus_analyzer: Literal["project", "milvus"] = Field(
        "project",
        description="BM25 terms from this project's analyzer (as bm25s gets) or Milvus's standard analyzer.",
    )
    # [/vector_store=milvus]

    # Answering
    llm_provider: Literal["extractive", "openai-compatible"] = Field(
        "extractive", description="Who writes answers: quoted sentences, or an LLM server."
    )
    llm_base_url: str | None = Field(None, description="e.g. http://localhost:11434/v1 (Ollama).")
    llm_api_key: SecretStr | None = Field(
        None, description="Bearer key; many local servers accept any."
    )
    llm_model: str | None = Field(None, description="Model name the server knows.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Per LLM call.")
    llm_max_retries: int = Field(2, ge=0, le=5, description="Retries of a failed LLM call.")
    llm_max_tokens: int = Field(400, ge=16, le=4096, description="Longest answer asked for.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="0: the same answer each time.")
    answer_sentences: int = Field(3, ge=1, le=10, description="Extractive: sentences per answer.")
    refusal_threshold: float = Field(
        0.30,
        ge=-1.0,
        le=1.0,
        description="Always refuse when the best evidence score is below this floor (a question "
        "unrelated to every document); above it the answerability model decides.",
    )
    answerability_model: Path = Field(
        ANSWERABILITY_MODEL,
        description="The refusal model (JSON) `make calibrate` fits on a golden set; a default "
        "ships in the package (docs/safety.md says when to recalibrate).",
    )
    followup: Literal["rewrite", "concat", "none"] = Field(
        "rewrite",
        description="How a conversation's earlier turns reach retrieval: follow-ups resolved "
        "against them (the LLM's rewrite when one is configured, else offline), every earlier "
        "question joined to the new one, or not at all.",
    )
    feedback_db: Path = Field(
        Path("reports/feedback/feedback.sqlite"),
        description="SQLite file of answer feedback (created on first use; `triage` reads it).",
    )
    query_log: Path | None = Field(
        None,
        description="Opt-in JSON-lines log of answered questions for `make drift` (the question "
        "hashed, its best-evidence similarity, whether it was refused); unset: no log.",
    )
    quality_window: int = Field(
        200, ge=10, le=100_000, description="Recent answers the live quality gauges average over."
    )
    history_turns: int = Field(
        4, ge=1, le=20, description="Most recent turns of a conversation a follow-up reads."
    )
    otel_exporter: Literal["none", "console", "otlp"] = Field(
        "none",
        description="OpenTelemetry traces (docs/observability.md): off, one JSON object per span "
        "on standard error, or OTLP/HTTP to otel_endpoint.",
    )
    otel_endpoint: str | None = Field(
        None,
        description="OTLP/HTTP collector base URL (`/v1/traces` is added); unset: the SDK's "
        "default, OTEL_EXPORTER_OTLP_ENDPOINT or http://localhost:4318.",
    )
    max_question_chars: int = Field(
        2000, ge=10, description="Longer questions are blocked by the input rail (input_too_long)."
    )
    guardrails: bool = Field(True, description="Input, context and output rails on.")
    redact_pii: bool = Field(True, description="Redact PII in answers, returned passages and logs.")
    redact_pii_at_ingest: bool = Field(False, description="Also redact PII in documents at ingest.")

    # Limits and service hardening (docs/reliability.md)
    request_deadline_s: float = Field(
        30.0, gt=0, le=600, description="Budget of one answer; a slow LLM yields to the fallback."
    )
    llm_max_prompt_tokens: int = Field(
        3000, ge=256, le=128_000, description="Passages past this (~4 chars a token) are not sent."
    )
    llm_backoff_s: float = Field(0.5, ge=0, le=30, description="First retry delay; doubles.")
    llm_breaker_failures: int = Field(
        5, ge=1, le=100, description="Consecutive LLM failures that open the circuit breaker."
    )
    llm_breaker_cooldown_s: float = Field(
        30.0, gt=0, le=3600, description="Open breaker waits this long, then lets one call try."
    )
    admin_api_key: SecretStr | None = Field(
        None, description="Key for /admin/* (RAG_ADMIN_API_KEY); unset: admin is refused."
    )
    api_key_groups: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Document access for API callers: sha256 (hex) of an API key -> the groups "
        "its holder belongs to. A caller sends the key as X-API-Key; no key: public documents.",
    )
    trust_groups_header: bool = Field(
        False,
        description="Take the caller's groups from the X-User-Groups header (comma-separated). "
        "Only behind an authenticating proxy that sets it; off: the header is ignored.",
    )
    cors_allow_origins: list[str] = Field(
        default_factory=list, description="Origins CORS allows; empty (default) means closed."
    )
    max_body_bytes: int = Field(65_536, ge=1024, le=10_000_000, description="Larger: 413.")
    rate_limit_per_minute: int = Field(
        0, ge=0, le=1_000_000, description="Per client IP on /ask, /search, /admin; 0 = off."
    )
    rate_limit_burst: int = Field(20, ge=1, le=10_000, description="Token bucket size.")

    llm_tokenizer_path: Path | None = Field(
        None,
        description="Folder (or tokenizer.json) of the answering model's tokenizer, for token counts "
        "when the provider reports no usage; default: the embedder's tokenizer (an estimate).",
    )
    answer_cache_size: int = Field(
        256,
        ge=0,
        le=100_000,
        description="Finished answers kept in an LRU cache (exact question, mode, k); 0 turns it off.",
    )
    query_cache_size: int = Field(
        1024, ge=0, le=1_000_000, description="Query embeddings kept in an LRU cache."
    )

    # LLM judge for eval (openai-compatible; separate from the answering model)
    judge_base_url: str | None = Field(
        None, description="Judge endpoint, e.g. http://localhost:11434/v1."
    )
    judge_model: str | None = Field(None, description="Judge model name the server knows.")
    judge_api_key: SecretStr | None = Field(None, description="Bearer key for the judge endpoint.")
    judge_timeout_s: float = Field(60.0, gt=0, description="Per judge call.")
    judge_max_retries: int = Field(2, ge=0, le=5, description="Retries of a failed judge call.")

    @field_validator(
        "embedder_path", "reranker_path", "llm_tokenizer_path", "query_log", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @property
    def llm_configured(self) -> bool:
        return self.llm_provider == "openai-compatible" and bool(
            self.llm_base_url and self.llm_model
        )

    @property
    def judge_configured(self) -> bool:
        return bool(self.judge_base_url and self.judge_model)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError("chunk_overlap must be smaller than chunk_tokens")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        overlay = getattr(settings_cls, "overlay_file", None)
        if overlay is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=overlay))
        path = Path(os.environ.get("RAG_CONFIG", DEFAULT_CONFIG))
        if path.is_file():
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build settings; ``config`` names a YAML file layered over the default one (an experiment:
    the keys it sets win over ``configs/settings.yaml``, environment variables still win over both).
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if config is not None:
        if not config.is_file():
            raise FileNotFoundError(f"config file not found: {config}")
        layered = type("Settings", (Settings,), {"overlay_file": config, "__module__": __name__})
        return layered(**overrides)
    return Settings(**overrides)
