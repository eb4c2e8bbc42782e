"""Follow-up questions: which ones lean on the conversation, and the query they are resolved to."""

import pytest

from {{ cookiecutter.package_name }}.core.types import Turn
from {{ cookiecutter.package_name }}.eval.conversations import load_conversations
from {{ cookiecutter.package_name }}.eval.golden import GoldenError
from {{ cookiecutter.package_name }}.pipeline.conversation import FollowUpResolver
from {{ cookiecutter.package_name }}.text.analyzer import analyze

DOCS = [
    "HX-4200 logger factory reset: hold the button for ten seconds, then recalibrate",
    "HX-2100 logger battery replacement and factory reset",
    "Annual leave for part-time staff is pro rata",
    "Annual leave carry-over needs form HR-F03",
    "Gateway RMA process: request a return number from support",
]
DF: dict[str, int] = {}
for doc in DOCS[:5]:
    for term in set(analyze(doc)):
        DF[term] = DF.get(term, 0) + 1


def resolver(llm=None) -> FollowUpResolver:
    return FollowUpResolver(lambda term: DF.get(term, 0), 50, llm)


HISTORY = [Turn("How do I factory reset the HX-4200 logger?", "Hold the button for ten seconds.")]


@pytest.mark.parametrize(
    "question",
    [
        "What is the RMA process for the gateway? Ask Support.",
        "How does annual leave carry-over work with form HR-F03?",
        "Is there a battery replacement guide?",
    ],
)
def test_a_self_contained_follow_up_is_searched_as_asked(question: str):
    resolved = resolver().resolve(question, HISTORY)
    assert resolved.query == question and not resolved.rewritten


@pytest.mark.parametrize(
    "question",
    [
        "Does it need recalibrating afterwards?",
        "And for part-time staff?",
        "How long does that take?",
    ],
)
def test_a_follow_up_that_leans_on_the_conversation_carries_its_subject(question: str):
    resolved = resolver().resolve(question, HISTORY)
    assert resolved.rewritten and resolved.how == "offline"
    assert resolved.query.startswith(question) and "HX-4200" in resolved.query


def test_older_turns_add_their_distinctive_terms_and_a_new_identifier_replaces_old_ones():
    history = [Turn("Where is form HR-F03?", ""), *HISTORY]
    resolved = resolver().resolve("What about the HX-2100?", history)
    assert "HX-4200 logger" in resolved.query  # the previous question, as asked
    assert "hr-f03" not in resolved.query.casefold()  # replaced by the follow-up's identifier
    deeper = resolver().resolve("How long does that take?", history)
    assert "hr-f03" in deeper.query.casefold()  # the older turn's identifier is carried


def test_strategies_and_an_empty_history():
    question = "How long does that take?"
    r = resolver()
    assert r.resolve(question, []).query == question
    assert r.resolve(question, HISTORY, "none").query == question
    assert r.resolve(question, HISTORY, "concat").query == f"{HISTORY[0].question} {question}"


def test_the_llm_rewrite_is_used_and_a_failing_llm_falls_back_offline():
    calls = []

    def llm(question, history):
        calls.append((question, history))
        return "How long does an HX-4200 factory reset take?\nextra line"

    resolved = resolver(llm).resolve("How long does that take?", HISTORY)
    assert resolved.how == "llm" and resolved.query.startswith("How long does an HX-4200")
    assert calls and calls[0][1] == HISTORY
    assert resolver(llm).resolve("Is there a battery replacement guide?", HISTORY).how == "as asked"

    def broken(question, history):
        raise TimeoutError("timed out")

    resolved = resolver(broken).resolve("How long does that take?", HISTORY)
    assert resolved.how == "offline" and "timed out" in (resolved.note or "")


def test_golden_conversations_are_checked_line_by_line(tmp_path):
    good = tmp_path / "ok.jsonl"
    good.write_text(
        '{"id": "c1", "turns": [{"question": "a?", "relevant_ids": ["x.md"]}, '
        '{"question": "and b?", "relevant_ids": ["x.md"], "needs_history": true}]}\n'
    )
    (conv,) = load_conversations(good)
    assert [t.needs_history for t in conv.turns] == [False, True]
    for body, fragment in [
        ("not json", "not valid JSON"),
        ('{"id": "c1", "turns": [{"question": "a?", "relevant_ids": []}]}', "2 or more turns"),
        ('{"id": "c1", "turns": [{"question": "a?"}, {"question": "b?"}]}', "relevant_ids"),
    ]:
        bad = tmp_path / "bad.jsonl"
        bad.write_text(body + "\n")
        with pytest.raises(GoldenError, match=fragment):
            load_conversations(bad)
