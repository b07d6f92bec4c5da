#!/usr/bin/env python3
"""Explain one case and draw it: ``python scripts/visualise_case.py --json '{"back_pain": true}' -o case.png``.

The same as ``ddx explain``; the case comes from ``--json TEXT``, ``--json-file FILE`` or
``--csv FILE --case-id ID`` (a vignette row); options ``--age``, ``--sex``, ``--cause ID``,
``--top K``, ``-o FILE`` (.png, .svg, .html), ``--model DIR``. See docs/pictures.md.

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
    sys.exit(ddx.cli.main(["explain", *sys.argv[1:]]))
