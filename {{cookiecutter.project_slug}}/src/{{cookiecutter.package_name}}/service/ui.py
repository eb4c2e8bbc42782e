"""Gradio demo: a chat with cited answers (follow-ups read in the conversation), thumbs up or
down with a reason on each answer, the retrieved chunks with every stage's score, the latency of
each stage, and a banner for any model that is not available."""

from __future__ import annotations

import html
import re
import uuid
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..core.errors import RagError
from ..core.settings import MODES
from ..core.types import Turn
from ..feedback import REASONS

if TYPE_CHECKING:
    from ..pipeline import AskResponse
    from .feedback import Feedback
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


def chat_reply(data: AskResponse) -> str:
    """The assistant's chat message: the answer, then the documents it cites."""
    cited = {c.n: c.doc_id for c in data.citations}
    sources = " · ".join(f"[{n}] {doc}" for n, doc in sorted(cited.items()))
    # Document text is shown as text: markup in it is escaped, never rendered.
    return html.escape(data.answer) + (f"\n\nSources: {sources}" if sources else "")


def build_ui(live: LivePipeline, feedback: Feedback) -> gr.Blocks:
    """A chat over whichever pipeline is live when each question is asked: follow-ups are
    resolved against the conversation, every answer can be rated."""
    settings = live.current.settings

    def ask(question: str, mode: str, chat: list[dict[str, str]], turns: list[list[str]]) -> Any:
        pipeline = live.current
        request = uuid.uuid4().hex
        history = [Turn(q, a) for q, a in turns]
        try:
            data = pipeline.ask(question, mode, history=history).to_response(request)
        except RagError as exc:
            error = f'<p id="answer-error">{html.escape(str(exc))}</p>'
            return error, "", [], "", chat, turns, "", question, ""
        feedback.remember(question, data, pipeline.version)
        notes = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in data.notes)
        if data.query and data.query != question:
            notes += f'<p id="query"><small>searched as: {html.escape(data.query)}</small></p>'
        chat = [
            *chat,
            {"role": "user", "content": question},
            {"role": "assistant", "content": chat_reply(data)},
        ]
        return (
            answer_html(data) + notes,
            sources_html(data),
            chunk_rows(data),
            latency_md(data.latency_ms),
            chat,
            [*turns, [question, data.answer]],
            request,
            "",
            "",
        )

    def rate(rating: str, reason: str | None, comment: str, request: str) -> str:
        if not request:
            return "Ask a question first, then rate its answer."
        try:
            feedback.rate(request, rating, reason or None, comment.strip() or None)
        except RagError as exc:
            return f"Not saved: {exc}"
        return f"Thanks: rated {'up' if rating == 'up' else 'down'}."

    def start_over() -> Any:
        return "", "", [], "", [], [], "", "", ""

    with gr.Blocks(title=settings.project_name) as demo:
        gr.Markdown(
            f"# {settings.project_name}\nAnswers come only from the indexed documents; every "
            "sentence cites its source. Follow-up questions are read in the conversation."
        )
        note = banner(live.current.status())
        if note:
            gr.Markdown(note, elem_id="banner")
        chat = gr.Chatbot(elem_id="chat", label="Conversation", height=320)
        turns = gr.State([])
        request = gr.State("")
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
        with gr.Row():
            ask_button = gr.Button("Ask", variant="primary", elem_id="ask")
            new_chat = gr.Button("Start over", elem_id="new-chat")
        answer = gr.HTML(elem_id="answer")
        with gr.Row():
            reason = gr.Dropdown(
                [(r.replace("_", " "), r) for r in REASONS],
                value=None,
                label="Reason (for a thumbs down)",
                elem_id="reason",
                scale=2,
            )
            comment = gr.Textbox(label="Comment", elem_id="comment", scale=3, max_length=2000)
            up = gr.Button("Helpful", elem_id="thumbs-up", scale=1)
            down = gr.Button("Not helpful", elem_id="thumbs-down", scale=1)
        status = gr.Markdown(elem_id="feedback-status")
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
        outputs = [answer, sources, chunks, latency, chat, turns, request, question, status]
        ask_button.click(ask, [question, mode, chat, turns], outputs)
        question.submit(ask, [question, mode, chat, turns], outputs)
        new_chat.click(start_over, [], outputs)
        up.click(lambda *a: rate("up", *a), [reason, comment, request], status)
        down.click(lambda *a: rate("down", *a), [reason, comment, request], status)
    return demo
