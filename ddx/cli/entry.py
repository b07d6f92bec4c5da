"""The ``ddx`` command (also ``python -m ddx``): thin wrappers over the Python API.

:func:`main` parses the arguments (:mod:`ddx.cli.parser`), runs one
subcommand (:mod:`ddx.cli.commands`) and turns errors and signals into the
documented exit codes (:data:`ddx.cli.parser.EXIT_CODES`): 0 ok, 1 rows
failed under ``ddx score --strict``, 2 a usage or input error (also a missing
optional dependency, named with the extra to install), 3 a model error
(:class:`~ddx.errors.KnowledgeBaseError`). Every error is one line on stderr
(a model error lists its problems below it), never a traceback.

When the command is stopped it ends with one line on stderr: Ctrl-C (SIGINT)
exits 130, SIGHUP 129 and SIGTERM 143 (128 + the signal number). The signals
are turned into an exception, so the code that writes files cleans up on the
way out (``ddx score`` removes its partial output). A closed standard output
(``ddx ... | head``) ends any command quietly with 141 (128 + SIGPIPE), also
when the pipe closes before the last buffered line is flushed.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import NoReturn

from ..errors import DdxError, EmergencyEvidenceError, KnowledgeBaseError
from .commands import (
    _bench,
    _check,
    _diagnose,
    _explain,
    _export,
    _ids,
    _interview,
    _raw_pairs,
    _score,
    _sensitivity,
    _serve,
    _visualise,
)
from .parser import UsageError, build_parser

__all__ = ["EXIT_INPUT", "EXIT_MODEL", "EXIT_OK", "EXIT_PIPE", "EXIT_STRICT", "main"]

EXIT_OK, EXIT_STRICT, EXIT_INPUT, EXIT_MODEL = 0, 1, 2, 3
#: A closed standard output: what a shell reports for a command killed by SIGPIPE.
EXIT_PIPE = 128 + int(getattr(signal, "SIGPIPE", 13))

#: A missing module -> the extra that installs it, and what needs it.
_EXTRAS = {
    "matplotlib": ("plot", "PNG output needs matplotlib", " (or write .svg or .html)"),
    "PIL": ("plot", "PNG output needs Pillow", " (or write .svg or .html)"),
    "pyagrum": ("bench", "this needs pyAgrum", ""),
    "fastapi": ("server", "ddx serve needs FastAPI", ""),
    "uvicorn": ("server", "ddx serve needs uvicorn", ""),
    "fhir": ("fhir", "reading or writing FHIR needs fhir.resources", ""),
}
#: The distribution that installs the ``ddx`` package.
DISTRIBUTION = "ddx-paresthesia"

HANDLERS = {
    "score": _score,
    "diagnose": _diagnose,
    "ids": _ids,
    "check": _check,
    "visualise": _visualise,
    "explain": _explain,
    "sensitivity": _sensitivity,
    "export": _export,
    "interview": _interview,
    "bench": _bench,
    "serve": _serve,
}


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


def one_line(text: str) -> str:
    """``text`` with every control or separator character (a newline, a tab, ...) written as its escape."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _error(command: str, message: str) -> None:
    print(f"{command}: error: {message}", file=sys.stderr)


def _print_emergency(advice: str, rule_ids: Sequence[str]) -> None:
    """The emergency of a refused case, where results go (the fail safe, :mod:`ddx.clinical.failsafe`)."""
    print(f"triage: emergency\nadvice: {advice}\nrules fired: {', '.join(rule_ids)}", flush=True)


def _missing_dependency(exc: ImportError) -> str:
    """One line naming what is missing and the extra that installs it."""
    found: BaseException | None = exc
    name = None
    while found is not None and name is None:
        name = found.name if isinstance(found, ImportError) else None
        found = found.__cause__
    root = (name or "").split(".")[0]
    if root in _EXTRAS:
        extra, what, alternative = _EXTRAS[root]
        return f"{what}, which is not installed: pip install '{DISTRIBUTION}[{extra}]'{alternative}"
    return f"{one_line(str(exc))}: a dependency is not installed; reinstall it with pip install {DISTRIBUTION}"


def _option(argv: Sequence[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in an argument list that did not parse."""
    for i, item in enumerate(argv):
        if item == name and i + 1 < len(argv):
            return argv[i + 1]
        if item.startswith(name + "="):
            return item.partition("=")[2]
    return None


def _kept_emergency(argv: Sequence[str]) -> None:
    """For ``ddx diagnose`` that did not parse: show the emergency its ``ID=yes`` pairs meet, if any."""
    from ..clinical.failsafe import emergency_rules
    from ..knowledge.load import load_knowledge

    pairs = [item for item in argv[1:] if "=" in item and not item.startswith("-")]
    if not pairs:
        return
    try:
        kb = load_knowledge(_option(argv, "--model"))
    except (DdxError, OSError):  # no model to read the answers with
        return
    found = emergency_rules(kb, _raw_pairs(pairs))
    if found:
        _print_emergency(found[0].message, [rule.id for rule in found])


def _run(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        if argv[:1] == ["diagnose"]:
            _kept_emergency(argv)
        _error(exc.prog, f"{one_line(exc.message)} (see {exc.prog} --help)")
        return EXIT_INPUT
    command = f"ddx {args.command}"
    left = f"; {args.output} was left as it was" if args.command == "score" else ""
    try:
        with _signals_end_the_command():
            return HANDLERS[args.command](args)
    except EmergencyEvidenceError as exc:  # the case was refused, but its emergency is shown where results go
        _print_emergency(exc.advice, [r.id for r in exc.rules_fired])
        _error(command, one_line(str(exc)))
        return EXIT_INPUT
    except KnowledgeBaseError as exc:  # a broken model: every problem, one a line
        _error(command, str(exc))
        return EXIT_MODEL
    except DdxError as exc:
        _error(command, one_line(str(exc)))
        return EXIT_INPUT
    except ImportError as exc:
        _error(command, _missing_dependency(exc))
        return EXIT_INPUT
    except BrokenPipeError:  # handled by main: ends quietly
        raise
    except OSError as exc:  # a path that cannot be used (too long, not allowed, ...): named, in one line
        where = f"{exc.filename}: " if exc.filename else ""
        _error(command, one_line(f"{where}{exc.strerror or exc}"))
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"{command}: interrupted (SIGINT){left}", file=sys.stderr)
        return 128 + int(signal.SIGINT)
    except _Stopped as stopped:
        print(f"{command}: stopped by {signal.Signals(stopped.signum).name}{left}", file=sys.stderr)
        return 128 + stopped.signum


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ddx`` command; returns the exit code (``--help`` and ``--version`` exit with 0)."""
    try:
        try:
            code = _run(list(sys.argv[1:] if argv is None else argv))
        finally:  # flushed here, so that a pipe closed early is seen now and not at the interpreter's exit
            sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_PIPE
    return code


def run() -> NoReturn:
    """The console command (``ddx``, ``python -m ddx``): :func:`main`, then an exit that frees nothing.

    At a normal exit Python frees every object of the run one by one (pandas,
    the model, a file's pattern cache): 0.1-0.2 s of each command. By the time
    :func:`main` returns every output is closed, so the process ends at once,
    after flushing its streams and running the ``atexit`` handlers (a coverage
    tool's among them). While another thread runs, it exits normally and waits.
    """
    code = main()
    if threading.active_count() > 1:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: main has reported it already
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)
