"""Cold start in a fresh interpreter, and peak memory of ``ddx score`` on a large generated CSV."""

from __future__ import annotations

import csv
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..engine.core import Engine
from ..knowledge.model import KnowledgeBase
from .cases import Case, realistic_cases
from .methods import Log, _timed


def _child_env(folder: Path) -> dict[str, str]:
    """The environment of measured subprocesses: this ddx first on the path, one BLAS thread, bytecode kept.

    Where this environment forbids writing bytecode (``PYTHONDONTWRITEBYTECODE``)
    a child would compile every module of a source checkout at each start, which
    an installed package never does (pip compiles it at install): the children
    keep their bytecode under ``folder`` instead (``PYTHONPYCACHEPREFIX``, out of
    the source tree), written by each command's first, untimed run.
    """
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    if env.pop("PYTHONDONTWRITEBYTECODE", "") and not env.get("PYTHONPYCACHEPREFIX"):
        env["PYTHONPYCACHEPREFIX"] = str(folder / "bytecode")
    return env


def _write_csv(path: Path, kb: KnowledgeBase, pool: Sequence[Case], rows: int) -> None:
    used = {k for c in pool for k in c.evidence}
    columns = [i for i in kb.evidence_ids if i in used]
    yes_no = {True: "yes", False: "no"}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["case_id", "age", "sex", *columns])
        for i in range(rows):
            case = pool[i % len(pool)]
            age = "" if case.age is None else f"{case.age:g}"
            answers = [yes_no[case.evidence[c]] if c in case.evidence else "" for c in columns]
            writer.writerow([f"c{i}", age, case.sex or "", *answers])


def _import_report(command: list[str], env: Mapping[str, str], cwd: Path) -> dict[str, Any]:
    """Which heavy packages a command imports, and its slowest top-level imports (``-X importtime``)."""
    proc = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    roots: set[str] = set()
    top: dict[str, float] = {}
    for line in proc.stderr.splitlines():  # "import time: self [us] | cumulative | <indent>name"
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        roots.add(name.split(".")[0])
        if not parts[2].startswith("  "):  # one space: imported by the command itself, not by a module
            top[name] = int(parts[1]) / 1e3
    heavy = sorted(roots & {"pgmpy", "pandas", "scipy", "sklearn", "torch", "matplotlib", "networkx", "pyagrum"})
    slowest = sorted(top.items(), key=lambda kv: -kv[1])[:5]
    return {"heavy_imports": heavy, "slowest_imports_ms": [[name, round(ms, 1)] for name, ms in slowest]}


_PHASES = """
import json, time
t0 = time.perf_counter()
import ddx
t1 = time.perf_counter()
engine = ddx.load()
t2 = time.perf_counter()
engine.diagnose({evidence!r}, age={age!r}, sex={sex!r})
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "load": t2 - t1, "diagnose": t3 - t2}}))
"""


def _startup(engine: Engine, case: Case, repeats: int, folder: Path, log: Log) -> dict[str, Any]:
    """Wall time of a fresh interpreter running each command (median of ``repeats``, after one untimed run).

    The OS file cache is warm (the untimed run); the interpreter is new each time.
    """
    env = _child_env(folder)
    one = folder / "one.csv"
    _write_csv(one, engine.kb, [case], 1)
    code = _PHASES.format(evidence=dict(case.evidence), age=case.age, sex=case.sex)
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "import_diagnose": [sys.executable, "-c", code],
        "score_one_row": [sys.executable, "-m", "ddx", "score", str(one), "-o", str(folder / "one.out.csv"), "--quiet"],
    }
    out: dict[str, Any] = {}
    for name, command in commands.items():
        times, phases = [], []
        for attempt in range(repeats + 1):
            run = functools.partial(subprocess.run, command, env=env, cwd=folder, capture_output=True, text=True)
            seconds, proc = _timed(run)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(command[:4])} ... failed:\n{proc.stderr[-2000:]}")
            if attempt:
                times.append(seconds)
                if name == "import_diagnose":
                    phases.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        out[name] = {"median_s": statistics.median(times), "runs_s": times}
        if phases:
            out[name]["phases_s"] = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
        if name != "python":
            out[name].update(_import_report(command, env, folder))
        log(f"  {name:<16} {statistics.median(times):.3f} s")
    return out


#: Runs a command with a time limit and prints its peak RSS. The measuring process must be small:
#: on Linux a child's ru_maxrss starts at the high-water mark of the process it was forked from, so
#: a child forked straight from the benchmark (over 1 GiB with pgmpy and pyAgrum loaded) would
#: report the benchmark's memory, not its own.
_RSS_WRAPPER = """
import json, subprocess, sys
timeout = float(sys.argv[1])
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
try:
    proc.wait(timeout)
    timed_out = False
except subprocess.TimeoutExpired:
    proc.kill()
    proc.wait()
    timed_out = True
try:
    import resource
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
except ImportError:
    peak = None
print(json.dumps({"exit_code": proc.returncode, "timed_out": timed_out, "peak_bytes": peak}))
"""


def _memory(engine: Engine, rows: int, timeout: float, seed: int, folder: Path, log: Log) -> dict[str, Any]:
    """Peak RSS of ``python -m ddx score`` on a generated CSV of ``rows`` realistic rows.

    Stopped after ``timeout`` seconds; then the rows already written (``ddx
    score`` writes 10,000-row chunks) and the peak so far are reported.
    """
    source, outdir = folder / "big.csv", folder / "out"
    outdir.mkdir(exist_ok=True)
    start = time.perf_counter()
    _write_csv(source, engine.kb, realistic_cases(engine.kb, min(rows, 2000), seed + 2), rows)
    log(f"  wrote {rows:,} rows ({source.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - start:.1f} s")
    command = [sys.executable, "-m", "ddx", "score", str(source), "-o", str(outdir / "scored.csv"), "--quiet"]
    wrapper = [sys.executable, "-c", _RSS_WRAPPER, str(timeout), *command]
    with (folder / "score.err").open("w") as err:
        seconds, proc = _timed(
            functools.partial(
                subprocess.run, wrapper, env=_child_env(folder), cwd=folder, stdout=subprocess.PIPE, stderr=err
            )
        )
    report = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    done = rows
    if report["timed_out"] or report["exit_code"] != 0:
        done = max(0, sum(sum(1 for _ in p.open("rb")) - 1 for p in outdir.iterdir() if p.is_file()))
    peak = report["peak_bytes"]
    out = {
        "rows": rows,
        "rows_scored": done,
        "completed": not report["timed_out"] and report["exit_code"] == 0,
        "timed_out": report["timed_out"],
        "exit_code": report["exit_code"],
        "seconds": seconds,
        "rows_per_second": done / seconds if done else None,
        "peak_rss_mib": peak / 2**20 if peak else None,
        "projected_seconds": rows * seconds / done if done else None,
        "error": "" if report["timed_out"] or report["exit_code"] == 0 else (folder / "score.err").read_text()[-2000:],
    }
    log(
        f"  {done:,} of {rows:,} rows in {seconds:.0f} s "
        f"({'timed out' if report['timed_out'] else 'done'}), peak RSS {out['peak_rss_mib'] or 0:.0f} MiB"
    )
    return out
