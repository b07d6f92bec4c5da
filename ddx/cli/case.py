"""One case for ``ddx explain``: read it (inline JSON, a JSON file, or one row of a vignette CSV) and explain it.

:func:`read_case` checks the input's form (JSON object, answer spellings,
the CSV header and the case id); the engine then checks the evidence ids and
values as for any other case. :func:`explanation_text` is what ``ddx explain``
prints: triage, advice, fired rules, the top causes, the next steps and, for
one cause, each answer's change in log-odds with its citation, largest first.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.result import DiagnosisResult
from ..errors import DdxError, EvidenceError, InputFileError, did_you_mean, excerpt
from ..knowledge.model import KnowledgeBase
from ..knowledge.values import parse_answer, read_age, read_answer, read_sex
from .streams import STDIN_NAME, STDIO

__all__ = ["CaseInput", "case_from_csv", "case_from_json", "explanation_text", "read_case"]

_ANSWER_HELP = 'use true/false/null (or "yes"/"no"/"")'
_CSV_ANSWER_HELP = "use yes/no or leave blank (also 1/0, true/false, y/n)"


@dataclass(frozen=True)
class CaseInput:
    """One case as read: evidence (id -> True/False), age, sex, a name, and any gold labels."""

    evidence: dict[str, bool]
    age: float | None = None
    sex: str | None = None
    name: str | None = None
    gold: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading


def _age(value: Any, where: str) -> float | None:
    try:
        return read_age(value)
    except EvidenceError as exc:
        raise InputFileError(f"{where}: age: {exc}") from None


def _sex(value: Any, where: str) -> str | None:
    try:
        return read_sex(value)
    except EvidenceError as exc:
        raise InputFileError(f"{where}: sex: {exc}") from None


def case_from_json(text: str, where: str = "--json") -> CaseInput:
    """A case from JSON: ``{"back_pain": true, "one_leg_only": false, "age": 45, "sex": "male"}``.

    The evidence may also sit under an ``"evidence"`` key; ``"case_id"`` names the case.

    Raises
    ------
    InputFileError
        For text that is not a JSON object, or a value that is not an answer.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{where}: not valid JSON ({exc}); expected an object such as '{{\"back_pain\": true}}'"
        ) from None
    if not isinstance(data, dict):
        raise InputFileError(f"{where}: expected a JSON object of evidence id -> true/false; got {type(data).__name__}")
    data = dict(data)
    age, sex, name = data.pop("age", None), data.pop("sex", None), data.pop("case_id", None)
    answers = data.pop("evidence") if isinstance(data.get("evidence"), dict) else data
    if answers is not data and data:
        raise InputFileError(f"{where}: unexpected keys beside 'evidence': {', '.join(sorted(map(str, data)))}")
    evidence: dict[str, bool] = {}
    for key, value in answers.items():  # the one value grammar of ddx.knowledge.values
        try:
            parsed = read_answer(value)
        except EvidenceError as exc:
            raise InputFileError(f"{where}: evidence {excerpt(str(key))}: {exc}") from None
        if parsed is not None:
            evidence[str(key)] = parsed
    return CaseInput(evidence, _age(age, where), _sex(sex, where), None if name is None else str(name))


def case_from_csv(kb: KnowledgeBase, path: str | Path, case_id: str, text: str | None = None) -> CaseInput:
    """The row ``case_id`` of a vignette CSV (the batch input contract), as a case.

    ``text``, when given, is the file's content (read from standard input
    for ``--csv -``); ``path`` then only names it in messages.

    Raises
    ------
    InputFileError
        For a missing or unreadable file, a bad header (unknown column, with
        the closest id), an unknown case id (with the closest one), or a cell
        that is not an answer.
    """
    from ..batch.read import check_columns  # the batch contract's header check, shared

    source = Path(path)
    if text is None and not source.is_file():
        raise InputFileError(f"{source}: no such file")
    try:
        if text is not None:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        else:
            with source.open(newline="", encoding="utf-8-sig") as handle:
                rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(f"{source}: cannot read as a UTF-8 CSV file ({exc})") from exc
    if not rows:
        raise InputFileError(f"{source}: the file is empty; expected a header with case_id and evidence ids")
    header = [c.strip() for c in rows[0]]
    columns = check_columns(kb, header, str(source))
    index = header.index("case_id")
    found: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        if any(cell.strip() for cell in row):
            found.setdefault(row[index].strip() if len(row) > index else "", []).append(row)
    wanted = case_id.strip()
    if wanted not in found:
        ids = [i for i in found if i]
        listed = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        raise InputFileError(
            f"{source}: no case '{wanted}'{did_you_mean(wanted, ids)}; the file has {len(ids)} cases ({listed})"
        )
    if len(found[wanted]) > 1:
        raise InputFileError(f"{source}: case '{wanted}' appears {len(found[wanted])} times; case_id must be unique")
    row = found[wanted][0]
    if len(row) != len(header):
        raise InputFileError(f"{source}: case '{wanted}' has {len(row)} fields; the header has {len(header)}")
    cells = dict(zip(header, row, strict=True))
    where = f"{source}: case '{wanted}'"
    evidence: dict[str, bool] = {}
    for column in columns.evidence:
        cell = cells[column].strip()
        value = parse_answer(cell)
        if value is None and cell:
            raise InputFileError(f"{where}: column '{column}': {cell!r} is not an answer; {_CSV_ANSWER_HELP}")
        if value is not None:
            evidence[column] = value
    gold = {k: cells[k].strip() for k in ("gold_cause", "gold_triage") if cells.get(k, "").strip()}
    return CaseInput(evidence, _age(cells.get("age"), where), _sex(cells.get("sex"), where), wanted, gold)


def read_case(
    kb: KnowledgeBase,
    *,
    json_text: str | None = None,
    json_file: str | Path | None = None,
    csv_file: str | Path | None = None,
    case_id: str | None = None,
    age: float | None = None,
    sex: str | None = None,
    stdin_text: str | None = None,
) -> CaseInput:
    """Read one case from exactly one source; ``age`` and ``sex`` given here win over the source's.

    A ``json_file`` or ``csv_file`` of ``"-"`` is standard input, whose text
    is ``stdin_text`` (read once by the caller).

    Raises
    ------
    DdxError
        When no source or more than one is given, or ``case_id`` without a CSV (or a CSV without it).
    InputFileError
        For a source that cannot be read (see :func:`case_from_json`, :func:`case_from_csv`).
    """
    given = [name for name, value in (("--json", json_text), ("--json-file", json_file), ("--csv", csv_file)) if value]
    if len(given) != 1:
        got = "none" if not given else " and ".join(given)
        raise DdxError(f"give the case as one of --json TEXT, --json-file FILE or --csv FILE --case-id ID; got {got}")
    if (csv_file is None) != (case_id is None):
        raise DdxError("--csv FILE and --case-id ID go together: the CSV row to explain is named by its case_id")
    if json_text is not None:
        case = case_from_json(json_text)
    elif json_file is not None and str(json_file) == STDIO:
        case = case_from_json(stdin_text or "", STDIN_NAME)
    elif json_file is not None:
        source = Path(json_file)
        if not source.is_file():
            raise InputFileError(f"{source}: no such file")
        case = case_from_json(source.read_text(encoding="utf-8-sig"), str(source))
    else:
        assert csv_file is not None and case_id is not None
        if str(csv_file) == STDIO:
            case = case_from_csv(kb, STDIN_NAME, case_id, text=stdin_text or "")
        else:
            case = case_from_csv(kb, csv_file, case_id)
    return CaseInput(
        case.evidence,
        age if age is not None else case.age,
        sex if sex is not None else case.sex,
        case.name,
        case.gold,
    )


# --------------------------------------------------------------------------- printing


def _answer(value: bool | str) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _next_steps_lines(result: DiagnosisResult) -> list[str]:
    """The next steps in reading order: the advice and fired rules, then each leading cause's tests and notes."""
    if not result.next_steps:
        return []
    scores = {s.id: s for s in result.differential}
    lines = ["", "next steps (most urgent first; then tests and notes for the leading causes):"]
    current: str | None = None
    for step in result.next_steps:
        if step.cause is None:
            lines.append(f"  [{step.kind}: {step.name}] {step.text}")
            continue
        if step.cause != current:
            current = step.cause
            lines.append(f"  for {step.cause} ({scores[step.cause].probability:.1%}): {scores[step.cause].label}")
        lines.append(f"    {step.kind:<9}  {step.name}: {step.text}")
        lines.append(f"    {'':<9}  source: {step.citation}")
    return lines


def explanation_text(
    result: DiagnosisResult,
    cause: str | None = None,
    *,
    top: int = 8,
    name: str | None = None,
    gold: Mapping[str, str] | None = None,
) -> str:
    """What ``ddx explain`` prints for one case.

    Parameters
    ----------
    result
        The result of ``engine.diagnose``.
    cause
        The cause to explain (default: the most probable).
    top
        How many causes to list.
    name
        The case's name, for the first line.
    gold
        Gold labels of a vignette row (``gold_cause``, ``gold_triage``), shown when given.

    Raises
    ------
    EvidenceError
        When ``cause`` is not a cause of the model (with the closest cause id).
    """
    cause = cause or result.top.id
    items = result.explain(cause)
    score = next(s for s in result.differential if s.id == cause)
    ev = result.evidence
    answers = ", ".join(f"{k}={_answer(v)}" for k, v in ev.answers.items()) or "none"
    extra = "".join([f", age={ev.age:g}" if ev.age is not None else "", f", sex={ev.sex}" if ev.sex else ""])
    lines = [f"case: {name or '(inline)'}  (kb_version {result.kb_version})", f"answers: {answers}{extra}"]
    if gold:
        lines.append("gold: " + ", ".join(f"{k}={v}" for k, v in gold.items()))
    lines += ["", f"triage: {result.triage}", f"advice: {result.advice}"]
    if result.rules_fired:
        lines.append("rules fired (probabilities are secondary):")
        lines += [f"  [{r.level}] {r.id}: {r.message}" for r in result.rules_fired]
    else:
        lines.append(f"rules fired: none (triage from the network: {result.network_triage})")
    shown = result.differential[:top]
    width = max(len("cause"), *(len(s.id) for s in shown))
    lines += ["", f"top {len(shown)} causes (prior = before any answer):"]
    lines.append(f"       {'cause':<{width}}  {'posterior':>9}  {'prior':>7}  label")
    for i, s in enumerate(shown, 1):
        lines.append(f"  {i:3d}. {s.id:<{width}}  {s.probability:9.1%}  {s.prior:7.1%}  {s.label}")
    lines += _next_steps_lines(result)
    lines += [
        "",
        f"why {cause} ({score.probability:.1%}, prior {score.prior:.1%}): change in log-odds when each answer "
        "is removed, largest first",
    ]
    if not items:
        lines.append("  (no answers given: the posterior is the prior)")
    else:
        width = max(len("evidence"), *(len(c.evidence_id) for c in items))
        lines.append(f"  {'evidence':<{width}}  answer  log-odds  effect     citation")
        for c in items:
            lines.append(
                f"  {c.evidence_id:<{width}}  {_answer(c.answer):<6}  {c.delta_log_odds:+8.2f}  "
                f"{c.direction:<9}  {c.citation}"
            )
    lines += ["", result.disclaimer]
    return "\n".join(lines)
