"""Fuzzed terminal interview: random scripts of lines never end it with a traceback.

Each script is a list of lines (valid answers, Unicode digits, control characters, very long lines, random
text) that ends somewhere, so the input ends at every step in turn. The interview must return; a line that
no prompt can accept is asked again ("please ..."); and whenever a line says yes to an emergency sign (a
yes/no question about it, or its number in a checklist) the emergency advice is in the output.
"""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ddx
from ddx.clinical.failsafe import emergency_rules
from ddx.interview.session import Interview
from ddx.interview.terminal import run_interview

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ENGINE = ddx.load()
KB = ENGINE.kb
BY_QUESTION = {n.question: n.id for n in KB.nodes.values() if n.question}
BY_LABEL = {n.label: n.id for n in KB.nodes.values()}
#: Ids that alone meet an emergency rule: a yes to any of them must show the emergency advice.
ALONE = {i for i in KB.evidence_ids if i != KB.sex_node and emergency_rules(KB, {i: True})}

line = st.one_of(
    st.sampled_from(["", "y", "n", "d", "?", "yes", "No", "TRUE", "0", "1", "1 3", "2,5", "13", "none", "45", "f"]),
    st.sampled_from(["M", "female", "dont know", "1 1", "0 1", "99", "007", "1, 2, 3", "7", "9", "12 13"]),
    st.sampled_from(
        ["¹", "①", "٤٥", "４５", "²³", "1 ¹", "Ⅻ", "\x00", "\x1b[2J", "\x7f", "y\x00", "\u200bn", "\ufffd"]
    ),
    st.text(
        alphabet=st.characters(categories=["Nd", "No", "Cc", "Cf", "Zs", "Lu", "Ll"], exclude_characters="\n")
    ).filter(lambda s: len(s) < 30),
    st.builds(lambda s, n: s * n, st.sampled_from(["1 ", "y", "9", "é", "\x1b"]), st.integers(1000, 30000)),
)
scripts = st.lists(line, max_size=16)


class Script:
    """An input stream of fixed lines; remembers what was on the screen at each read."""

    def __init__(self, lines: list[str], out: io.StringIO) -> None:
        self.lines, self.out = list(lines), out
        self.reads: list[tuple[int, str]] = []  # (output length at the read, the line given)

    def readline(self) -> str:
        if not self.lines:
            return ""
        text = self.lines.pop(0)
        self.reads.append((len(self.out.getvalue()), text))
        return text + "\n"

    def isatty(self) -> bool:
        return False


def _unreadable(text: str) -> bool:
    """A line no prompt accepts: after stripping, a character that is not printable ASCII (in any case)."""
    return any(not (c.isascii() and c.isprintable()) for c in text.strip().lower())


def _says_yes_to_an_emergency(screen: str, text: str) -> bool:
    """Whether ``text``, read at a prompt whose screen is ``screen``, answers yes to an id of ALONE."""
    blocks = re.split(r"^Q\d+\. ", screen, flags=re.M)
    if len(blocks) < 2 or not screen.rstrip().endswith(":"):
        return False
    block = blocks[-1]
    if block.rstrip().endswith("[y/n/d]:"):
        node = BY_QUESTION.get(block.split("\n", 1)[0])
        return node in ALONE and text.strip().lower() in ("y", "yes", "true", "1")
    options = re.findall(r"^ +(\d+)\. (.*)$", block, flags=re.M)
    parts = text.replace(",", " ").split()
    if not options or not parts or not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        return False
    numbers = {int(p) for p in parts}
    if not all(1 <= n <= len(options) for n in numbers):
        return False
    return any(BY_LABEL.get(label) in ALONE for number, label in options if int(number) in numbers)


def _check(lines: list[str], max_questions: int | None = 8) -> None:
    out = io.StringIO()
    script = Script(lines, out)
    interview = run_interview(ENGINE, script, out, max_questions=max_questions)  # type: ignore[arg-type]
    text = out.getvalue()
    assert "\nStopped: " in text and interview.result.differential  # a result, whatever happened
    ends = [at for at, _ in script.reads[1:]] + [len(text)]
    for (at, sent), end in zip(script.reads, ends[: len(script.reads)], strict=True):
        screen, after = text[:at], text[at:end]
        if _unreadable(sent):
            assert "please " in after, (sent, screen[-300:], after[:300])
        if _says_yes_to_an_emergency(screen, sent):
            assert "*** EMERGENCY" in text, (sent, screen[-500:])


@FUZZ
@given(lines=scripts)
@example(lines=["45", "f", "①", "¹", "13"])
@example(lines=["1" * 20000, "٤٥", "M", "y" * 30000, "9"])
@example(lines=["", "", "\x1b[2J", "n", "d", "y"])
def test_random_scripts(lines: list[str]) -> None:
    _check(lines)


#: A whole interview answered plainly: it is cut after every line in turn.
PLAIN = ["61", "female", "n", "1", "n", "n", "y", "n", "d", "y", "n", "n", "y", "d"]


@pytest.mark.parametrize("cut", range(len(PLAIN) + 1))
def test_end_of_input_at_every_step(cut: int) -> None:
    out = io.StringIO()
    interview = run_interview(
        ENGINE, io.StringIO("\n".join(PLAIN[:cut]) + ("\n" if cut else "")), out, max_questions=10
    )
    text = out.getvalue()
    assert "\nStopped: " in text and interview.result.differential
    if cut < len(PLAIN) and len(interview.asked) < 10 and interview.stop() is None:
        assert "the input ended" in text


@pytest.mark.parametrize("sign", sorted(ALONE & set(KB.emergency_signs)))
def test_ticking_any_emergency_sign_shows_the_advice(sign: str) -> None:
    first = Interview(ENGINE).next_question()
    assert first is not None and sign in first.options  # the opening checklist lists every emergency sign
    out = io.StringIO()
    run_interview(ENGINE, io.StringIO(f"\n\n{first.options.index(sign) + 1}\n"), out, max_questions=1)
    assert "*** EMERGENCY" in out.getvalue()
