"""Fuzzed value grammar: random text and objects give a value of the right kind or a named EvidenceError."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ddx.errors import DdxError, EvidenceError
from ddx.knowledge.values import ANSWER_SPELLINGS, parse_answer, parse_pairs, read_age, read_answer, read_sex

IDS = ["f1", "f2", "f1_alias", "red_flag"]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Text a person or a file might send: Unicode digits, control characters, blanks, spellings, very long strings.
odd_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl", "Cc", "Cf", "Zs"]), max_size=20),
    st.sampled_from(["¹", "①", "٤٥", "４５", "Ⅻ", "1\x00", "\x1b[2J", "ye\u0301s", "YES\u200b", " \t\r ", "-0", "+1"]),
    st.builds(lambda s, n: s * n, st.sampled_from(["y", "1", "9", "yes ", "\x00"]), st.integers(1000, 20000)),
    st.sampled_from(sorted(ANSWER_SPELLINGS))
    .flatmap(lambda s: st.tuples(st.sampled_from(["", " ", "\t"]), st.just(s), st.sampled_from(["", " ", "\n"])))
    .map(lambda parts: "".join(parts)),
)
odd_objects = st.one_of(
    odd_text,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.booleans(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.booleans(), max_size=2),
    st.builds(np.float64, st.floats()),
    st.builds(np.bool_, st.booleans()),
)


def _named(exc: DdxError) -> None:
    """A message a person can read: not blank, one line (odd characters are quoted, not written raw)."""
    assert str(exc).strip() and "\n" not in str(exc) and "\r" not in str(exc)


@FUZZ
@given(value=odd_objects)
@example(value="1" * 5000)
@example(value=float("nan"))
def test_an_answer_is_yes_no_unknown_or_a_named_error(value: object) -> None:
    try:
        answer = read_answer(value)
    except EvidenceError as exc:
        _named(exc)
        assert "is not an answer" in str(exc) and len(str(exc)) < 300
        assert parse_answer(value) is None
        return
    assert answer in (True, False, None)
    assert parse_answer(value) is answer
    if isinstance(value, str):
        assert (answer is None) == (not value.strip())


@FUZZ
@given(spelling=st.sampled_from(sorted(ANSWER_SPELLINGS)), data=st.data())
def test_any_case_and_blanks_around_a_spelling(spelling: str, data: st.DataObject) -> None:
    cased = "".join(c.upper() if data.draw(st.booleans()) else c for c in spelling)
    padded = data.draw(st.sampled_from(["", " ", "\t", "  "])) + cased + data.draw(st.sampled_from(["", " ", "\r"]))
    assert read_answer(padded) is ANSWER_SPELLINGS[spelling]


@FUZZ
@given(value=odd_objects)
def test_a_sex_is_a_state_unknown_or_a_named_error(value: object) -> None:
    try:
        sex = read_sex(value)
    except EvidenceError as exc:
        _named(exc)
        assert "is not a sex" in str(exc)
        return
    assert sex in ("female", "male", None)


@FUZZ
@given(value=odd_objects)
@example(value="9" * 5000)
@example(value="1e400")
def test_an_age_is_a_finite_number_unknown_or_a_named_error(value: object) -> None:
    try:
        age = read_age(value)
    except EvidenceError as exc:
        _named(exc)
        assert "is not a number of years" in str(exc)
        return
    assert age is None or (isinstance(age, float) and math.isfinite(age))


@FUZZ
@example(items=["0\n0=00"])  # an id with a line break is quoted, not written raw
@example(items=["x" * 20000 + "=maybe"])
@given(items=st.lists(st.one_of(odd_text, st.builds(lambda k, v: f"{k}={v}", odd_text, odd_text)), max_size=6))
def test_pairs_are_answers_or_a_named_error(items: list[str]) -> None:
    try:
        pairs = parse_pairs(items)
    except EvidenceError as exc:
        _named(exc)
        return
    assert all(isinstance(k, str) and k and v in (True, False) for k, v in pairs.items())


@FUZZ
@example(evidence={"f1\nx" * 5000: True})
@given(
    evidence=st.dictionaries(st.one_of(odd_text, st.sampled_from(["f1", "f2", "f1_alias", "red_flag"])), odd_objects)
)
def test_the_api_refuses_only_with_named_errors(tiny_engine_module, evidence: dict[str, object]) -> None:
    try:
        result = tiny_engine_module.diagnose(evidence)
    except DdxError as exc:
        _named(exc)  # type: ignore[arg-type]
        assert len(str(exc)) < 1000  # a long id or value is quoted by its start only
        return
    assert 0.0 <= result.top.probability <= 1.0
