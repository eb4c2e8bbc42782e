"""A loopback openai-compatible judge for tests: it reads the ragas prompt, finds the output schema
it asks for, and answers it with a word-overlap rule, so verdicts depend on the input the way a
real judge's do (supported statements pass, unsupported ones fail)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from tests.helpers.fake_openai import chat_completion

WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STOP = set(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "be",
        "by",
        "with",
        "at",
        "as",
        "it",
        "its",
        "this",
        "that",
        "what",
        "how",
        "do",
        "does",
        "can",
        "i",
        "my",
        "our",
        "your",
        "we",
        "you",
        "who",
        "which",
        "when",
        "where",
        "why",
        "there",
        "their",
        "from",
        "if",
        "not",
        "no",
    ]
)


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOP}


def supported(statement: str, context: str, share: float = 0.75) -> int:
    needed = words(statement)
    return int(bool(needed) and len(needed & words(context)) / len(needed) >= share)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def respond(prompt: str) -> dict[str, Any]:
    title = re.findall(r'"title": "(\w+)"', prompt.split("\nNow perform the same")[0])[-1]
    data = json.loads(prompt.rsplit("input: ", 1)[1].rsplit("Output:", 1)[0])
    if title == "StatementGeneratorOutput":
        return {"statements": sentences(data["answer"])}
    if title == "NLIStatementOutput":
        return {
            "statements": [
                {"statement": s, "reason": "word overlap", "verdict": supported(s, data["context"])}
                for s in data["statements"]
            ]
        }
    if title == "ResponseRelevanceOutput":
        return {"question": data["response"], "noncommittal": 0}
    if title == "Verification":
        return {
            "reason": "word overlap",
            "verdict": supported(data["answer"], data["context"], 0.3),
        }
    if title == "ContextRecallClassifications":
        return {
            "classifications": [
                {
                    "statement": s,
                    "reason": "word overlap",
                    "attributed": supported(s, data["context"]),
                }
                for s in sentences(data["answer"])
            ]
        }
    if title == "AspectCriticOutput":
        question = words(data.get("user_input", ""))
        share = len(question & words(data.get("response", ""))) / max(len(question), 1)
        return {"reason": "question words in the response", "verdict": int(share >= 0.4)}
    raise ValueError(f"fake judge does not know the schema {title}")


class FakeJudge(BaseHTTPRequestHandler):
    calls: ClassVar[list[str]] = []
    broken: ClassVar[bool] = False

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        FakeJudge.calls.append(prompt)
        content = "this is not json" if FakeJudge.broken else json.dumps(respond(prompt))
        raw = chat_completion(body["model"], content, 300, 40)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@contextmanager
def fake_judge() -> Iterator[str]:
    """Serve the fake judge on a free loopback port; yields its base URL."""
    FakeJudge.calls = []
    FakeJudge.broken = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeJudge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
