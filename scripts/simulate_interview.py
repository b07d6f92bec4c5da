#!/usr/bin/env python3
"""Replay vignettes as interviews: ``python scripts/simulate_interview.py IN.csv``.

Each row plays a person who answers the interview from the vignette: yes or no
where the row says so, and no to what the row does not mention (the closed-
world contract the interview is judged by); age and sex come from the row.
``--blank dont_know`` answers blanks "don't know" instead. For every row the
script runs one interview that stops only at the hard stops (an emergency
rule, no questions left, the largest checkpoint) and records the result after
3, 5, 8 and 12 questions; the point where the interview's own stopping rules
(model/interview.yaml) would end it gives the result "at stop". It reports
top-1 / top-3 accuracy and triage accuracy at each point beside scoring with
all the vignette's evidence, the mean number of questions asked, and the
safety checks: a vignette holding an emergency sign must reach ``emergency``
within the first three questions, and every gold ``emergency`` case must be
triaged ``emergency`` at the stop.

Gold columns: ``gold_cause`` (a cause id, or a merged inventory id) and
``gold_triage``. ``--json FILE`` writes the figures, ``--cases FILE`` one row
per vignette (questions asked, stop, result); ``--blank dont_know`` answers
blanks "don't know" instead of "no" (a harder check than the contract).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if (ROOT / "ddx").is_dir() and str(ROOT) not in sys.path:  # run from a source checkout: use its package
    sys.path.insert(0, str(ROOT))

import ddx  # noqa: E402
from ddx.engine.questions import rank  # noqa: E402
from ddx.engine.result import DiagnosisResult  # noqa: E402
from ddx.errors import DdxError, InputFileError, did_you_mean  # noqa: E402
from ddx.interview.session import Interview, parse_intake  # noqa: E402
from ddx.knowledge.evidence import normalise  # noqa: E402
from ddx.knowledge.values import parse_answer  # noqa: E402

CHECKPOINTS = (3, 5, 8, 12)
#: How many first questions an emergency sign of the vignette must be found in (the issue's requirement).
EMERGENCY_WITHIN = 3
SPECIAL = ("case_id", "age", "sex", "gold_cause", "gold_triage")


@dataclass
class Vignette:
    case_id: str
    answers: dict[str, bool]
    age: float | None
    sex: str | None
    gold_cause: str | None
    gold_triage: str | None


@dataclass
class Replay:
    vignette: Vignette
    full: DiagnosisResult
    at: dict[int, DiagnosisResult]
    stop: DiagnosisResult
    stop_code: str
    asked: list[tuple[str, bool | tuple[str, ...] | None]]  # a checklist's answer: the items ticked
    n_stop: int
    first_emergency: int | None
    seconds: list[float] = field(default_factory=list)


#: Each state's ranking is timed this many times; its median is reported.
TIMING_REPEATS = 3


def read_vignettes(kb: Any, path: Path) -> list[Vignette]:
    """Rows of a vignette CSV; every problem (unknown column, bad cell) is reported with its row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read: {exc}") from exc
    if not rows:
        raise InputFileError(f"{path}: no rows (expected a header with case_id and evidence ids, then one row a case)")
    known = [*kb.evidence_ids, *(m for m, merge in kb.merges.items() if merge.into in kb.evidence_ids)]
    columns = list(rows[0])
    if "case_id" not in columns:
        raise InputFileError(f"{path}: no 'case_id' column")
    unknown = [c for c in columns if c not in SPECIAL and c not in known]
    if unknown:
        raise InputFileError(
            f"{path}: unknown column '{unknown[0]}'{did_you_mean(unknown[0], [*known, *SPECIAL])}"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
        )
    causes = {*kb.causes, *(m for m, merge in kb.merges.items() if merge.into in kb.causes)}
    out, problems = [], []
    for line, row in enumerate(rows, start=2):
        where = f"{path}: line {line} (case {row['case_id']!r})"
        answers: dict[str, bool] = {}
        for column in columns:
            cell = (row.get(column) or "").strip()
            if column in SPECIAL or not cell:
                continue
            value = parse_answer(cell)
            if value is None:
                problems.append(f"{where}: '{column}' must be yes/no or blank; got {cell!r}")
                continue
            node = kb.merges[column].into if column in kb.merges else column
            answers[node] = value
        age_text = (row.get("age") or "").strip()
        try:
            age = float(age_text) if age_text else None
        except ValueError:
            problems.append(f"{where}: 'age' must be a number of years; got {age_text!r}")
            age = None
        sex = (row.get("sex") or "").strip().lower() or None
        try:
            normalise(kb, answers, age, sex)
        except DdxError as exc:
            problems.append(f"{where}: {exc}")
        gold = (row.get("gold_cause") or "").strip() or None
        if gold is not None and gold not in causes:
            problems.append(f"{where}: unknown gold_cause '{gold}'{did_you_mean(gold, sorted(causes))}")
        if gold in kb.merges:
            gold = kb.merges[gold].into
        out.append(
            Vignette(
                str(row["case_id"]),
                answers,
                age,
                sex,
                gold,
                (row.get("gold_triage") or "").strip() or None,
            )
        )
    if problems:
        raise InputFileError("\n".join(problems))
    return out


def replay(
    engine: ddx.Engine,
    vignette: Vignette,
    checkpoints: Sequence[int] = CHECKPOINTS,
    blank: bool | None = None,
    intake: Sequence[str] | None = None,
) -> Replay:
    """One interview answered from the vignette; a blank is answered ``blank`` (None: don't know).

    ``intake``: the intake checklists to ask (default: those of the model's settings).
    """
    full = engine.diagnose(vignette.answers, age=vignette.age, sex=vignette.sex)
    interview = Interview(engine, vignette.age, vignette.sex, intake=intake)
    cap = max(*checkpoints, interview.settings.max_questions)
    at: dict[int, DiagnosisResult] = {}
    own: tuple[int, DiagnosisResult, str] | None = None
    first_emergency = None
    seconds = []
    while True:
        n = len(interview.asked)
        started = time.perf_counter()
        result = interview.result  # ranks every unasked question
        runs = [time.perf_counter() - started]
        for _ in range(TIMING_REPEATS - 1):  # the median of a few runs: one run is at the mercy of the machine
            started = time.perf_counter()
            rank(engine, interview.evidence, interview.answers, interview.settings)
            runs.append(time.perf_counter() - started)
        seconds.append(sorted(runs)[len(runs) // 2])
        if result.triage == "emergency" and first_emergency is None:
            first_emergency = n
        if n in checkpoints:
            at[n] = result
        if own is None and (stop := interview.stop()) is not None:
            own = (n, result, stop.code)
        if interview.stop(max_questions=cap, early=False) is not None:
            break
        question = interview.pending_question()
        assert question is not None  # "exhausted" is a hard stop
        if question.options:  # a checklist: tick the items the vignette has; "none" only if it says no to all
            present = [s for s in question.options if vignette.answers.get(s, blank)]
            said_no = all(vignette.answers.get(s, blank) is False for s in question.options)
            interview.answer_checklist(question.id, present if present or said_no else None)
        else:
            interview.answer(question.id, vignette.answers.get(question.id, blank))
    for k in checkpoints:
        at.setdefault(k, result)  # stopped earlier (emergency, or nothing left to ask)
    assert own is not None  # the cap is at least the interview's own maximum
    return Replay(
        vignette,
        full,
        at,
        own[1],
        own[2],
        [(i, interview.ticked[i] if i in interview.ticked else interview.answers.get(i)) for i in interview.asked],
        own[0],
        first_emergency,
        seconds,
    )


def _scores(pairs: list[tuple[Vignette, DiagnosisResult]]) -> dict[str, Any]:
    cause = [(v, r) for v, r in pairs if v.gold_cause]
    triage = [(v, r) for v, r in pairs if v.gold_triage]
    top = [[c.id for c in r.differential] for _, r in cause]

    def share(hits: int, total: int) -> float | None:
        return hits / total if total else None

    return {
        "top1": share(sum(v.gold_cause == t[0] for (v, _), t in zip(cause, top, strict=True)), len(cause)),
        "top3": share(sum(v.gold_cause in t[:3] for (v, _), t in zip(cause, top, strict=True)), len(cause)),
        "triage": share(sum(v.gold_triage == r.triage for v, r in triage), len(triage)),
    }


def summarise(
    replays: list[Replay], emergency_signs: Sequence[str], checkpoints: Sequence[int] = CHECKPOINTS
) -> dict[str, Any]:
    """The figures of a simulation run."""
    rows = {"all evidence": _scores([(r.vignette, r.full) for r in replays])}
    for k in checkpoints:
        rows[f"after {k} questions"] = _scores([(r.vignette, r.at[k]) for r in replays])
    rows["at the interview's stop"] = _scores([(r.vignette, r.stop) for r in replays])
    with_sign = [r for r in replays if any(r.vignette.answers.get(s) for s in emergency_signs)]
    gold_emergency = [r for r in replays if r.vignette.gold_triage == "emergency"]
    seconds = sorted(s for r in replays for s in r.seconds)
    return {
        "n": len(replays),
        "accuracy": rows,
        "mean_questions_at_stop": sum(r.n_stop for r in replays) / len(replays) if replays else None,
        "stops": dict(Counter(r.stop_code for r in replays)),
        "emergency_sign_cases": len(with_sign),
        "emergency_sign_cases_caught_within_3": sum(
            r.first_emergency is not None and r.first_emergency <= EMERGENCY_WITHIN for r in with_sign
        ),
        "gold_emergency_cases": len(gold_emergency),
        "gold_emergency_triaged_emergency_at_stop": sum(r.stop.triage == "emergency" for r in gold_emergency),
        "ranking_ms_median": 1000 * seconds[len(seconds) // 2] if seconds else None,
        "ranking_ms_p95": 1000 * seconds[int(0.95 * (len(seconds) - 1))] if seconds else None,
        "ranking_ms_max": 1000 * seconds[-1] if seconds else None,
    }


def format_summary(summary: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "   -  " if value is None else f"{value:6.1%}"

    lines = [f"{'':28s}  {'top-1':>6}  {'top-3':>6}  {'triage':>6}"]
    for name, s in summary["accuracy"].items():
        lines.append(f"{name:28s}  {pct(s['top1'])}  {pct(s['top3'])}  {pct(s['triage'])}")
    stops = ", ".join(f"{k} {v}" for k, v in sorted(summary["stops"].items()))
    lines += [
        "",
        f"vignettes: {summary['n']}; mean questions at the interview's stop: {summary['mean_questions_at_stop']:.1f} "
        f"(stops: {stops})",
        f"vignettes holding an emergency sign that reached emergency within {EMERGENCY_WITHIN} questions: "
        f"{summary['emergency_sign_cases_caught_within_3']}/{summary['emergency_sign_cases']}",
        f"gold emergency cases triaged emergency at the stop: "
        f"{summary['gold_emergency_triaged_emergency_at_stop']}/{summary['gold_emergency_cases']}",
        f"ranking time per step (each the median of {TIMING_REPEATS} runs): "
        f"median {summary['ranking_ms_median']:.1f} ms, 95th percentile {summary['ranking_ms_p95']:.1f} ms, "
        f"max {summary['ranking_ms_max']:.1f} ms",
    ]
    return "\n".join(lines)


def _answer_text(value: bool | tuple[str, ...] | None) -> str:
    if isinstance(value, tuple):  # a checklist: the items ticked
        return "+".join(value) if value else "none"
    return "dk" if value is None else "yes" if value else "no"


def write_cases(path: Path, replays: list[Replay]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["case_id", "gold_cause", "gold_triage", "n_questions", "stop", "top1", "top3", "triage", "asked"]
        )
        for r in replays:
            asked = ";".join(f"{i}={_answer_text(v)}" for i, v in r.asked[: r.n_stop])
            top = [c.id for c in r.stop.differential[:3]]
            writer.writerow(
                [r.vignette.case_id, r.vignette.gold_cause, r.vignette.gold_triage, r.n_stop, r.stop_code, top[0],
                 ";".join(top), r.stop.triage, asked]
            )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "input", type=Path, help="vignette CSV: case_id, evidence ids, age, sex, gold_cause, gold_triage"
    )
    parser.add_argument("--model", metavar="DIR", help="model directory holding model/ and priors/ (default: bundled)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the figures as JSON")
    parser.add_argument("--cases", metavar="FILE", type=Path, help="write one CSV row per vignette")
    parser.add_argument(
        "--blank",
        choices=["dont_know", "no"],
        default="no",
        help="how the person answers what the vignette leaves blank (default: no, the contract; dont_know is harder)",
    )
    parser.add_argument(
        "--intake",
        metavar="IDS",
        help="intake checklists to ask, comma-separated, or 'none' (default: intake.ask of model/interview.yaml)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress")
    args = parser.parse_args(argv)
    try:
        engine = ddx.load(args.model)
        intake = None if args.intake is None else parse_intake(args.intake)
        Interview(engine, intake=intake)  # an unknown checklist is refused before the first vignette
        vignettes = read_vignettes(engine.kb, args.input)
        replays = []
        for i, vignette in enumerate(vignettes, 1):
            blank = None if args.blank == "dont_know" else False
            replays.append(replay(engine, vignette, blank=blank, intake=intake))
            if not args.quiet:
                print(f"\r{i}/{len(vignettes)} vignettes", end="", file=sys.stderr, flush=True)
        if not args.quiet:
            print(file=sys.stderr)
    except DdxError as exc:
        print(f"simulate_interview: error: {exc}", file=sys.stderr)
        return 2
    summary = {"blank_answered": args.blank, **summarise(replays, engine.kb.emergency_signs)}
    print(f"blanks answered: {'no (the contract)' if args.blank == 'no' else 'do not know'}")
    print(format_summary(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if args.cases:
        write_cases(args.cases, replays)
    return 0


if __name__ == "__main__":
    sys.exit(main())
