"""What the repo reports and how: run folders and README blocks (``runs``), percentiles,
bootstrap and Wilson intervals (``stats``); the model and data cards (``cards``) and the cost
table (``cost``) are imported by the commands that write them."""

from .runs import new_run_dir, publish_latest, replace_block, write_run
from .stats import bootstrap_ci, percentiles, rate, wilson

__all__ = [
    "bootstrap_ci",
    "new_run_dir",
    "percentiles",
    "publish_latest",
    "rate",
    "replace_block",
    "wilson",
    "write_run",
]
