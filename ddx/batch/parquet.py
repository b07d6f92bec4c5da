"""Parquet in and out for ``ddx score IN.parquet -o OUT.parquet`` (pyarrow, in the ``dask`` and ``parquet`` extras).

A Parquet input is read a row group batch at a time and scored as a CSV's
chunks are: its columns may hold text, booleans or numbers (1/0), read by the
one value grammar; a null cell is unknown. A Parquet output holds the columns
of :func:`ddx.batch.output_meta`, one row group per chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ..errors import InputFileError
from .csvscan import ID_COLUMN
from .read import _check_unique_ids

__all__ = ["PARQUET_SUFFIXES", "ParquetOut", "is_parquet", "parquet_chunks", "parquet_header", "parquet_rows"]

PARQUET_SUFFIXES = (".parquet", ".pq")


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() in PARQUET_SUFFIXES


def _pq() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the extra is not installed
        raise InputFileError('Parquet files need pyarrow: pip install "ddx-paresthesia[parquet]"') from None
    return pq


def _file(source: Path) -> Any:
    try:
        return _pq().ParquetFile(source)
    except FileNotFoundError:
        raise InputFileError(f"{source}: no such file") from None
    except Exception as exc:  # pyarrow raises its own types for a file that is not Parquet
        raise InputFileError(f"{source}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None


def parquet_header(source: Path) -> list[str]:
    """The column names (surrounding spaces removed)."""
    return [name.strip() for name in _file(source).schema_arrow.names]


def parquet_rows(source: Path) -> int:
    """The number of rows, after checking that no ``case_id`` repeats (read from that column alone)."""
    file = _file(source)
    names = [n.strip() for n in file.schema_arrow.names]
    if ID_COLUMN in names:
        column = file.schema_arrow.names[names.index(ID_COLUMN)]
        ids = file.read(columns=[column]).column(0).to_pylist()
        _check_unique_ids(["" if value is None else str(value) for value in ids], str(source))
    return int(file.metadata.num_rows)


def parquet_chunks(source: Path, header: list[str], chunk_size: int) -> Iterator[pd.DataFrame]:
    """The rows as frames of at most ``chunk_size`` rows, with the header's (stripped) column names."""
    for batch in _file(source).iter_batches(batch_size=chunk_size):
        frame = batch.to_pandas()
        frame.columns = header
        yield frame.astype(object).where(frame.notna(), "")


class ParquetOut:
    """Scored chunks appended to one Parquet file (a row group each), with the schema of the first."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle: IO[bytes] = handle
        self.writer: Any = None
        self.schema: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        if self.schema is None:  # from the dtypes, which output_meta fixes: text, float64, Int64
            kinds = {"float64": pa.float64(), "Int64": pa.int64()}
            self.schema = pa.schema([(c, kinds.get(str(t), pa.string())) for c, t in frame.dtypes.items()])
            self.writer = _pq().ParquetWriter(self.handle, self.schema)
        self.writer.write_table(pa.Table.from_pandas(frame, preserve_index=False, schema=self.schema))

    @property
    def started(self) -> bool:
        """True once a chunk (and so the schema) has been written."""
        return self.writer is not None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
