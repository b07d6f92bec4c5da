"""``python -m ddx`` runs the ``ddx`` command."""

from .cli.entry import run

run()
