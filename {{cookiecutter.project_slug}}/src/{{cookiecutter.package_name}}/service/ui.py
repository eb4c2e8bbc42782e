"""Gradio demo: ask, see the cited answer, the retrieved chunks with every stage's score, the
latency of each stage, and a banner for any model that is not available."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..core.errors import RagError
from ..core.settings import MODES

if TYPE_CHECKING:
    from ..pipeline import AskResponse
    from .reload import LivePipeline

SCORE_COLUMNS = ["bm25", "dense", "fused", "rerank"]
_CITATION = re.compile(r"\[(\d{1,3})\]")


def banner(status: dict[str, Any]) -> str:
    warnings = []
    reranker = status["reranker"]
    if not reranker["available"]:
        warnings.append(f"Re-ranker unavailable: results are not re-ranked ({reranker['reason']}).")
    llm = status["llm"]
    if llm["provider"] == "extractive":
        warnings.append("No LLM configured: answers are extracted sentences from the documents.")
    elif llm.get("note"):
        warnings.append(llm["note"])
    return "\n".join(f"> **Note:** {w}" for w in warnings)


def answer_html(data: AskResponse) -> str:
    text = html.escape(data.answer)
    text = _CITATION.sub(
        lambda m: f'<a href="#src-{m.group(1)}" class="cite">[{m.group(1)}]</a>', text
    )
    status = "refused" if data.refused else "answered"
    if data.reason:
        status += f" ({html.escape(data.reason)})"
    return f'<div id="answer-text"><p>{text}</p><p><small>{status}</small></p></div>'


def sources_html(data: AskResponse) -> str:
    cited = {c.n for c in data.citations}
    parts = []
    for row in data.retrieved:
        n = row.rank
        opened = " open" if n in cited else ""
        title = html.escape(f"[{n}] {row.doc_id} - {row.section or row.title}")
        parts.append(
            f'<details id="src-{n}"{opened}><summary>{title}</summary>'
            f"<p>{html.escape(row.text)}</p></details>"
        )
    return "".join(parts)


def chunk_rows(data: AskResponse) -> list[list[Any]]:
    rows = []
    for row in data.retrieved:
        scores = [round(row.scores[c], 4) if c in row.scores else None for c in SCORE_COLUMNS]
        rows.append([row.rank, row.doc_id, row.chunk_id, *scores])
    return rows


def latency_md(latency: dict[str, float]) -> str:
    return "| stage | ms |\n|---|---|\n" + "\n".join(
        f"| {k} | {v:.1f} |" for k, v in latency.items()
    )


def build_ui(live: LivePipeline) -> gr.Blocks:
    """The demo over whichever pipeline is live when each question is asked."""
    settings = live.current.settings

    def ask(question: str, mode: str) -> tuple[str, str, list[list[Any]], str]:
        try:
            data = live.current.ask(question, mode).to_response()
        except RagError as exc:
            return f'<p id="answer-error">{html.escape(str(exc))}</p>', "", [], ""
        notes = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in data.notes)
        return (
            answer_html(data) + notes,
            sources_html(data),
            chunk_rows(data),
            latency_md(data.latency_ms),
        )

    with gr.Blocks(title=settings.project_name) as demo:
        gr.Markdown(
            f"# {settings.project_name}\nAnswers come only from the indexed documents; every sentence cites its source."
        )
        note = banner(live.current.status())
        if note:
            gr.Markdown(note, elem_id="banner")
        with gr.Row():
            question = gr.Textbox(
                label="Question",
                elem_id="question",
                scale=4,
                max_length=settings.max_question_chars,
            )
            mode = gr.Dropdown(
                list(MODES), value=settings.mode, label="Retrieval mode", elem_id="mode", scale=1
            )
        ask_button = gr.Button("Ask", variant="primary", elem_id="ask")
        answer = gr.HTML(elem_id="answer")
        with gr.Row():
            with gr.Column(scale=3):
                gr.Markdown("### Sources")
                sources = gr.HTML(elem_id="sources")
            with gr.Column(scale=1):
                gr.Markdown("### Latency")
                latency = gr.Markdown(elem_id="latency")
        gr.Markdown("### Retrieved chunks and per-stage scores")
        chunks = gr.Dataframe(
            headers=["#", "doc_id", "chunk_id", *SCORE_COLUMNS],
            elem_id="chunks",
            interactive=False,
            wrap=True,
        )
        outputs = [answer, sources, chunks, latency]
        ask_button.click(ask, [question, mode], outputs)
        question.submit(ask, [question, mode], outputs)
    return demo
