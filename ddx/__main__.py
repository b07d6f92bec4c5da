"""``python -m ddx`` runs the ``ddx`` command."""

import sys

from .cli import main

sys.exit(main())
