"""The ``ddx`` command (also ``python -m ddx``): thin wrappers over the Python API."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .errors import DdxError

__all__ = ["main"]


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="model directory holding model/ and priors/ (default: bundled)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ddx",
        description="Transparent Bayesian differential diagnosis for numbness, tingling or pins and needles "
        "in the leg. Decision support, not a diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"ddx {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    score = sub.add_parser("score", help="score a CSV of vignettes (one row per case)")
    score.add_argument("input", help="input CSV: case_id, one column per evidence id, optional age, sex, gold_*")
    score.add_argument("-o", "--output", required=True, help="output CSV (same rows, same order)")
    score.add_argument("--metrics", metavar="FILE", help="write the metrics as JSON (needs gold columns)")
    score.add_argument("--top", type=int, default=5, metavar="K", help="how many top causes to write (default 5)")
    score.add_argument("--strict", action="store_true", help="exit non-zero if any row has an error")
    score.add_argument("--quiet", action="store_true", help="no progress bar, no metrics table")
    _add_model(score)

    diagnose = sub.add_parser("diagnose", help="diagnose one case given on the command line")
    diagnose.add_argument("answers", nargs="*", metavar="ID=yes|no", help="evidence answers, e.g. back_pain=yes")
    diagnose.add_argument("--age", type=float)
    diagnose.add_argument("--sex", choices=["female", "male"])
    diagnose.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_model(diagnose)

    check = sub.add_parser("check", help="validate a model directory and print a summary")
    _add_model(check)
    return parser


def _parse_answers(items: Sequence[str]) -> dict[str, bool]:
    from .values import parse_answer

    out: dict[str, bool] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise DdxError(f"answers are written ID=yes or ID=no; got {item!r}")
        parsed = parse_answer(value)
        if parsed is None and value.strip():
            raise DdxError(f"answer for '{key}' must be yes or no; got {value!r}")
        if parsed is not None:
            out[key] = parsed
    return out


def _diagnose(args: argparse.Namespace) -> int:
    from .engine import load

    result = load(args.model).diagnose(_parse_answers(args.answers), age=args.age, sex=args.sex)
    if args.json:
        row = result.to_row()
        row["advice"] = result.advice
        row["disclaimer"] = result.disclaimer
        print(json.dumps(row, indent=2))
    else:
        print(result)
    return 0


def _check(args: argparse.Namespace) -> int:
    from .engine import load

    engine = load(args.model)
    kb = engine.kb
    print(f"ok: {kb.root} (kb_version {kb.kb_version})")
    print(
        f"  {len(kb.causes)} causes, {len(kb.network_findings)} linked findings, {len(kb.risk_factors)} risk factors, "
        f"{len(kb.emergency_signs)} emergency signs, {len(kb.merges)} merges, {len(kb.rules)} rules"
    )
    return 0


def _score(args: argparse.Namespace) -> int:
    from .batch import score_file

    return score_file(
        args.input,
        args.output,
        model=args.model,
        metrics_path=args.metrics,
        top=args.top,
        strict=args.strict,
        quiet=args.quiet,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ddx`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    handlers = {"score": _score, "diagnose": _diagnose, "check": _check}
    try:
        return handlers[args.command](args)
    except DdxError as exc:
        print(f"ddx {args.command}: error: {exc}", file=sys.stderr)
        return 2
