"""The console command's exit (``ddx.cli.entry.run``): the exit code, every byte written, the exit handlers run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO

#: Runs ``run()`` as the ``ddx`` command with the arguments after the first two, after setting up argv[1]'s case.
SCRIPT = """
import atexit, sys, threading, time
from pathlib import Path
marker, case, *argv = sys.argv[1:]
atexit.register(lambda: Path(marker).write_text(Path(marker).read_text() + "atexit;"))
if case == "thread":  # a thread still at work when the command ends: the exit waits for it
    def late():
        time.sleep(0.5)
        Path(marker).write_text(Path(marker).read_text() + "thread;")
    threading.Thread(target=late).start()
sys.argv = ["ddx", *argv]
from ddx.cli.entry import run
run()
"""


def _run(tmp_path: Path, case: str, *argv: str) -> tuple[subprocess.CompletedProcess[str], str]:
    marker = tmp_path / "marker"
    marker.write_text("")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(marker), case, *argv], cwd=REPO, capture_output=True, text=True
    )
    return done, marker.read_text()


def test_the_exit_code_and_both_streams_come_through_and_the_exit_handlers_run(tmp_path, tiny_dir) -> None:
    done, marker = _run(tmp_path, "plain", "diagnose", "nonsense=yes", "--model", str(tiny_dir))
    assert done.returncode == 2
    assert "ddx diagnose: error: unknown evidence id 'nonsense'" in done.stderr
    assert marker == "atexit;"
    done, marker = _run(tmp_path, "plain", "ids", "--model", str(tiny_dir))
    plain = "import sys; from ddx.cli.entry import main; sys.exit(main(sys.argv[1:]))"
    listed = subprocess.run(
        [sys.executable, "-c", plain, "ids", "--model", str(tiny_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.returncode == 0 and done.stdout == listed.stdout and len(done.stdout) > 100
    assert marker == "atexit;"


def test_a_thread_still_running_is_waited_for(tmp_path, tiny_dir) -> None:
    done, marker = _run(tmp_path, "thread", "check", "--model", str(tiny_dir))
    assert done.returncode == 0, done.stderr
    assert marker == "thread;atexit;"


def test_a_scored_file_is_whole_when_the_command_ends(tmp_path, tiny_dir) -> None:
    source = tmp_path / "in.csv"
    source.write_text("case_id,f1,f2\n" + "".join(f"c{i},{'yes' if i % 2 else 'no'},yes\n" for i in range(3000)))
    target = tmp_path / "out.csv"
    done, marker = _run(tmp_path, "plain", "score", str(source), "-o", str(target), "--model", str(tiny_dir))
    assert done.returncode == 0, done.stderr
    lines = target.read_text().splitlines()
    assert len(lines) == 3001 and lines[-1].startswith("c2999,ok,")
    assert marker == "atexit;"
