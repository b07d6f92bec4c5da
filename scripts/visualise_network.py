#!/usr/bin/env python3
"""Draw the network by layer: ``python scripts/visualise_network.py -o network.svg`` (also .png, .html).

The same as ``ddx visualise``; options: ``--cause ID`` (one cause and its neighbourhood),
``--model DIR``. See docs/pictures.md.

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
    sys.exit(ddx.cli.main(["visualise", *sys.argv[1:]]))
