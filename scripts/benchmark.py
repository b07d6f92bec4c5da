#!/usr/bin/env python3
"""Benchmark ddx against pgmpy and pyAgrum: ``python scripts/benchmark.py [--quick] [-o FILE]``.

Prints the tables of :func:`ddx.bench.run_benchmark` and, with ``-o FILE``,
writes every figure as JSON (nothing is written unasked). A full run takes about 15 minutes on
two cores; ``--quick`` is a smoke run of about a minute. pyAgrum comes with
``pip install -e '.[bench]'``; without it its rows are left out. Measures the
checkout this script lives in, installed or not.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one core, before numpy loads
    os.environ.setdefault(_var, "1")

_ROOT = Path(__file__).resolve().parents[1]
if (_ROOT / "ddx" / "__init__.py").is_file():
    sys.path.insert(0, str(_ROOT))

from ddx.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
