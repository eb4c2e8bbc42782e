"""Every default in one place.

Settings come from, in order of precedence: keyword overrides, environment variables
(prefix ``RAG_``), a ``.env`` file, the YAML file named by ``RAG_CONFIG`` (default ``configs/settings.yaml``),
then the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

DEFAULT_CONFIG = Path("configs/settings.yaml")

Mode = Literal["bm25", "dense", "hybrid", "hybrid+rerank"]
MODES: tuple[str, ...] = ("bm25", "dense", "hybrid", "hybrid+rerank")


class Settings(BaseSettings):
    """Runtime configuration. Field docs are the reference for ``configs/settings.yaml``."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", extra="ignore", validate_default=True
    )

    project_name: str = Field("Knowledge Assistant", description="Shown in the UI and API docs.")
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
    embed_batch_size: int = Field(64, ge=1, le=1024)

    # Chunking (in embedder tokens)
    chunk_tokens: int = Field(
        200, ge=32, description="Target chunk length, special tokens excluded."
    )
    chunk_overlap: int = Field(40, ge=0, description="Tokens shared by consecutive chunks.")

    # Retrieval
    mode: Mode = Field("hybrid+rerank", description="Default retrieval mode.")
    top_k: int = Field(5, ge=1, le=50, description="Chunks returned and passed to the answerer.")
    candidates: int = Field(50, ge=1, le=500, description="Candidates each retriever contributes.")
    fusion: Literal["rrf", "weighted"] = Field("rrf")
    rrf_k: int = Field(60, ge=1, description="RRF constant: score = sum 1 / (rrf_k + rank).")
    identifier_bm25_weight: float = Field(
        2.0,
        ge=1.0,
        le=10.0,
        description="RRF weight of BM25 when the query names a known identifier.",
    )
    bm25_weight: float = Field(0.5, ge=0.0, le=1.0, description="Weighted fusion: BM25 share.")
    rerank_candidates: int = Field(20, ge=1, le=200, description="Fused chunks re-ranked.")
    rerank_max_length: int = Field(256, ge=32, le=512)

    # Answering
    llm_provider: Literal["extractive", "openai-compatible"] = Field("extractive")
    llm_base_url: str | None = Field(None, description="e.g. http://localhost:11434/v1 (Ollama).")
    llm_api_key: str | None = Field(None, description="Bearer key; many local servers accept any.")
    llm_model: str | None = Field(None, description="Model name the server knows.")
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=5)
    llm_max_tokens: int = Field(400, ge=16, le=4096)
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    answer_sentences: int = Field(3, ge=1, le=10, description="Extractive: sentences per answer.")
    refusal_threshold: float = Field(
        0.30,
        ge=-1.0,
        le=1.0,
        description="Refuse when the best evidence score is below this (see docs/evaluation.md).",
    )
    min_identifier_coverage: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Refuse when less than this share of the question's identifiers (E104, HX-4200) is in the evidence.",
    )
    max_question_chars: int = Field(
        2000, ge=10, description="Longer questions are blocked by the input rail (input_too_long)."
    )
    guardrails: bool = Field(True, description="Input, context and output rails on.")
    redact_pii: bool = Field(True, description="Redact PII in answers, returned passages and logs.")
    redact_pii_at_ingest: bool = Field(False, description="Also redact PII in documents at ingest.")

    @field_validator("embedder_path", "reranker_path", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @property
    def llm_configured(self) -> bool:
        return self.llm_provider == "openai-compatible" and bool(
            self.llm_base_url and self.llm_model
        )

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
        path = Path(os.environ.get("RAG_CONFIG", DEFAULT_CONFIG))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if path.is_file():
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build settings; ``config`` names a YAML file to use instead of the default one."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if config is not None:
        if not config.is_file():
            raise FileNotFoundError(f"config file not found: {config}")
        previous = os.environ.get("RAG_CONFIG")
        os.environ["RAG_CONFIG"] = str(config)
        try:
            return Settings(**overrides)
        finally:
            if previous is None:
                os.environ.pop("RAG_CONFIG", None)
            else:
                os.environ["RAG_CONFIG"] = previous
    return Settings(**overrides)
