"""The body of an OpenAI-compatible chat completion, for the loopback servers tests start."""

from __future__ import annotations

import json


def chat_completion(
    model: str, content: str, prompt_tokens: int = 120, completion_tokens: int = 11
) -> bytes:
    return json.dumps(
        {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    ).encode()
