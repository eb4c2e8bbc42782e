"""One pipeline for every door (CLI, API, UI, eval): retrieve -> fuse -> rerank -> answer.

Stage timings are taken here, once, and handed to whoever asked.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.errors import IndexIncompatibleError, ProviderError, RagError
from ..core.settings import MODES, Settings
from ..core.timing import Timings
from ..core.types import Answer, Hit, Retrieval, Turn
from ..generation.answerability import AnswerabilityModel
from ..generation.base import answer_attributes, refusal
from ..generation.evidence import EVIDENCE_CHUNKS, features
from ..generation.extractive import extract
from ..generation.prompts import SYSTEM_PROMPT
from ..guardrails import flags
from ..guardrails.context import neutralise
from ..guardrails.detector import Detector
from ..guardrails.input import InputRail, Verdict
from ..guardrails.output import check_answer
from ..guardrails.pii import PiiRedactor
from ..guardrails.stream import StreamRedactor
from ..models.encoders import Embedder, Reranker, load_embedder, load_reranker
from ..retrieval.hybrid import HybridRetriever, embedding_attributes
from ..retrieval.stores.factory import open_store
from ..retrieval.stores.local import ChunkStore
from .answer_cache import AnswerCache
from .conversation import STRATEGIES, FollowUpResolver, Resolved, history_key
from .privacy import quotes_clean_passages, redact_hits
from .results import AskResult, SearchResult
from .status import describe

WARMUP_QUESTIONS = ("What do these documents cover?", "Who approves exceptions?", "E104 fault")
"""Asked unmeasured before anything is timed: a general, a plain and an identifier-shaped question
load every lazily initialised part (tokenizer, ONNX session, BM25 scorer, PII analyzer)."""


class QuestionError(RagError):
    """The question itself is unusable (empty, too long, unknown mode, bad k)."""


class Pipeline:
    """Loads models and the index once; safe to share between threads for reads."""

    def __init__(
        self,
        settings: Settings,
        store: ChunkStore,
        embedder: Embedder,
        reranker: Reranker | None = None,
        reranker_note: str | None = None,
        answerability: AnswerabilityModel | None = None,
    ):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.answers: AnswerCache[AskResult] = AnswerCache(settings.answer_cache_size)
        self.reranker = reranker
        self.reranker_note = reranker_note
        self.retriever = HybridRetriever(store, embedder, settings, reranker, reranker_note)
        self.pii = PiiRedactor() if settings.redact_pii else None
        # Passages were scanned at ingest by the rules this code runs: trust their flags.
        self.trusted_flags = flags.trusted(store.manifest)
        self.input_rail = InputRail(
            embedder, Detector.load(), settings.max_question_chars, self.pii
        )
        self.answerability = answerability or AnswerabilityModel.load(settings.answerability_model)
        self.generator: Any = None
        self.llm_note: str | None = None
        if settings.llm_configured:
            from ..generation.openai_compat import OpenAICompatibleGenerator

            self.generator = OpenAICompatibleGenerator(settings)
        elif settings.llm_provider == "openai-compatible":
            self.llm_note = (
                "LLM not configured (set RAG_LLM_BASE_URL and RAG_LLM_MODEL): extractive answers"
            )
        self.followups = self._resolver(store)
        self._check_index()

    def _resolver(self, store: ChunkStore) -> FollowUpResolver:
        rewrite = self.generator.rewrite if self.generator is not None else None
        return FollowUpResolver(store.term_df, len(store), rewrite, self.settings.history_turns)

    def warm_up(self, mode: str | None = None) -> None:
        """Ask the warm-up questions, then forget their answers so no timed question hits them."""
        for question in WARMUP_QUESTIONS:
            self.ask(question, mode)
        self.answers.clear()

    @classmethod
    def load(
        cls,
        settings: Settings,
        with_reranker: bool = True,
        answerability: AnswerabilityModel | None = None,
    ) -> Pipeline:
        embedder = load_embedder(settings)
        store = open_store(settings)
        reranker, note = load_reranker(settings) if with_reranker else (None, "re-ranking disabled")
        return cls(settings, store, embedder, reranker, note, answerability)

    def reloaded(self) -> Pipeline:
        """A copy over the index now live on disk; models, guards and LLM client are shared."""
        store = open_store(self.settings)
        new = copy.copy(self)
        new.store = store
        new.answers = AnswerCache(self.settings.answer_cache_size)  # answers of the old index go
        new.retriever = HybridRetriever(
            store, self.embedder, self.settings, self.reranker, self.reranker_note
        )
        new.followups = new._resolver(store)
        new._check_index()
        return new

    def _check_index(self) -> None:
        built = self.store.manifest.get("fingerprint", {})
        if built.get("embedder") != self.embedder.location.model_id or (
            built.get("embedder_sha256") != self.embedder.location.sha256
        ):
            raise IndexIncompatibleError(
                f"the index was built with embedder {built.get('embedder')} "
                f"({str(built.get('embedder_sha256'))[:12]}), the settings load "
                f"{self.embedder.location.model_id} ({str(self.embedder.location.sha256)[:12]}): "
                "re-run `ingest`"
            )
        precision = built.get("embedder_precision", "fp32")
        if precision != self.embedder.precision:
            raise IndexIncompatibleError(
                f"the index was embedded in {precision}, the settings embed queries in "
                f"{self.embedder.precision} (embedder_precision): re-run `ingest`"
            )

    def _validate(self, text: str, mode: str | None, k: int | None) -> tuple[str, str, int]:
        text = (text or "").strip()
        if not text:
            raise QuestionError("the question is empty")
        mode = mode or self.settings.mode
        if mode not in MODES:
            raise QuestionError(f"unknown mode '{mode}': use one of {', '.join(MODES)}")
        k = k or self.settings.top_k
        if not 1 <= k <= 50:
            raise QuestionError(f"k must be between 1 and 50, got {k}")
        return text, mode, k

    def search(
        self,
        query: str,
        mode: str | None = None,
        k: int | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> SearchResult:
        """Ranked chunks among those a caller in ``groups`` may read (none: public ones)."""
        query, mode, k = self._validate(query, mode, k)
        timings = Timings()
        with timings.stage("total"):
            retrieval = self.retriever.search(query, mode, k, timings, groups)
        return SearchResult(query, retrieval, timings)

    def evidence(self, question: str, retrieval: Retrieval) -> tuple[dict[str, float], np.ndarray]:
        vector = retrieval.query_vector
        if vector is None:
            vector, _ = self.embedder.encode_query(question)
        top = retrieval.hits[:EVIDENCE_CHUNKS]
        evidence = features(
            question,
            vector,
            [hit.row for hit in top],
            [hit.chunk.indexed_text for hit in top],
            self.store,
        )
        return evidence, vector

    def evidence_for(self, question: str) -> dict[str, float]:
        """The evidence ``ask`` would weigh for ``question`` (retrieval and context rail as in
        ``ask``), with the model's P(unanswerable): what `make calibrate` fits on."""
        retrieval = self.search(question).retrieval
        self._guard_context(retrieval, [], Timings())
        return self._decide(question.strip(), retrieval)[2]

    def _decide(
        self, question: str, retrieval: Retrieval
    ) -> tuple[Answer | None, np.ndarray, dict[str, float]]:
        """Return (refusal or None, query vector, evidence).

        Below the dense floor nothing in the corpus is near the question; above it the
        answerability model weighs all the evidence. A refused question whose distinctive terms
        the corpus mostly never uses is out of scope; otherwise the evidence is insufficient.
        """
        if not retrieval.hits:
            return refusal("no_results"), np.zeros(self.embedder.dim, dtype=np.float32), {}
        evidence, vector = self.evidence(question, retrieval)
        evidence["p_unanswerable"] = round(self.answerability.probability(evidence), 4)
        if evidence["dense"] < self.settings.refusal_threshold:
            return refusal("insufficient_evidence", evidence), vector, evidence
        if evidence["p_unanswerable"] < self.answerability.threshold:
            return None, vector, evidence
        reason = "out_of_scope" if evidence["corpus_coverage"] < 0.5 else "insufficient_evidence"
        return refusal(reason, evidence), vector, evidence

    def _answer(
        self, query: str, asked: str, retrieval: Retrieval, vector: np.ndarray, deadline: float
    ) -> tuple[Answer, list[str]]:
        """An LLM reads the resolved ``query``; quoted sentences are chosen by the query's vector
        and the words the caller ``asked`` (a follow-up's own words say what it wants to know)."""
        notes: list[str] = []
        if self.generator is not None:
            try:
                return self.generator.generate(query, retrieval.hits, deadline), notes
            except ProviderError as exc:
                notes.append(f"{exc}; extractive fallback answer shown")
        return self._extractive(asked, retrieval, vector), notes

    def _guard_input(self, question: str, mode: str, timings: Timings) -> AskResult | None:
        """A finished AskResult when the input rail stops the question, else None."""
        if not self.settings.guardrails:
            return None
        with timings.stage("guard_input"):
            verdict: Verdict = self.input_rail.check(question)
        if verdict.allowed:
            return None
        answer = Answer(verdict.message or "", True, [], verdict.reason, "guardrail")
        answer.notes.append(f"input rail: {verdict.rule}")
        retrieval = Retrieval([], mode, False)
        return AskResult(question, answer, retrieval, timings, blocked=verdict.action == "block")

    def _guard_context(self, retrieval: Retrieval, notes: list[str], timings: Timings) -> None:
        if not self.settings.guardrails:
            return
        with timings.stage("guard_context"):
            retrieval.hits, changed = neutralise(retrieval.hits, self.trusted_flags)
        if changed:
            notes.append(
                f"context rail: instructions aimed at the model removed from {changed} passage(s)"
            )

    def _guard_output(self, result: AskResult) -> AskResult:
        """Output rail and PII redaction of the answer and the returned passages."""
        with result.timings.stage("guard_output"):
            if self.settings.guardrails:
                key = self.settings.llm_api_key
                secrets = [key.get_secret_value() if key else ""]
                result.answer = check_answer(
                    result.answer, result.retrieval.hits, secrets, (SYSTEM_PROMPT,)
                )
            if self.pii is not None:
                found = [f.entity for f in self.pii.find(result.question)]
                # A question with personal data in it is not echoed back at all: the recognisers
                # miss some of it (a street next to the postcode they find). Nor is a query that
                # carried personal data over from earlier turns.
                result.echo_query = not found and (
                    result.query in (None, result.question) or not self.pii.find(result.query)
                )
                if not quotes_clean_passages(result, self.trusted_flags):
                    result.answer.text, in_answer = self.pii.redact(result.answer.text)
                    found += in_answer
                result.redactions += found
                if found and not result.answer.refused and result.answer.reason is None:
                    result.answer.reason = "pii_redacted"
                result.retrieval.hits, found = self.redact_hits(result.retrieval.hits)
                result.redactions += found
        return result

    def redact_hits(self, hits: list[Hit]) -> tuple[list[Hit], list[str]]:
        """The passages with PII replaced, and the entity types found (nothing without redaction)."""
        return redact_hits(hits, self.pii, self.trusted_flags)

    def search_redacted(
        self,
        query: str,
        mode: str | None = None,
        k: int | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> SearchResult:
        """``search`` with PII removed from the returned passages (the API's /search): the
        retrieval timings stay as measured, the redaction is its own ``guard_output`` stage."""
        result = self.search(query, mode, k, groups)
        with result.timings.stage("guard_output"):
            result.retrieval.hits, result.redactions = self.redact_hits(result.retrieval.hits)
        return result

    def ask(
        self,
        question: str,
        mode: str | None = None,
        k: int | None = None,
        history: Sequence[Turn] = (),
        followup: str | None = None,
        groups: frozenset[str] = frozenset(),
    ) -> AskResult:
        """Answer ``question``; ``history`` holds the conversation's earlier turns (oldest first)
        and ``followup`` how they reach retrieval (default: the ``followup`` setting). Only the
        documents a caller in ``groups`` may read are used (no groups: public documents)."""
        question, mode, k = self._validate(question, mode, k)
        followup = self._strategy(followup)
        start = time.perf_counter()
        # The caller's groups are part of the key only where permissions exist: an answer built
        # from a restricted document is never served to a caller outside its groups.
        seen = sorted(groups) if self.store.restricted else []
        key = (question, history_key(history, followup), mode, str(k), self.version, *seen)
        hit = self.answers.get(key)
        if hit is not None:
            timings = Timings()
            timings.ms["total"] = (time.perf_counter() - start) * 1000.0
            return replace(hit, timings=timings, cached=True)
        *_, result = self._stages(question, mode, k, False, history, followup, groups)
        assert isinstance(result, AskResult)
        fallback = result.answer.provider == "extractive-fallback"  # retry the LLM next time
        if not result.blocked and not result.answer.notes and not fallback:
            self.answers.put(key, result)
        return result

    def ask_stream(
        self,
        question: str,
        mode: str | None = None,
        k: int | None = None,
        history: Sequence[Turn] = (),
        groups: frozenset[str] = frozenset(),
    ) -> Iterator[str | AskResult]:
        """Yield answer text as it is produced, then the AskResult."""
        question, mode, k = self._validate(question, mode, k)
        strategy = self._strategy(None)
        yield from self._stages(question, mode, k, True, history, strategy, groups)

    @property
    def version(self) -> str:
        """The index version answering (its build time): cache keys and feedback records."""
        return str(self.store.manifest.get("created_at", ""))

    def _strategy(self, followup: str | None) -> str:
        if (followup or self.settings.followup) not in STRATEGIES:
            raise QuestionError(f"unknown follow-up strategy '{followup}': use one of {STRATEGIES}")
        return followup or self.settings.followup

    def resolve(
        self, question: str, history: Sequence[Turn], followup: str, timings: Timings
    ) -> Resolved:
        """The retrieval query ``question`` means after ``history``. An LLM's rewrite is new text
        that reaches the prompt, so it passes the input rail too (else the offline one is used)."""
        if not history:
            return Resolved(question, False, "as asked")  # nothing to resolve, nothing timed
        with timings.stage("rewrite"):
            resolved = self.followups.resolve(question, history, followup)
            checked = resolved.how == "llm" and self.settings.guardrails
            if checked and not self.input_rail.check(resolved.query).allowed:
                resolved = self.followups.offline(question, history)
        return resolved

    def _stages(
        self,
        question: str,
        mode: str,
        k: int,
        stream: bool,
        history: Sequence[Turn] = (),
        followup: str = "rewrite",
        groups: frozenset[str] = frozenset(),
    ) -> Iterator[str | AskResult]:
        """The one stage sequence behind ``ask`` and ``ask_stream``: input rail, follow-up
        rewriting, retrieval, context rail, the evidence decision, the answer, the output rail;
        yields the AskResult last. The input rail reads the question as the caller wrote it;
        retrieval and the answer use the resolved query.

        With ``stream``, an LLM's tokens are yielded as they come (held to a sentence end, so PII
        split across tokens is redacted whole); any other answer's text is yielded once, after the
        output rail."""
        deadline = time.monotonic() + self.settings.request_deadline_s
        timings = Timings()
        notes: list[str] = []
        streamed = False
        with timings.stage("total"):
            if self.settings.guardrails:
                # The input rail reads the question's vector, so it is computed here, once, and
                # charged to embed_query (and so to retrieve), not to whichever stage needs it
                # first; the retriever then finds it in the query cache.
                with timings.stage("embed_query"):
                    self.embedder.encode_query(question)
                    timings.annotate(embedding_attributes(self.embedder))
            stopped = self._guard_input(question, mode, timings)
            if stopped is not None:
                if self.pii is not None:
                    stopped.echo_query = not self.pii.find(question)
                if stream:
                    yield stopped.answer.text
                yield stopped
                return
            resolved = self.resolve(question, history, followup, timings)
            if resolved.note:
                notes.append(resolved.note)
            query = resolved.query
            retrieval = self.retriever.search(query, mode, k, timings, groups)
            self._guard_context(retrieval, notes, timings)
            with timings.stage("answer"):
                answer, vector, evidence = self._decide(query, retrieval)
                if answer is None and stream and self.generator is not None:
                    held = StreamRedactor(self.pii) if self.pii is not None else None
                    try:
                        for piece in self.generator.stream(query, retrieval.hits, deadline):
                            if isinstance(piece, Answer):
                                answer = piece
                            else:
                                streamed = True
                                yield from held.feed(piece) if held else [piece]
                    except ProviderError as exc:
                        notes.append(f"{exc}; extractive fallback answer shown")
                        answer = self._extractive(question, retrieval, vector)
                    if held is not None:
                        yield from held.flush()
                    if answer is None:  # the stream ended without its result
                        answer = self._extractive(question, retrieval, vector)
                if answer is None:
                    answer, more = self._answer(query, question, retrieval, vector, deadline)
                    notes += more
                answer.evidence = {**evidence, **answer.evidence}
                timings.annotate(answer_attributes(answer, self.settings.llm_model))
            if self.llm_note:
                notes.append(self.llm_note)
            result = self._guard_output(
                AskResult(question, answer, retrieval, timings, notes=notes, query=query)
            )
        if stream and not streamed:
            yield result.answer.text  # non-streamed text is sent only after the output rail
        yield result

    def _extractive(self, question: str, retrieval: Retrieval, vector: np.ndarray) -> Answer:
        answer = extract(
            question,
            vector,
            retrieval.hits,
            self.embedder,
            self.settings.answer_sentences,
            getattr(self.store, "sentence_vectors", None),
        )
        if self.generator is not None:
            answer.provider = "extractive-fallback"
        return answer

    def status(self) -> dict[str, Any]:
        """What is loaded: the index, the models and the answering provider (/readyz shows it)."""
        return describe(self)
