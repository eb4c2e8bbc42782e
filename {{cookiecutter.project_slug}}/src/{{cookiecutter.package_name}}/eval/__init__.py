"""Golden-set evaluation (`make eval`): retrieval ablations, answer quality with intervals,
refusals, latency, the safety pack and a quality gate. Entry points, imported by the CLI:
``eval.command.evaluate`` (one run folder), ``eval.compare`` (paired tests between runs),
``eval.calibration`` (the refusal model). Reading the golden set: ``eval.golden``."""
