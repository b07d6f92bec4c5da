"""The ``ddx`` command (also ``python -m ddx``): thin wrappers over the Python API.

:func:`main` parses the arguments (:mod:`ddx.cli.parser`), runs one
subcommand (:mod:`ddx.cli.commands`) and turns errors and signals into exit
codes.

Every command ends with one line on stderr, never a traceback, when it is
stopped: Ctrl-C (SIGINT) exits 130, SIGHUP 129 and SIGTERM 143 (128 + the
signal number). The signals are turned into an exception, so the code that
writes files cleans up on the way out (``ddx score`` removes its partial
output). A closed standard output (``ddx ... | head``) ends the command quietly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING

from ..errors import DdxError, EmergencyEvidenceError

if TYPE_CHECKING:  # pragma: no cover
    pass
from .commands import _check, _diagnose, _explain, _export, _interview, _score, _sensitivity, _visualise
from .parser import build_parser

__all__ = ["main"]


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
    args = build_parser().parse_args(args_list)
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
