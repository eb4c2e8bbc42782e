"""A golden set over the test corpus (tests/helpers/corpus.py): answerable and unanswerable."""

GOLDEN = [
    {
        "id": "k1",
        "question": "What does fault ZK-17 mean?",
        "reference_answer": "The element is scaled.",
        "relevant_ids": ["guides/kettle.md"],
        "tags": ["identifier"],
    },
    {
        "id": "k2",
        "question": "How long is the kettle guaranteed for?",
        "reference_answer": "3 years.",
        "relevant_ids": ["guides/kettle.md"],
        "tags": ["paraphrase"],
    },
    {
        "id": "l1",
        "question": "Which part replaces the lamp LED module?",
        "reference_answer": "OL-220.",
        "relevant_ids": ["guides/lamp.txt"],
        "tags": ["identifier"],
    },
    {
        "id": "s1",
        "question": "How many days do I have to send back unused items?",
        "reference_answer": "30 days.",
        "relevant_ids": ["faq/shipping.html"],
        "tags": ["factual"],
    },
    {
        "id": "h1",
        "question": "How many metres of hose fit on the HR-9 reel?",
        "reference_answer": "40 metres.",
        "relevant_ids": ["guides/hose.pdf"],
        "tags": ["identifier"],
    },
    {
        "id": "u1",
        "question": "Who won the 1966 football world cup final?",
        "relevant_ids": [],
        "tags": ["unanswerable"],
    },
]
