"""``python -m ddx`` runs the ``ddx`` command."""

import sys

from .cli.entry import main

sys.exit(main())
