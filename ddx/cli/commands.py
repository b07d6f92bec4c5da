"""The subcommands of ``ddx``: each reads its arguments, calls the Python API and prints or writes the answer."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import DdxError
from .streams import STDIO, read_stdin

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.core import Engine
    from ..engine.result import DiagnosisResult
    from .case import CaseInput


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
    args.stdin_text = read_stdin() if STDIO in (args.json_file, args.csv) else None
    try:
        case = read_case(
            engine.kb,
            json_text=args.json,
            json_file=args.json_file,
            csv_file=args.csv,
            case_id=args.case_id,
            age=args.age,
            sex=args.sex,
            stdin_text=args.stdin_text,
        )
    except DdxError as exc:  # the fail safe: an unreadable case keeps the emergency its readable answers meet
        _raise_kept_emergency(engine, exc, _raw_case(args), args.age, args.sex)
        raise
    return engine, case, engine.diagnose(case.evidence, age=case.age, sex=case.sex)


def _raw_case(args: argparse.Namespace) -> Any:
    """The case's answers as written (before any check), or None when they cannot even be parsed."""
    import csv

    stdin_text = getattr(args, "stdin_text", None)
    try:
        if args.json is not None or args.json_file is not None:
            if args.json is not None:
                text = args.json
            elif args.json_file == STDIO:
                text = stdin_text or ""
            else:
                text = Path(args.json_file).read_text(encoding="utf-8-sig")
            raw = json.loads(text)
            return raw.get("evidence", raw) if isinstance(raw, dict) else None
        with contextlib.ExitStack() as stack:
            if args.csv == STDIO:
                handle: IO[str] = io.StringIO(stdin_text or "", newline="")
            else:
                handle = stack.enter_context(open(args.csv, encoding="utf-8-sig", newline=""))
            for row in csv.DictReader(handle):
                if str(row.get("case_id", "")).strip() == str(args.case_id).strip():
                    return {k: v for k, v in row.items() if k not in ("case_id", "age", "sex")}
    except (OSError, ValueError, TypeError, AttributeError, csv.Error):
        return None
    return None


def _raise_kept_emergency(engine: Engine, exc: DdxError, raw: Any, age: Any, sex: Any) -> None:
    """Raise the emergency that the readable answers of a refused case meet, if any (:mod:`ddx.clinical.failsafe`)."""
    from ..clinical.failsafe import emergency_error

    if raw is None:
        return
    emergency = emergency_error(engine.kb, exc, raw, age, sex)
    if emergency is not None:
        raise emergency from exc


#: The note for ``ddx diagnose --json`` (kept for one release: --json means JSON input everywhere else).
DEPRECATED_JSON = "ddx diagnose: --json is deprecated here (elsewhere it means JSON input); use --format json"


def _parse_answers(items: Sequence[str]) -> dict[str, bool]:
    """``ID=yes`` / ``ID=no`` pairs as evidence; a blank value is unknown; an id answered both ways is an error."""
    from ..knowledge import values

    shared = getattr(values, "parse_pairs", None)  # the value grammar's own pair parser, when it has one
    if shared is not None:
        return dict(shared(items))
    out: dict[str, bool] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise DdxError(f"answers are written ID=yes or ID=no; got {item!r}")
        parsed = values.parse_answer(value)
        if parsed is None and value.strip():
            raise DdxError(f"answer for {key!r} must be yes or no; got {value!r}")
        if parsed is not None and out.get(key, parsed) != parsed:
            raise DdxError(f"evidence {key!r} is answered twice, yes and no; give each id once")
        if parsed is not None:
            out[key] = parsed
    return out


def _raw_pairs(items: Sequence[str]) -> dict[str, str]:
    """The pairs as written, for the fail safe: an id given more than once keeps any yes among its answers."""
    from ..knowledge.values import parse_answer

    raw: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if sep and (key not in raw or parse_answer(value) is True):
            raw[key] = value
    return raw


def _diagnose(args: argparse.Namespace) -> int:
    from ..engine.core import load

    engine = load(args.model)
    try:
        answers = _parse_answers(args.answers)
    except DdxError as exc:  # the fail safe: a bad answer never hides an emergency sign answered yes
        _raise_kept_emergency(engine, exc, _raw_pairs(args.answers), args.age, args.sex)
        raise
    if args.json_output:
        print(DEPRECATED_JSON, file=sys.stderr)
    result = engine.diagnose(answers, age=args.age, sex=args.sex)
    if args.json_output or args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
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
    book = kb.codes
    if not book.nodes:
        print("  no model/codes.yaml: the nodes carry no terminology codes (ddx.fhir and CDS Hooks read none)")
    else:
        counts = book.tally()
        shown = ", ".join(f"{counts[s]} {s}" for s in book.systems)
        total = sum(counts[s] for s in book.systems)
        print(f"  codes: {total} ({shown}), each checked; {counts['unverified']} nodes mark some unverified")
    return 0


def _score(args: argparse.Namespace) -> int:
    from ..batch.file import score_file
    from ..batch.jsonl import is_jsonl, score_jsonl
    from ..batch.parallel import available_cores

    if args.intervals is not None and args.intervals < 2:
        raise DdxError(f"--intervals must be at least 2 draws; got {args.intervals}")
    if args.seed < 0:
        raise DdxError(f"--seed must be 0 or more; got {args.seed}")
    if args.output == STDIO and args.metrics == STDIO:
        raise DdxError("-o - and --metrics - both name standard output; write one of them to a file")
    if args.jobs is not None and args.jobs < 1:
        raise DdxError(f"--jobs must be 1 or more worker processes; got {args.jobs}")

    jsonl = args.format == "jsonl" or (args.format is None and is_jsonl(args.output))
    if jsonl and args.metrics is not None:
        raise DdxError("--metrics needs the csv format; the jsonl output holds each whole result, without metrics")

    def run(source: str | Path, output: str | Path, metrics: str | Path | None) -> int:
        try:
            if jsonl:
                return score_jsonl(
                    source,
                    output,
                    args.model,
                    strict=args.strict,
                    quiet=args.quiet,
                    intervals=args.intervals,
                    seed=args.seed,
                )
            return score_file(
                source,
                output,
                model=args.model,
                metrics_path=metrics,
                top=args.top,
                strict=args.strict,
                quiet=args.quiet,
                intervals=args.intervals,
                seed=args.seed,
                escape_formulas=args.escape_formulas,
                jobs=args.jobs if args.jobs is not None else available_cores(),
            )
        except OSError as exc:  # a file that went away or became unreadable during the run
            where = f"{exc.filename}: " if exc.filename else ""
            raise DdxError(f"{where}{exc.strerror or exc}; {args.output} was left as it was") from None

    if STDIO not in (args.input, args.output, args.metrics):
        return run(args.input, args.output, args.metrics)
    from .scoring import score_streams

    return score_streams(args, run)


def _visualise(args: argparse.Namespace) -> int:
    from ..knowledge.load import load_knowledge
    from ..pictures.plot import network_picture

    print(f"wrote {network_picture(load_knowledge(args.model), args.output, cause=args.cause)}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from ..pictures.case_scene import case_picture
    from .case import explanation_text

    engine, case, result = _read_case(args)
    if args.intervals is not None:
        result = engine.with_intervals(result, args.intervals, args.seed)
    if args.format == "json":  # the whole result, with the explanation of the cause explained in text
        print(json.dumps(result.to_dict(explain=args.cause or result.top.id), indent=2))
    else:
        print(explanation_text(result, args.cause, top=args.top, name=case.name, gold=case.gold))
    if args.output:
        path = case_picture(result, args.output, top=args.top, cause=args.cause, name=case.name)
        print(f"wrote {path}", file=sys.stderr if args.format == "json" else sys.stdout)
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from ..inference.uncertainty import format_sensitivity
    from ..pictures.case_scene import sensitivity_picture

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
    engine = load(args.model)
    run_interview(
        engine, sys.stdin, sys.stdout, max_questions=args.max_questions, intake=intake, clinician=args.clinician
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from ..engine.core import load
    from ..inference.export import export_network

    if args.output != STDIO:
        print(f"wrote {export_network(load(args.model), args.output, args.format)}")
        return 0
    import tempfile

    from .streams import copy_to_stdout

    if args.format is None:
        raise DdxError("-o - writes to standard output: say which format with --format xmlbif or --format bif")
    engine = load(args.model)
    with tempfile.TemporaryDirectory(prefix="ddx-export-") as folder:
        copy_to_stdout(export_network(engine, Path(folder) / f"network.{args.format}", args.format))
    return 0


def _ids(args: argparse.Namespace) -> int:
    from .ids import evidence_table, format_ids

    print(format_ids(evidence_table(args.model, kind=args.kind, grep=args.grep), args.format))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ..service.server import serve

    if not 0 < args.port < 65536:
        raise DdxError(f"--port must be between 1 and 65535; got {args.port}")
    if args.workers < 1:
        raise DdxError(f"--workers must be at least 1; got {args.workers}")
    for origin in args.cors_origin:
        if not origin.startswith(("https://", "http://")) or origin.rstrip("/").count("/") != 2:
            raise DdxError(f"--cors-origin must be an origin such as https://sandbox.cds-hooks.org; got {origin!r}")
    serve(args.host, args.port, args.model, args.workers, cors_origins=[o.rstrip("/") for o in args.cors_origin])
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ..bench import run

    return run(args)
