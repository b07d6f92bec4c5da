"""``--jobs N`` (``ddx.batch.parallel``): the work split across forked workers, the output unchanged."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ddx.batch import score_file
from ddx.batch.parallel import available_cores, score_batches, worker_pool
from ddx.cli import entry as cli
from ddx.errors import DdxError


def _cohort(path: Path, n: int = 1500, seed: int = 11) -> Path:
    """Mostly distinct rows (ages 0-120 times the answers), some repeats and one bad row."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row = {"case_id": f"p{i}", "age": str(rng.randint(0, 120)), "sex": rng.choice(["", "male", "female"])}
        for f in ("f1", "f2", "f3", "rf1"):
            row[f] = rng.choice(["", "yes", "no"])
        rows.append(row)
    rows[7]["f2"] = "perhaps"
    rows[-1] = {**rows[3], "case_id": rows[-1]["case_id"]}  # a repeat in a later chunk
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


class _Recording(Executor):
    """An executor that records each ``map`` and runs it in a real pool."""

    def __init__(self, pool: Executor) -> None:
        self.pool, self.calls = pool, 0

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        self.calls += 1
        return self.pool.map(fn, *iterables, **kwargs)


def test_workers_give_the_results_of_this_process(tiny_engine) -> None:
    batches = [[tiny_engine.normalise({"f1": True}, age=a)] for a in range(0, 120, 10)]
    here = list(score_batches(tiny_engine, batches))
    with worker_pool(tiny_engine, 2) as pool:
        assert pool is not None
        recording = _Recording(pool)
        there = list(score_batches(tiny_engine, batches, pool=recording))
    assert recording.calls == 1
    assert len(there) == len(here) == len(batches)
    rows_of = [pd.DataFrame(rows) for rows in (*here, *there)]  # compared as frames: NaN equal to NaN
    for mine, theirs in zip(rows_of[: len(here)], rows_of[len(here) :], strict=True):
        pd.testing.assert_frame_equal(theirs, mine)


def test_jobs_two_writes_the_bytes_of_jobs_one(tiny_engine, tmp_path: Path) -> None:
    source = _cohort(tmp_path / "cohort.csv")
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert score_file(source, one, tiny_engine, chunk_size=700, quiet=True, jobs=1) == 0
    assert score_file(source, two, tiny_engine, chunk_size=700, quiet=True, jobs=2) == 0
    assert two.read_bytes() == one.read_bytes()
    written = pd.read_csv(one, dtype=str, keep_default_na=False)
    assert len(written) == 1500 and written.status[7] == "error" and "perhaps" in written.error[7]


def test_jobs_two_writes_the_bytes_of_jobs_one_through_the_kernel(tmp_path: Path) -> None:
    """Chunks of 300 new patterns take the compiled kernel, the last of 100 the numpy methods: in any process."""
    pytest.importorskip("numba")
    import ddx
    from ddx.bench.cases import realistic_cases
    from ddx.bench.startup import _write_csv

    engine = ddx.load()
    source = tmp_path / "distinct.csv"
    _write_csv(source, engine.kb, realistic_cases(engine.kb, 1000, 5, positives=(1, 8)), 1000)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert score_file(source, one, engine, chunk_size=300, quiet=True, jobs=1) == 0
    assert score_file(source, two, engine, chunk_size=300, quiet=True, jobs=2) == 0
    assert two.read_bytes() == one.read_bytes()


def test_the_command_line_takes_jobs_and_refuses_zero(tiny_dir: Path, tmp_path: Path, capsys) -> None:
    source = _cohort(tmp_path / "cohort.csv", n=600)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert cli.main(["score", str(source), "-o", str(one), "--model", str(tiny_dir), "--quiet", "--jobs", "1"]) == 0
    assert cli.main(["score", str(source), "-o", str(two), "--model", str(tiny_dir), "--quiet", "--jobs", "2"]) == 0
    assert two.read_bytes() == one.read_bytes()
    capsys.readouterr()
    assert cli.main(["score", str(source), "-o", str(two), "--model", str(tiny_dir), "--jobs", "0"]) == 2
    assert "--jobs must be 1 or more worker processes; got 0" in capsys.readouterr().err


def test_a_pool_needs_at_least_one_job(tiny_engine) -> None:
    refused = pytest.raises(DdxError, match="jobs must be a whole number of processes, at least 1; got 0")
    with refused, worker_pool(tiny_engine, 0):
        pass
    with worker_pool(tiny_engine, 1) as pool:
        assert pool is None  # one job: the work stays in this process
    assert available_cores() >= 1


def test_jobs_two_takes_patterns_of_the_chunk_still_being_scored(tiny_engine, tmp_path: Path) -> None:
    """Each chunk repeats the patterns of the one before, which the workers may not have finished."""
    rows = [{"case_id": f"r{i}", "age": str(i % 60), "f1": "yes" if i % 3 else "no"} for i in range(600)]
    source = tmp_path / "repeats.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert score_file(source, one, tiny_engine, chunk_size=90, quiet=True, jobs=1) == 0
    assert score_file(source, two, tiny_engine, chunk_size=90, quiet=True, jobs=2) == 0
    assert two.read_bytes() == one.read_bytes()
    written = pd.read_csv(two, dtype=str, keep_default_na=False)
    assert list(written.case_id) == [r["case_id"] for r in rows] and set(written.status) == {"ok"}
