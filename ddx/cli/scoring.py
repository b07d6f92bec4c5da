"""``ddx score`` with ``-`` for the input, the output or the metrics (:mod:`ddx.cli.streams`).

Standard input is copied to a staging file first (the scorer reads its input
twice); an output or metrics of ``-`` is written to a staging file and copied
to standard output once the run has finished, so a refused or stopped run
writes nothing there. With the output on standard output, everything else the
run prints (the metrics table, the progress, row errors) goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..errors import DdxError, InputFileError, KnowledgeBaseError
from .streams import STDIN_NAME, STDIO, STDOUT_NAME, copy_to_stdout, fix_metrics_names, rename_streams, stdin_to_file

__all__ = ["score_streams"]

Run = Callable[[str | Path, str | Path, str | Path | None], int]


class _Renaming(io.TextIOBase):
    """A text stream that writes to ``target`` with every staging path named by its stream."""

    def __init__(self, target: IO[str], names: dict[Path, str]) -> None:
        self.target = target
        self.names = names

    def write(self, text: str) -> int:
        self.target.write(rename_streams(text, self.names))
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:  # the progress display draws only on a terminal
        return self.target.isatty()


def score_streams(args: argparse.Namespace, run: Run) -> int:
    """Run ``run(input, output, metrics)`` with staging files in place of ``-``; returns its exit code."""
    with tempfile.TemporaryDirectory(prefix="ddx-score-") as tmp:
        folder = Path(tmp)
        names: dict[Path, str] = {}
        source: str | Path = args.input
        if source == STDIO:
            source = stdin_to_file(folder / "stdin.csv")
            names[source] = STDIN_NAME
        output: str | Path = args.output
        if output == STDIO:
            output = folder / "stdout.csv"
            names[output] = STDOUT_NAME
        metrics: str | Path | None = args.metrics
        if metrics == STDIO:
            metrics = folder / "metrics.json"
            names[metrics] = STDOUT_NAME
        printed = sys.stderr if args.output == STDIO else sys.stdout
        try:
            with (
                contextlib.redirect_stdout(_Renaming(printed, names)),
                contextlib.redirect_stderr(_Renaming(sys.stderr, names)),
            ):
                code = run(source, output, metrics)
        except KnowledgeBaseError:
            raise
        except InputFileError as exc:
            raise InputFileError(rename_streams(str(exc), names)) from None
        except DdxError as exc:
            raise DdxError(rename_streams(str(exc), names)) from None
        if metrics is not None:
            fix_metrics_names(
                Path(metrics),
                STDIN_NAME if args.input == STDIO else str(args.input),
                STDOUT_NAME if args.output == STDIO else str(args.output),
            )
        if args.output == STDIO:
            copy_to_stdout(Path(output))
        if args.metrics == STDIO:
            assert metrics is not None
            copy_to_stdout(Path(metrics))
        return code
