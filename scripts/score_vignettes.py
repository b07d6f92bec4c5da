#!/usr/bin/env python3
"""Score a CSV of vignettes: ``python scripts/score_vignettes.py IN.csv -o OUT.csv``.

The same as ``ddx score``; see ``ddx score --help`` for the options
(``--metrics FILE``, ``--top K``, ``--strict``, ``--quiet``, ``--model DIR``).
Works from a checkout without installing ddx.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import ddx.cli
except ImportError:  # running from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import ddx.cli


if __name__ == "__main__":
    sys.exit(ddx.cli.main(["score", *sys.argv[1:]]))
