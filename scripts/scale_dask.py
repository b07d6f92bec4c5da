"""Score a generated cohort of many rows through the Dask path and report rows/s and each worker's peak memory.

    python scripts/scale_dask.py --rows 10000000 --workers 2

The cohort is ``examples/vignettes.csv`` resampled (answers, age and sex kept,
a fresh ``case_id`` per row), written as a Parquet file of one row group per
partition; the scored rows are written to Parquet beside it. Nothing is held
in memory beyond a few partitions per worker, which the peak resident memory
of each worker process (sampled every second) shows.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _generate(path: Path, rows: int, partition: int, seed: int) -> int:
    """Write ``rows`` resampled vignettes to ``path`` in row groups of ``partition`` rows; return the groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pd.read_csv(ROOT / "examples" / "vignettes.csv", dtype=str, keep_default_na=False)
    source = source.drop(columns=[c for c in ("gold_cause", "gold_triage") if c in source])
    rng = np.random.default_rng(seed)
    groups = 0
    writer = None
    for start in range(0, rows, partition):
        n = min(partition, rows - start)
        part = source.iloc[rng.integers(0, len(source), n)].reset_index(drop=True)
        part["case_id"] = [f"g{i}" for i in range(start, start + n)]
        table = pa.Table.from_pandas(part, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        groups += 1
    if writer is not None:
        writer.close()
    return groups


def _watch(client: object, peaks: dict[str, float], stop: threading.Event) -> None:
    """Keep each worker's largest resident memory seen (MiB), sampled once a second."""
    import psutil

    def rss() -> float:
        return psutil.Process().memory_info().rss / 2**20

    while not stop.is_set():
        for worker, value in client.run(rss).items():  # type: ignore[attr-defined]
            peaks[worker] = max(peaks.get(worker, 0.0), value)
        stop.wait(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--partition", type=int, default=200_000, help="rows per partition (a Parquet row group)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GiB", help="each worker's memory limit")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()

    import dask.dataframe as dd
    import distributed
    import pyarrow as pa

    from ddx.dask import score_dataframe

    with tempfile.TemporaryDirectory(prefix="ddx-scale-") as tmp:
        source, target = Path(tmp) / "cohort.parquet", Path(tmp) / "scored"
        started = time.perf_counter()
        groups = _generate(source, args.rows, args.partition, args.seed)
        generated = time.perf_counter() - started
        cluster = distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, memory_limit=args.memory_limit, dashboard_address=None
        )
        with cluster, distributed.Client(cluster) as client:
            cases = dd.read_parquet(source, split_row_groups=True)
            peaks: dict[str, float] = {}
            stop = threading.Event()
            watcher = threading.Thread(target=_watch, args=(client, peaks, stop), daemon=True)
            watcher.start()
            started = time.perf_counter()
            scored_frame = score_dataframe(cases, check_ids=False)
            kinds = {"float64": pa.float64(), "Int64": pa.int64()}
            schema = pa.schema([(c, kinds.get(str(t), pa.string())) for c, t in scored_frame.dtypes.items()])
            scored_frame.to_parquet(target, write_index=False, schema=schema)
            seconds = time.perf_counter() - started
            stop.set()
            watcher.join()
        scored = sum(len(pd.read_parquet(f, columns=["case_id"])) for f in sorted(target.glob("*.parquet")))
    print(
        json.dumps(
            {
                "rows": args.rows,
                "rows_scored": scored,
                "partitions": groups,
                "workers": args.workers,
                "memory_limit": args.memory_limit,
                "generate_seconds": round(generated, 1),
                "score_seconds": round(seconds, 1),
                "rows_per_second": round(args.rows / seconds),
                "rows_per_second_per_worker": round(args.rows / seconds / args.workers),
                "peak_rss_mib_per_worker": {k: round(v) for k, v in sorted(peaks.items())},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
