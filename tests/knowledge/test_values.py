"""The one value grammar (ddx.knowledge.values): answers, sex and age, and ID=answer pairs."""

from __future__ import annotations

import numpy as np
import pytest

from ddx.errors import EvidenceError
from ddx.knowledge.values import parse_answer, parse_pairs, read_age, read_answer, read_sex

YES = [True, "yes", "YES", " Yes ", "y", "Y", "true", "True", "TRUE", "1", " 1 ", "1.0", 1, 1.0, np.bool_(True)]
NO = [False, "no", "No", "n", "N", "false", "FALSE", "0", "0.0", 0, 0.0, np.float64(0.0), np.int64(0), np.bool_(False)]
UNKNOWN = [None, "", "   ", "\t", float("nan"), np.float32("nan")]
NOT_ANSWERS = ["maybe", "2", "yess", "-1", "1.5", "ja", "①", "¹", 2, -1, 0.5, [True], {"a": 1}, "nan", "none"]


@pytest.mark.parametrize("value", YES, ids=repr)
def test_yes_spellings(value: object) -> None:
    assert read_answer(value) is True and parse_answer(value) is True


@pytest.mark.parametrize("value", NO, ids=repr)
def test_no_spellings(value: object) -> None:
    assert read_answer(value) is False and parse_answer(value) is False


@pytest.mark.parametrize("value", UNKNOWN, ids=repr)
def test_unknown_spellings(value: object) -> None:
    assert read_answer(value) is None


def test_pandas_missing_is_unknown() -> None:
    pd = pytest.importorskip("pandas")
    assert read_answer(pd.NA) is None and read_age(pd.NA) is None and read_sex(pd.NA) is None


@pytest.mark.parametrize("value", NOT_ANSWERS, ids=repr)
def test_other_values_are_not_answers(value: object) -> None:
    with pytest.raises(EvidenceError, match=r"is not an answer; use yes or no \(also y/n, true/false, 1/0, any case\)"):
        read_answer(value)
    assert parse_answer(value) is None


@pytest.mark.parametrize(
    ("value", "sex"),
    [("female", "female"), ("Female", "female"), (" MALE ", "male"), ("f", "female"), ("F", "female"), ("m", "male")],
)
def test_sex_spellings(value: str, sex: str) -> None:
    assert read_sex(value) == sex


@pytest.mark.parametrize("value", ["x", "fe", "woman", "mf", "1", True, 0])
def test_other_values_are_not_a_sex(value: object) -> None:
    with pytest.raises(EvidenceError, match=r"is not a sex; use female or male \(also f/m, any case\)"):
        read_sex(value)


def test_sex_reads_the_states_of_the_model() -> None:
    assert read_sex("W", ("woman", "man")) == "woman"
    with pytest.raises(EvidenceError, match="use sex_a or sex_b"):
        read_sex("s", ("sex_a", "sex_b"))  # a first letter shared by both states is no answer


@pytest.mark.parametrize(("value", "age"), [(45, 45.0), (45.5, 45.5), ("45", 45.0), (" 7.5 ", 7.5), ("1e1", 10.0)])
def test_age_spellings(value: object, age: float) -> None:
    assert read_age(value) == age


@pytest.mark.parametrize("value", [None, "", " ", float("nan")])
def test_blank_age_is_unknown(value: object) -> None:
    assert read_age(value) is None


@pytest.mark.parametrize("value", ["old", "inf", "-inf", "nan", "1e400", "٤٥", "４５", "1_0", True, float("inf"), [45]])
def test_other_values_are_not_an_age(value: object) -> None:
    with pytest.raises(EvidenceError, match="is not a number of years"):
        read_age(value)


def test_pairs() -> None:
    assert parse_pairs(["back_pain=yes", "one_leg_only=N", "leg_pain=", "x=1", "back_pain=Y"]) == {
        "back_pain": True,
        "one_leg_only": False,
        "x": True,
    }


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["back_pain=yes", "back_pain=no"], r"evidence 'back_pain' is answered twice, yes and no; give each id once"),
        (["back_pain=", "back_pain=no"], r"evidence 'back_pain' is answered twice, blank and no"),
        (["back_pain"], r"answers are written ID=yes or ID=no; got 'back_pain'"),
        (["=yes"], r"answers are written ID=yes or ID=no; got '=yes'"),
        (["back_pain=maybe"], r"evidence 'back_pain': 'maybe' is not an answer"),
    ],
)
def test_bad_pairs(items: list[str], message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        parse_pairs(items)
