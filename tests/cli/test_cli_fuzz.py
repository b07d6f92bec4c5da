"""``ddx diagnose`` fed random argument lists: an exit code, one line naming the bad item, never a traceback.

The answers are ``ID=VALUE`` pairs built from the model's ids, emergency
signs and random text (Unicode digits such as ``¹`` or ``①``, control
characters, very long strings), with an optional ``--age``. Whatever is wrong,
an emergency sign answered yes still shows the emergency on stdout.
"""

from __future__ import annotations

import contextlib
import io
import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ddx
from ddx.cli.entry import main, one_line
from ddx.knowledge.values import parse_answer

KB = ddx.load().kb
SIGNS = list(KB.emergency_signs)
ODD = "¹²③①٣߀\x00\x07\t\n\r\x1b\x85\u2028\u200b\ufeffé=" + string.punctuation
texts = st.text(alphabet=st.sampled_from(ODD) | st.characters(blacklist_categories=("Cs",)), max_size=12)
long_texts = st.builds(lambda c, n: c * n, st.sampled_from("a=①\x00y"), st.integers(200, 5000))
ids = st.sampled_from(list(KB.evidence_ids)) | st.sampled_from(SIGNS) | texts | long_texts
values = st.sampled_from(["yes", "no", "Y", "n", "TRUE", "0", "1", "", " yes ", "maybe", "١", "①", "¹"]) | texts
pairs = st.builds(lambda key, value: f"{key}={value}", ids, values)
items = st.lists(pairs | texts | long_texts, max_size=6).map(
    lambda found: [("x" + item) if item.startswith("-") else item for item in found]  # options are fuzzed apart
)
ages = st.none() | st.sampled_from(["45", "-5", "nan", "inf", "1e400", "①", "٤٥", "¹", "", "45\x00"]) | texts


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def emergency_yes(answers: list[str]) -> list[str]:
    """The emergency signs answered yes among the pairs."""
    found = []
    for item in answers:
        key, sep, value = item.partition("=")
        if sep and key.strip() in SIGNS and parse_answer(value) is True:
            found.append(key.strip())
    return found


def named(err: str, answers: list[str], age: str | None) -> bool:
    """Whether the error names one of the items (or a part of one), as a person would find it on the line."""
    if age is not None and ("age" in err or one_line(age[:8]) in err):  # the value as read (1e400 is inf)
        return True
    parts = [*answers, *(p for item in answers for p in item.partition("=")[::2])]
    parts += [p.strip() for p in parts if p.strip() not in ("", p)]  # an id is read without the blanks around it
    return any(
        (one_line(part[:8]) in err or repr(part[:8])[1:-1] in err) if part.strip() else repr(part) in err
        for part in parts
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=items, age=ages)
@example(answers=["\u00b9\t=yes"], age=None)  # named as read: '¹', without the tab
def test_diagnose_never_crashes_and_keeps_the_emergency(answers, age):
    argv = ["diagnose", *answers, *(["--age", age] if age is not None else [])]
    code, out, err = run(argv)
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1 and err.endswith("\n"), err  # one line
        assert err.startswith("ddx") and ": error: " in err, err
        assert named(err, answers, age), (argv, err)
    else:
        assert err == "" and "not a diagnosis" in out
    for sign in emergency_yes(answers):
        assert out.startswith("triage: emergency\n"), (argv, out, err)
        assert sign in out


@settings(max_examples=40, deadline=None)
@given(option=st.sampled_from(["--age", "--sex", "--format", "--model"]), value=texts | long_texts)
def test_a_bad_option_value_is_one_line_and_keeps_the_emergency(option, value, tmp_path_factory):
    if option == "--model":
        value = str(tmp_path_factory.mktemp("model")) + "/" + value.replace("/", "_").replace("\x00", "_")
    argv = ["diagnose", "chest_pain=yes", option, value]
    code, out, err = run(argv)
    assert "Traceback" not in err
    if option == "--model":  # not a model directory (3), or a path that cannot even be read (2)
        assert code in (2, 3) and ": error: " in err, err
        return
    assert code in (0, 2), (argv, err)
    assert out.startswith("triage: emergency\n") and "chest_pain" in out, (argv, out, err)
    if code == 2:
        assert err.count("\n") == 1 and ": error: " in err, err
