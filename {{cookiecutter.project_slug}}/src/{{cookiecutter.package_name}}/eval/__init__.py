"""Golden-set evaluation: retrieval ablations, answer quality, refusals, latency, a quality gate."""
