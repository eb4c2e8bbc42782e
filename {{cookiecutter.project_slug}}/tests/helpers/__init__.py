"""Helpers the tests import: corpora they write, fake LLM and judge servers, a browser."""
