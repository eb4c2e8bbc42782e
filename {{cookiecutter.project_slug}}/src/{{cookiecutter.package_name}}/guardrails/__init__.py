"""Guardrails: input, retrieved-context and output checks, PII redaction, with reason codes."""
