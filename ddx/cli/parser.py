"""The argument parser of the ``ddx`` command: every subcommand and its options.

A usage error (an unknown option, a missing argument, a value of the wrong
type) raises :class:`UsageError` instead of exiting, so that
:func:`ddx.cli.entry.main` reports it in one line with exit code 2 and, for
``ddx diagnose``, still shows the emergency that the answers on the line meet.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from .. import __version__

__all__ = ["EXIT_CODES", "UsageError", "build_parser"]

#: The exit codes of every subcommand (also printed by ``ddx --help`` and listed in the README).
EXIT_CODES = """\
exit codes:
  0    ok
  1    ddx score --strict: some rows have errors (the output is still written)
  2    usage or input error: a bad option, answer, value, file or path, or a
       missing optional dependency (the message names the extra to install)
  3    model error: the model directory is broken (ddx check on a bad model)
  129, 130, 143  stopped by SIGHUP, Ctrl-C (SIGINT) or SIGTERM
  141  standard output was closed early (ddx ... | head): ends quietly

'-' is standard input where a file is read (ddx score -, --json-file -, --csv -)
and standard output where a file is written (ddx score IN -o -, --metrics -,
ddx export -o - --format xmlbif); with -o - the metrics and progress go to stderr.
"""


class UsageError(Exception):
    """The command line does not parse; ``prog`` is the (sub)command whose options were wrong."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises :class:`UsageError` instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


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
    source.add_argument("--json-file", metavar="FILE", help="a file holding that JSON ('-': standard input)")
    source.add_argument(
        "--csv", metavar="FILE", help="a vignette CSV (the batch input; '-': stdin); pick the row with --case-id"
    )
    parser.add_argument("--case-id", metavar="ID", help="the case_id of the CSV row")
    parser.add_argument("--age", type=float, help="age in years (wins over the case's)")
    parser.add_argument("--sex", metavar="female|male", help="sex, also f/m in any case (wins over the case's)")


def _add_format(parser: argparse.ArgumentParser, what: str) -> None:
    """``--format text|json``: the format of what is printed (``--json`` always means JSON input)."""
    parser.add_argument(
        "--format", choices=["text", "json"], default="text", help=f"print {what} as text (default) or JSON"
    )


def build_parser() -> argparse.ArgumentParser:
    from ..bench import add_arguments as add_bench_arguments

    parser = _Parser(
        prog="ddx",
        description="Transparent Bayesian differential diagnosis for numbness, tingling or pins and needles "
        "in the leg. Decision support, not a diagnosis.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ddx {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    score = sub.add_parser("score", help="score a CSV of vignettes (one row per case)")
    score.add_argument("input", help="input CSV ('-': standard input): case_id, one column per evidence id, ...")
    score.add_argument("-o", "--output", required=True, help="output CSV, same rows, same order ('-': standard output)")
    score.add_argument("--metrics", metavar="FILE", help="write the metrics as JSON ('-': standard output)")
    score.add_argument("--top", type=int, default=5, metavar="K", help="how many top causes to write (default 5)")
    score.add_argument("--strict", action="store_true", help="exit 1 if any row has an error")
    score.add_argument("--quiet", action="store_true", help="no progress bar, no metrics table")
    score.add_argument(
        "--format",
        choices=["csv", "jsonl"],
        help="csv: one flat row per case (Parquet for a .parquet output); jsonl: one result object per line "
        "(docs/result.md); default: jsonl for a .jsonl or .ndjson output, else csv",
    )
    score.add_argument(
        "--no-escape-formulas",
        dest="escape_formulas",
        action="store_false",
        help="write text cells starting with = + - @ tab or CR verbatim (default: prefix ' so a spreadsheet "
        "shows them as text); for programs that read the output",
    )
    score.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="worker processes for the scoring (default: every core this process may use); the output is the same "
        "for any N",
    )
    _add_intervals(score, "add posterior intervals (p_low_/p_high_<cause>, top1_stable)")
    _add_model(score)

    diagnose = sub.add_parser("diagnose", help="diagnose one case given on the command line")
    diagnose.add_argument("answers", nargs="*", metavar="ID=yes|no", help="evidence answers, e.g. back_pain=yes")
    diagnose.add_argument("--age", type=float)
    diagnose.add_argument("--sex", metavar="female|male", help="sex, also f/m in any case")
    _add_format(diagnose, "the result (JSON: the shape of docs/result.md)")
    diagnose.add_argument(  # deprecated: --json means JSON input on every other command
        "--json", dest="json_output", action="store_true", help=argparse.SUPPRESS
    )
    _add_model(diagnose)

    ids = sub.add_parser("ids", help="list every evidence id with its kind, label and question")
    ids.add_argument("--kind", choices=["finding", "risk_factor", "emergency_sign"], help="only ids of this kind")
    ids.add_argument("--grep", metavar="TEXT", help="only ids whose id, label or question contains TEXT (any case)")
    _add_format(ids, "the list")
    _add_model(ids)

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
        "-o", "--output", required=True, metavar="FILE", help="e.g. ddx.bifxml ('-': standard output, with --format)"
    )
    _add_model(export)

    bench = sub.add_parser(
        "bench",
        help="benchmark against pgmpy and pyAgrum (docs/performance.md)",
        description="Benchmark ddx against pgmpy and pyAgrum; prints the tables, writes JSON only with -o.",
    )
    add_bench_arguments(bench)

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
    _add_format(explain, "the explanation (JSON: the result of docs/result.md with the cause's explanation)")
    _add_intervals(explain, "show each posterior's 5th-95th percentile")
    _add_model(explain)

    interview = sub.add_parser("interview", help="answer questions, safety first, until the answer is clear")
    interview.add_argument("--max-questions", type=int, metavar="N", help="stop after N questions (default: model's)")
    interview.add_argument(
        "--intake",
        metavar="IDS",
        help="intake checklists to ask, comma-separated, or 'none' (default: intake.ask of model/interview.yaml)",
    )
    interview.add_argument(
        "--clinician", action="store_true", help="end with the full result and each answer's effect in log-odds"
    )
    _add_model(interview)

    serve = sub.add_parser("serve", help="serve the JSON API and the web interview over HTTP (the server extra)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on (default: 127.0.0.1: this machine only)",
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes, one core each (default: 1)"
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin that may call the service from a browser, e.g. https://sandbox.cds-hooks.org "
        "(browser-based CDS Hooks clients need it; repeat for several; default: none)",
    )
    _add_model(serve)
    return parser
