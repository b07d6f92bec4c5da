"""The cohort rows of the benchmark: ``ddx score`` end to end on a file with repeats and on one of distinct rows.

The file with repeats is ``examples/vignettes.csv`` resampled to the number
of rows (a source checkout; an installed package, which has no examples,
repeats 200 realistic cases instead); the distinct file holds realistic cases
with 1-8 positive findings. Each run is a fresh ``python -m ddx score``
(start-up, reading, scoring and writing included), with ``--jobs 1`` and
``--jobs 2``, after one untimed run, timed from outside with the peak
resident memory of its largest process; the Dask path (when Dask is
installed) scores the distinct file on a local cluster of one and of two
worker processes, the workers warm.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..engine.core import Engine
from .cases import realistic_cases
from .methods import Log, _timed
from .startup import _RSS_WRAPPER, _child_env, _write_csv

__all__ = ["cohort_rows"]

#: Distinct patterns in the file with repeats when there is no ``examples/vignettes.csv`` to resample.
_PATTERNS = 200
#: Positive findings of each distinct case (issue 18's file: 1-8).
_POSITIVES = (1, 8)
#: The vignettes of a source checkout, resampled into the file with repeats.
_VIGNETTES = Path(__file__).resolve().parents[2] / "examples" / "vignettes.csv"


def _resampled(source: Path, target: Path, rows: int, seed: int) -> int | None:
    """``rows`` rows drawn with replacement from ``source`` with new ``case_id`` values; the number of rows it has.

    None when there is no such file (an installed package).
    """
    if not source.is_file():
        return None
    import pandas as pd

    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    drawn = frame.sample(rows, replace=True, random_state=seed).reset_index(drop=True)
    drawn["case_id"] = [f"r{i}" for i in range(rows)]
    drawn.to_csv(target, index=False)
    return len(frame)


_DASK_SCRIPT = """
import json, sys, time
import pandas as pd, dask.dataframe as dd, distributed
from ddx.dask import score_dataframe
if __name__ == "__main__":
    frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
    out = {}
    for workers in (1, 2):
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
        with cluster, distributed.Client(cluster):
            ddf = dd.from_pandas(frame, npartitions=8)
            score_dataframe(ddf.head(10, compute=False), check_ids=False).compute()  # load the model in the workers
            start = time.perf_counter()
            score_dataframe(ddf, check_ids=False).compute()
            out[workers] = time.perf_counter() - start
    print(json.dumps(out))
"""


def _score_run(source: Path, jobs: int, folder: Path, timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "ddx", "score", str(source), "-o", str(folder / "out.csv"), "--quiet"]
    wrapper = [sys.executable, "-c", _RSS_WRAPPER, str(timeout), *command, "--jobs", str(jobs)]
    seconds, proc = _timed(
        functools.partial(subprocess.run, wrapper, env=_child_env(folder), cwd=folder, capture_output=True)
    )
    report = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    return {
        "jobs": jobs,
        "seconds": seconds,
        "completed": report["exit_code"] == 0 and not report["timed_out"],
        "peak_rss_mib": report["peak_bytes"] / 2**20 if report["peak_bytes"] else None,
    }


def _dask_run(source: Path, rows: int, folder: Path, timeout: float) -> dict[str, Any] | None:
    if importlib.util.find_spec("distributed") is None:
        return None
    script = folder / "dask_cohort.py"
    script.write_text(_DASK_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(source)],
        env=_child_env(folder),
        cwd=folder,
        capture_output=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        return {"error": done.stderr.decode()[-2000:]}
    seconds = {int(k): v for k, v in json.loads(done.stdout.decode().strip().splitlines()[-1]).items()}
    return {
        str(w): {"seconds": s, "rows_per_second": rows / s, "rows_per_second_per_worker": rows / s / w}
        for w, s in seconds.items()
    }


def cohort_rows(engine: Engine, rows: int, seed: int, folder: Path, log: Log, timeout: float = 600) -> dict[str, Any]:
    """rows/s of ``ddx score`` (``--jobs 1`` and ``2``) on a file with repeats and on one of distinct rows."""
    kb = engine.kb
    files = {"repeats": folder / "cohort_repeats.csv", "distinct": folder / "cohort_distinct.csv"}
    repeats = _resampled(_VIGNETTES, files["repeats"], rows, seed + 3)
    if repeats is None:
        _write_csv(files["repeats"], kb, realistic_cases(kb, _PATTERNS, seed + 3, positives=_POSITIVES), rows)
    _write_csv(files["distinct"], kb, realistic_cases(kb, rows, seed + 4, positives=_POSITIVES), rows)
    out: dict[str, Any] = {
        "rows": rows,
        "repeats_from": "examples/vignettes.csv" if repeats is not None else f"{_PATTERNS} realistic cases",
        "patterns_in_repeats": repeats if repeats is not None else _PATTERNS,  # rows drawn from
        "positive_findings_in_distinct": list(_POSITIVES),
    }
    log(f"  cohort, repeats drawn from {out['repeats_from']} ({out['patterns_in_repeats']} rows)")
    _score_run(files["repeats"], 1, folder, timeout)  # untimed: the file cache and the children's bytecode warm
    for kind, path in files.items():
        runs = [_score_run(path, jobs, folder, timeout) for jobs in (1, 2)]
        for run in runs:
            run["rows_per_second"] = rows / run["seconds"]
            log(
                f"  cohort, {kind} ({rows:,} rows): --jobs {run['jobs']} {run['seconds']:.2f} s, "
                f"{run['rows_per_second']:,.0f} rows/s, peak RSS {run['peak_rss_mib'] or 0:.0f} MiB"
            )
        out[kind] = runs
    dask = _dask_run(files["distinct"], rows, folder, timeout)
    if dask is not None:
        out["dask_distinct"] = dask
        if "error" not in dask:
            for workers, figures in dask.items():
                log(
                    f"  cohort, distinct on Dask with {workers} worker(s): {figures['rows_per_second']:,.0f} rows/s "
                    f"({figures['rows_per_second_per_worker']:,.0f} per worker)"
                )
    return out
