"""The argument parser of the ``ddx`` command: every subcommand and its options."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .. import __version__

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = ["build_parser"]


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="model directory holding model/ and priors/ (default: bundled)")


def _add_intervals(parser: argparse.ArgumentParser, what: str) -> None:
    """``--intervals [DRAWS]`` and ``--seed``: draws of the model's numbers (see ddx.inference.uncertainty)."""
    parser.add_argument(
        "--intervals",
        nargs="?",
        type=int,
        const=1000,
        metavar="DRAWS",
        help=f"{what} over DRAWS draws of the model's numbers (default 1000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")


def _add_case_source(parser: argparse.ArgumentParser) -> None:
    """One case from inline JSON, a JSON file or a row of a vignette CSV, with optional age and sex."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--json", metavar="TEXT", help='evidence as JSON, e.g. \'{"back_pain": true, "age": 45}\'')
    source.add_argument("--json-file", metavar="FILE", help="a file holding that JSON")
    source.add_argument("--csv", metavar="FILE", help="a vignette CSV (the batch input); pick the row with --case-id")
    parser.add_argument("--case-id", metavar="ID", help="the case_id of the CSV row")
    parser.add_argument("--age", type=float, help="age in years (wins over the case's)")
    parser.add_argument("--sex", choices=["female", "male"], help="sex (wins over the case's)")


def build_parser() -> argparse.ArgumentParser:
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
    score.add_argument(
        "--no-escape-formulas",
        dest="escape_formulas",
        action="store_false",
        help="write text cells starting with = + - @ tab or CR verbatim (default: prefix ' so a spreadsheet "
        "shows them as text); for programs that read the output",
    )
    _add_intervals(score, "add posterior intervals (p_low_/p_high_<cause>, top1_stable)")
    _add_model(score)

    diagnose = sub.add_parser("diagnose", help="diagnose one case given on the command line")
    diagnose.add_argument("answers", nargs="*", metavar="ID=yes|no", help="evidence answers, e.g. back_pain=yes")
    diagnose.add_argument("--age", type=float)
    diagnose.add_argument("--sex", choices=["female", "male"])
    diagnose.add_argument("--json", action="store_true", help="print the result as JSON")
    _add_model(diagnose)

    sens = sub.add_parser(
        "sensitivity", help="which of the model's numbers one case's leading cause hinges on (table, tornado chart)"
    )
    _add_case_source(sens)
    sens.add_argument("--cause", metavar="ID", help="the cause to study (default: the most probable)")
    sens.add_argument("--top", type=int, default=15, metavar="K", help="how many numbers to list (default 15)")
    sens.add_argument("-o", "--output", metavar="FILE", help="also draw a tornado chart (.png, .svg or .html)")
    _add_model(sens)

    export = sub.add_parser("export", help="write the network as XMLBIF or BIF for other Bayesian-network tools")
    export.add_argument(
        "--format", choices=["xmlbif", "bif"], help="default: from the file name (.bifxml/.xml -> XMLBIF)"
    )
    export.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="e.g. ddx.bifxml (pyAgrum's XMLBIF suffix)"
    )
    _add_model(export)

    bench = sub.add_parser(
        "bench", help="benchmark against pgmpy and pyAgrum (same options as scripts/benchmark.py)", add_help=False
    )
    bench.add_argument("options", nargs=argparse.REMAINDER, help="see ddx bench --help")

    check = sub.add_parser("check", help="validate a model directory and print a summary")
    _add_model(check)

    visualise = sub.add_parser("visualise", help="draw the network by layer (.svg, .html or .png)")
    visualise.add_argument("-o", "--output", required=True, metavar="FILE", help="network.svg, network.html or .png")
    visualise.add_argument("--cause", metavar="ID", help="draw one cause with its risk factors and findings")
    _add_model(visualise)

    explain = sub.add_parser("explain", help="explain one case: triage, top causes, and why (optionally a picture)")
    _add_case_source(explain)
    explain.add_argument("--cause", metavar="ID", help="the cause to explain (default: the most probable)")
    explain.add_argument("--top", type=int, default=8, metavar="K", help="how many causes to show (default 8)")
    explain.add_argument("-o", "--output", metavar="FILE", help="also draw the case to case.png, .svg or .html")
    _add_intervals(explain, "show each posterior's 5th-95th percentile")
    _add_model(explain)

    interview = sub.add_parser("interview", help="answer questions, safety first, until the answer is clear")
    interview.add_argument("--max-questions", type=int, metavar="N", help="stop after N questions (default: model's)")
    interview.add_argument(
        "--intake",
        metavar="IDS",
        help="intake checklists to ask, comma-separated, or 'none' (default: intake.ask of model/interview.yaml)",
    )
    _add_model(interview)
    return parser
