"""Entry point of the process that measures one size: ``python -m <package>.bench.child JOB.json``.

A fresh process per size makes its peak RSS that size's own, not the largest seen so far.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .measure import SizeJob, measure


def main(job_file: str) -> None:
    job = SizeJob(**json.loads(Path(job_file).read_text(encoding="utf-8")))
    result = measure(job, log=lambda line: print(line, file=sys.stderr, flush=True))
    (Path(job.work) / "result.json").write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
