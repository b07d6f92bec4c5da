"""Writing a batch: formula cells escaped, rows appended as CSV, outputs replaced only when a run succeeds.

Text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are written with a leading
``'`` so that they show as text (CSV injection, OWASP). Every output path is
checked before any row is scored: it must not name the input or another
output, nor be a folder, and its temporary file must be creatable. An output
is written to ``.NAME.<pid>.partial`` beside it and renamed at the end;
partial files of runs that died are removed.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import io
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from ..errors import InputFileError

__all__ = ["FLOAT_FORMAT", "FORMULA_STARTS", "escape_formula_cells"]

#: How probabilities are written: enough digits to compare with the engine to 1e-9.
FLOAT_FORMAT = "%.10g"
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    A text cell that starts with one of :data:`FORMULA_STARTS` gets a
    leading ``'``, which spreadsheets show as text (OWASP's advice against
    CSV injection). Only text columns are touched: numbers (``p_`` columns,
    ``gold_rank``) are written as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> escape_formula_cells(pd.DataFrame({"case_id": ["=1+1", "c2"], "p": [-0.5, 1.0]})).values.tolist()
    [["'=1+1", -0.5], ['c2', 1.0]]
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        risky_values = [value for value in _text_values(column) if value.startswith(FORMULA_STARTS)]
        if risky_values:
            risky = column.isin(risky_values)
            out[name] = column.where(~risky, "'" + column[risky])
    return out


def _text_values(column: pd.Series) -> list[str]:
    """The distinct text cells of a column: a batch's result columns repeat a few ids, so each is looked at once."""
    return [value for value in pd.unique(column) if isinstance(value, str)]


def _same_file(a: Path, b: Path) -> bool:
    """True when two paths name one file: the same resolved path, or the same inode (a hard link)."""
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError):  # a loop of symbolic links: compare what they name, if anything
        pass
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _check_paths(source: Path, target: Path, metrics: Path | None) -> None:
    """Refuse, one line naming the path, every input or output path that cannot work (before any scoring)."""
    if not source.exists():
        raise InputFileError(f"{source}: no such file")
    if not source.is_file():
        raise InputFileError(f"{source}: not a file")
    outputs = [("output", target)] + ([("metrics file", metrics)] if metrics is not None else [])
    for what, path in outputs:
        if path.is_dir():
            raise InputFileError(f"{path}: is a folder; give the {what} a file name, e.g. {path / 'out.csv'}")
        if not path.parent.is_dir():
            raise InputFileError(f"{path}: cannot write it: folder {path.parent} does not exist")
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):
            raise InputFileError(f"{path}: not a regular file; the {what} must be a file it can replace")
        if _same_file(path, source):
            raise InputFileError(f"{path}: the {what} would overwrite the input; choose another file")
    if metrics is not None and _same_file(metrics, target):
        raise InputFileError(f"{metrics}: the metrics file would overwrite the output {target}; choose another file")


def _write_csv(
    frame: pd.DataFrame, handle: IO[str], header: bool, patterns: np.ndarray | None = None, escape: bool = False
) -> None:
    """Append ``frame`` to the output; a chunk with a carriage return in a text cell has every field quoted.

    Python's ``csv`` before 3.13 leaves a field holding a lone carriage return
    unquoted when lines end with ``\\n``, and readers then split the row there.
    ``escape`` writes the cells as :func:`escape_formula_cells` makes them.

    ``patterns`` (from :func:`ddx.batch.score._start_frame`) gives each row the
    index of its distinct outcome: the result columns of rows that share one
    are the same, so they are escaped and formatted once and each line is
    joined from its own cells and them. The bytes are those of
    ``DataFrame.to_csv`` (tested).
    """
    own = [c for c in frame.columns if c in _OWN_CELLS]
    shared = [c for c in frame.columns if c not in _OWN_CELLS]
    if patterns is not None and own and list(frame.columns) == [*own[:1], *shared, *own[1:]]:
        codes, firsts = np.unique(patterns, return_index=True)
        distinct, mine = frame.iloc[firsts][shared], frame[own]
        if escape:
            distinct, mine = escape_formula_cells(distinct), escape_formula_cells(mine)
        # a carriage return asks for every field quoted, a quoted line break would split the lines below
        if not any(_holds(part, "\r\n") for part in (distinct, mine)):
            middle = _lines(_formatted(distinct))
            head, tail = _lines(mine[own[:1]]), _lines(mine[own[1:]]) if own[1:] else None
            if header:
                handle.write(_header(frame.columns) + "\n")
            pick = np.searchsorted(codes, patterns).tolist()
            if tail is None:
                handle.write("".join(f"{head[i]},{middle[k]}\n" for i, k in enumerate(pick)))
            else:
                handle.write("".join(f"{head[i]},{middle[k]},{tail[i]}\n" for i, k in enumerate(pick)))
            return
    written = escape_formula_cells(frame) if escape else frame
    quoting = csv.QUOTE_ALL if _holds(written, "\r") else csv.QUOTE_MINIMAL
    _formatted(written).to_csv(handle, header=header, index=False, quoting=quoting)


#: The cells of a row that are its own (copied from the input or ranked against it), not its outcome's.
_OWN_CELLS = ("case_id", "gold_cause", "gold_triage", "gold_rank")


def _lines(frame: pd.DataFrame) -> list[str]:
    """Each row of ``frame`` as its part of a CSV line (formatted as ``to_csv`` does), without the line end.

    An empty last column is written and cut off, so that a row of one empty
    cell is an empty part (``csv`` quotes a line of one empty field).
    """
    text = io.StringIO()
    if any(pd.api.types.is_float_dtype(frame[name]) for name in frame.columns):  # numbers to format: pandas' way
        frame.assign(**{"\0": ""}).to_csv(text, header=False, index=False, lineterminator="\n")
    else:  # cells written as they are, a missing one blank: the csv module's own loop, as to_csv ends in it
        cells = [_texts(frame[name]) for name in frame.columns]
        if not any(_quoted("\0".join(column)) for column in cells):  # no cell to quote: csv joins them so
            return [",".join(row) for row in zip(*cells, strict=True)] if cells else [""] * len(frame)
        csv.writer(text, lineterminator="\n").writerows(zip(*cells, [""] * len(frame), strict=True))
    return [line[:-1] for line in text.getvalue().split("\n")[:-1]]


def _quoted(text: str) -> bool:
    """Whether ``text`` holds a character for which the csv module quotes a field (or ``_write_csv`` every field)."""
    return "," in text or '"' in text or "\n" in text or "\r" in text


def _texts(column: pd.Series) -> list[str]:
    """A column's cells as the csv module writes them: text as it is, a missing cell blank, others by ``str``."""
    values = column.to_numpy(dtype=object, na_value="").tolist()
    return values if all(type(v) is str for v in values) else [v if type(v) is str else str(v) for v in values]


def _header(columns: pd.Index) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="").writerow([str(c) for c in columns])
    return text.getvalue()


def _formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every float column as the text ``to_csv(float_format=FLOAT_FORMAT)`` writes.

    Each distinct value is formatted once (a cohort repeats its patterns, and
    pandas formats float cells one by one in Python); NaN becomes blank.
    """
    floats = [name for name in frame.columns if pd.api.types.is_float_dtype(frame[name])]
    if not floats:
        return frame
    # every float cell at once (a probability recurs as p_topN), by bit pattern: -0.0 and 0.0 stay apart
    bits = np.column_stack([frame[name].to_numpy(dtype=np.float64) for name in floats]).view(np.int64)
    codes, distinct = pd.factorize(bits.ravel())
    values = np.asarray(distinct, dtype=np.int64).view(np.float64).tolist()
    text = np.array(["" if math.isnan(v) else FLOAT_FORMAT % v for v in values], dtype=object)[codes]
    cells = text.reshape(bits.shape)
    at = {name: j for j, name in enumerate(floats)}
    # object columns as they are (pandas would otherwise convert the text to its own text dtype)
    columns = {n: pd.Series(cells[:, at[n]], index=frame.index, dtype=object) if n in at else frame[n] for n in frame}
    return pd.DataFrame(columns, index=frame.index)


def _holds(frame: pd.DataFrame, characters: str) -> bool:
    """Whether a text cell of ``frame`` holds one of ``characters``."""
    text = [
        frame[name]
        for name in frame.columns
        if pd.api.types.is_object_dtype(frame[name]) or pd.api.types.is_string_dtype(frame[name])
    ]
    joined = ["\0".join(_text_values(column)) for column in text]
    return any(character in cells for cells in joined for character in characters)


def _partial_pid(path: Path, target: Path) -> int | None:
    """The process id in the name of a partial file of ``target`` (``.NAME.<pid>.partial``), else None."""
    match = re.fullmatch(rf"\.{re.escape(target.name)}\.([0-9]{{1,10}})\.partial", path.name)
    return int(match.group(1)) if match else None


def _alive(pid: int) -> bool:
    """True unless process ``pid`` is certainly gone (so that a doubt keeps the file)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):  # another user's process, or not a process id
        return True
    return True


def _remove_stale_partials(target: Path) -> list[Path]:
    """Remove the partial files of ``target`` left by runs that died (SIGKILL, power loss); return them.

    Only regular files named ``.NAME.<pid>.partial`` beside ``target``, owned
    by this user, whose process no longer exists, are removed.
    """
    removed: list[Path] = []
    try:
        siblings = list(target.parent.glob(f".{glob.escape(target.name)}.*.partial"))
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for path in siblings:
        pid = _partial_pid(path, target)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or (uid is not None and info.st_uid != uid):
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


@contextlib.contextmanager
def _replacing(target: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Write to a new file beside ``target`` and move it onto ``target`` only on success.

    The partial file is removed whatever stops the run (an error, Ctrl-C, or
    a signal the command turns into an exception); stale ones of dead runs
    are removed first.
    """
    _remove_stale_partials(target)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise InputFileError(
            f"{target}: another run of this process is writing it ({partial} exists); wait for it or remove it"
        ) from None
    except OSError as exc:
        raise InputFileError(f"{target}: cannot write it: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
