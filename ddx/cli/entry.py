"""The ``ddx`` command (also ``python -m ddx``): thin wrappers over the Python API.

Every command ends with one line on stderr, never a traceback, when it is
stopped: Ctrl-C (SIGINT) exits 130, SIGHUP 129 and SIGTERM 143 (128 + the
signal number). The signals are turned into an exception, so the code that
writes files cleans up on the way out (``ddx score`` removes its partial
output). A closed standard output (``ddx ... | head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import DdxError, EmergencyEvidenceError

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.core import Engine
    from ..engine.result import DiagnosisResult
    from .case import CaseInput

__all__ = ["main"]


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="model directory holding model/ and priors/ (default: bundled)")


def _add_intervals(parser: argparse.ArgumentParser, what: str) -> None:
    """``--intervals [DRAWS]`` and ``--seed``: draws of the model's numbers (see ddx.uncertainty)."""
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


def _read_case(args: argparse.Namespace) -> tuple[Engine, CaseInput, DiagnosisResult]:
    """Check the picture path and --top, load the model, read the case and diagnose it."""
    from ..engine.core import load
    from ..pictures.plot import check_output
    from .case import read_case

    if args.output:
        check_output(args.output)
    if args.top < 1:
        raise DdxError(f"--top must be at least 1; got {args.top}")
    engine = load(args.model)
    try:
        case = read_case(
            engine.kb,
            json_text=args.json,
            json_file=args.json_file,
            csv_file=args.csv,
            case_id=args.case_id,
            age=args.age,
            sex=args.sex,
        )
    except DdxError as exc:  # the fail safe: an unreadable case keeps the emergency its readable answers meet
        _raise_kept_emergency(engine, exc, _raw_case(args), args.age, args.sex)
        raise
    return engine, case, engine.diagnose(case.evidence, age=case.age, sex=case.sex)


def _raw_case(args: argparse.Namespace) -> Any:
    """The case's answers as written (before any check), or None when they cannot even be parsed."""
    import csv

    try:
        if args.json is not None or args.json_file is not None:
            text = args.json if args.json is not None else Path(args.json_file).read_text(encoding="utf-8-sig")
            raw = json.loads(text)
            return raw.get("evidence", raw) if isinstance(raw, dict) else None
        with open(args.csv, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if str(row.get("case_id", "")).strip() == str(args.case_id).strip():
                    return {k: v for k, v in row.items() if k not in ("case_id", "age", "sex")}
    except (OSError, ValueError, TypeError, csv.Error):
        return None
    return None


def _raise_kept_emergency(engine: Engine, exc: DdxError, raw: Any, age: Any, sex: Any) -> None:
    """Raise the emergency that the readable answers of a refused case meet, if any (see :mod:`ddx.failsafe`)."""
    from ..clinical.failsafe import emergency_error

    if raw is None:
        return
    emergency = emergency_error(engine.kb, exc, raw, age, sex)
    if emergency is not None:
        raise emergency from exc


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


def _parse_answers(items: Sequence[str]) -> dict[str, bool]:
    from ..knowledge.values import parse_answer

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
    from ..engine.core import load

    engine = load(args.model)
    try:
        answers = _parse_answers(args.answers)
    except DdxError as exc:  # the fail safe: a bad answer never hides an emergency sign answered yes
        raw = dict(item.partition("=")[::2] for item in args.answers)
        _raise_kept_emergency(engine, exc, raw, args.age, args.sex)
        raise
    result = engine.diagnose(answers, age=args.age, sex=args.sex)
    if args.json:
        row = result.to_row()
        row["advice"] = result.advice
        row["disclaimer"] = result.disclaimer
        print(json.dumps(row, indent=2))
    else:
        print(result)
    return 0


def _check(args: argparse.Namespace) -> int:
    from ..engine.core import load
    from ..knowledge.interview_settings import SETTINGS_FILE, load_settings

    engine = load(args.model)
    kb = engine.kb
    # the interview's settings are checked too when present (only ddx interview needs them)
    settings = load_settings(kb) if (kb.root / SETTINGS_FILE).is_file() else None
    print(f"ok: {kb.root} (kb_version {kb.kb_version})")
    print(
        f"  {len(kb.causes)} causes, {len(kb.network_findings)} linked findings, {len(kb.risk_factors)} risk factors, "
        f"{len(kb.emergency_signs)} emergency signs, {len(kb.merges)} merges, {len(kb.rules)} rules"
    )
    if settings is None:
        print(f"  no {SETTINGS_FILE}: ddx interview cannot run on this model")
    else:
        asked = ", ".join(settings.intake_ask) or "none"
        print(
            f"  interview: {len(settings.screen_signs)} signs on the emergency checklist, "
            f"{len(settings.intake)} intake checklists (asked: {asked}), at most {settings.max_questions} questions"
        )
    return 0


def _score(args: argparse.Namespace) -> int:
    from ..batch.score import score_file

    if args.intervals is not None and args.intervals < 2:
        raise DdxError(f"--intervals must be at least 2 draws; got {args.intervals}")
    if args.seed < 0:
        raise DdxError(f"--seed must be 0 or more; got {args.seed}")
    try:
        return score_file(
            args.input,
            args.output,
            model=args.model,
            metrics_path=args.metrics,
            top=args.top,
            strict=args.strict,
            quiet=args.quiet,
            intervals=args.intervals,
            seed=args.seed,
            escape_formulas=args.escape_formulas,
        )
    except OSError as exc:  # a file that went away or became unreadable during the run
        where = f"{exc.filename}: " if exc.filename else ""
        raise DdxError(f"{where}{exc.strerror or exc}; {args.output} was left as it was") from None


def _visualise(args: argparse.Namespace) -> int:
    from ..knowledge.load import load_knowledge
    from ..pictures.plot import network_picture

    print(f"wrote {network_picture(load_knowledge(args.model), args.output, cause=args.cause)}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from ..pictures.plot import case_picture
    from .case import explanation_text

    engine, case, result = _read_case(args)
    if args.intervals is not None:
        result = engine.with_intervals(result, args.intervals, args.seed)
    print(explanation_text(result, args.cause, top=args.top, name=case.name, gold=case.gold))
    if args.output:
        path = case_picture(result, args.output, top=args.top, cause=args.cause, name=case.name)
        print(f"wrote {path}")
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from ..inference.uncertainty import format_sensitivity
    from ..pictures.plot import sensitivity_picture

    engine, case, result = _read_case(args)
    cause = args.cause or result.top.id
    items = engine.sensitivity(case.evidence, age=case.age, sex=case.sex, cause=cause, top=args.top)
    label = engine.kb.nodes[cause].label
    point = result.probabilities[cause]
    print(format_sensitivity(items, label, point))
    print(_margin_line(engine, result))
    print(result.disclaimer)
    if args.output:
        path = sensitivity_picture(items, args.output, cause_label=label, point=point, disclaimer=result.disclaimer)
        print(f"wrote {path}")
    return 0


def _margin_line(engine: Engine, result: DiagnosisResult) -> str:
    """One line: the triage, and how far the nearest cause is from raising it by a level."""
    found = engine.triage_margin(result)
    head = f"triage: {result.triage}"
    if result.rules_fired:
        head += f" (rule {result.rules_fired[0].id}: rules fire on answers, not on numbers)"
    if found is None:
        return head + "; no cause can raise it further"
    cause = engine.kb.nodes[found.cause].label
    return (
        f"{head}; nearest to {found.level}: {cause} at {found.probability:.1%} against a threshold of "
        f"{found.threshold:.0%} (its odds x{found.odds_factor:.2g} away; model/triage.yaml)"
    )


def _interview(args: argparse.Namespace) -> int:
    from ..engine.core import load
    from ..interview.session import parse_intake
    from ..interview.terminal import run_interview

    if args.max_questions is not None and args.max_questions < 1:
        raise DdxError(f"--max-questions must be at least 1; got {args.max_questions}")
    intake = None if args.intake is None else parse_intake(args.intake)
    if isinstance(sys.stdin, io.TextIOWrapper):  # bytes that are not text are asked again, not a traceback
        sys.stdin.reconfigure(errors="replace")
    run_interview(load(args.model), sys.stdin, sys.stdout, max_questions=args.max_questions, intake=intake)
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..engine.core import load
    from ..inference.export import export_network

    print(f"wrote {export_network(load(args.model), args.output, args.format)}")
    return 0


class _Stopped(BaseException):
    """A signal that ends the command (a BaseException, so that no ``except Exception`` swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: Signals that end a command with a message and 128 + their number (SIGINT arrives as KeyboardInterrupt).
_ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_end_the_command() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`_Stopped` while the command runs (the first one only).

    A signal that was ignored when ddx started (``nohup`` ignores SIGHUP)
    stays ignored; outside the main thread nothing is installed.
    """
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:  # a second signal must not interrupt the clean-up of the first
            stopping = True
            raise _Stopped(signum)

    previous = {}
    for signum in _ENDING_SIGNALS:
        try:
            if signal.getsignal(signum) is signal.SIG_DFL:
                previous[signum] = signal.signal(signum, stop)
        except ValueError:  # not the main thread
            break
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's last flush cannot fail."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ddx`` command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["bench"]:  # its own options, --help included
        from ..bench import main as bench_main

        return bench_main(args_list[1:])
    args = _parser().parse_args(args_list)
    handlers = {
        "score": _score,
        "diagnose": _diagnose,
        "check": _check,
        "visualise": _visualise,
        "explain": _explain,
        "sensitivity": _sensitivity,
        "export": _export,
        "interview": _interview,
    }
    left = f"; {args.output} was left as it was" if args.command == "score" else ""
    try:
        with _signals_end_the_command():
            return handlers[args.command](args)
    except EmergencyEvidenceError as exc:  # the case was refused, but its emergency is shown where results go
        print(f"triage: emergency\nadvice: {exc.advice}\nrules fired: {', '.join(r.id for r in exc.rules_fired)}")
        print(f"ddx {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except DdxError as exc:
        print(f"ddx {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ddx {args.command}: interrupted (SIGINT){left}", file=sys.stderr)
        return 128 + int(signal.SIGINT)
    except _Stopped as stopped:
        print(f"ddx {args.command}: stopped by {signal.Signals(stopped.signum).name}{left}", file=sys.stderr)
        return 128 + stopped.signum
    except BrokenPipeError:
        _quiet_stdout()
        return 128 + int(getattr(signal, "SIGPIPE", 13))
