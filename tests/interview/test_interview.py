"""The interview (``ddx.interview``): one session, its stop rules, intake checklists, the terminal and odd input."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from helpers import CAUDA_EQUINA_FLAGS, tiny_interview, tiny_with_interview
from helpers import settings_number as _number

import ddx
import ddx.cli
from ddx.errors import DdxError
from ddx.interview.session import Interview, parse_intake
from ddx.interview.terminal import run_interview
from ddx.knowledge.interview_settings import SCREEN_ID, load_settings


def _tiny(tmp_path: Path, settings: dict[str, Any] | None = None, **changes: Any) -> ddx.Engine:
    return tiny_with_interview(tmp_path, settings, **changes)


@pytest.fixture
def tiny(tmp_path: Path) -> ddx.Engine:
    return _tiny(tmp_path)


@pytest.fixture(scope="module")
def bundled() -> ddx.Engine:
    return ddx.load()


# --------------------------------------------------------------------------- information gain


# --------------------------------------------------------------------------- safety first


#: The emergency signs of nerve compression at the base of the spine (model/interview.yaml: safety.red_flags).


# --------------------------------------------------------------------------- the interview


class Person:
    """An input stream that answers each question the interview printed, from a dict (default: don't know).

    An intake checklist is answered from its items' answers: the numbers of those that are yes, "n" when
    every item is no, else "d" (as the simulation's person does).
    """

    def __init__(self, kb: Any, out: io.StringIO, answers: dict[str, Any], age: str = "", sex: str = "") -> None:
        self.by_text = {n.question: n.id for n in kb.nodes.values() if n.question}
        self.checklists = {c.question: c for c in load_settings(kb).intake.values()}
        self.kb, self.out, self.answers = kb, out, answers
        self.lines = [age, sex]
        self.asked: list[str] = []

    def readline(self) -> str:
        if self.lines:
            return self.lines.pop(0) + "\n"
        text = self.out.getvalue()
        last = re.findall(r"^Q\d+\. (.*)$", text, flags=re.M)[-1]
        if last.startswith("Before the other questions") or last == "Any of these?":
            self.asked.append(SCREEN_ID)
            return str(self.answers.get(SCREEN_ID, "d")) + "\n"
        if last in self.checklists:
            checklist = self.checklists[last]
            self.asked.append(checklist.id)
            listed = re.findall(r"^ +(\d+)\. (.*)$", re.split(r"^Q\d+\. ", text, flags=re.M)[-1], flags=re.M)
            by_label = {self.kb.nodes[i].label: i for i in checklist.items}
            values = {number: self.answers.get(by_label[label]) for number, label in listed}
            if any(values.values()):
                return " ".join(number for number, value in values.items() if value) + "\n"
            return ("n" if all(value is False for value in values.values()) else "d") + "\n"
        node_id = self.by_text[last]
        self.asked.append(node_id)
        value = self.answers.get(node_id)
        return {True: "y", False: "n", None: "d"}[value] + "\n"


def _session(engine: ddx.Engine, answers: dict[str, Any], **kwargs: Any) -> tuple[Interview, str, Person]:
    out = io.StringIO()
    person = Person(engine.kb, out, answers, kwargs.pop("age", ""), kwargs.pop("sex", ""))
    interview = run_interview(engine, person, out, **kwargs)  # type: ignore[arg-type]
    return interview, out.getvalue(), person


def test_red_flag_path_stops_at_once_with_the_emergency_advice(bundled: ddx.Engine) -> None:
    interview, text, person = _session(
        bundled, {"leg_pain": True, "loss_of_bladder_or_bowel_control": True}, age="48", sex="male"
    )
    assert interview.stop().code == "emergency"
    # asked right after the answer that put sciatica on the list, and the interview ends there
    after = person.asked[person.asked.index("leg_pain") + 1 :]
    assert after[-1] == "loss_of_bladder_or_bowel_control" and set(after) <= CAUDA_EQUINA_FLAGS
    assert interview.result.triage == "emergency"
    assert "*** EMERGENCY" in text and bundled.kb.advice["emergency"] in text
    assert text.count("*** EMERGENCY") == 1 and "log-odds" not in text


def test_checklist_yes_is_an_emergency_at_the_first_question(bundled: ddx.Engine) -> None:
    index = load_settings(bundled.kb).screen_signs.index("slurred_speech") + 1
    interview, _, person = _session(bundled, {SCREEN_ID: str(index)}, age="70")
    assert person.asked == [SCREEN_ID]
    assert interview.stop().code == "emergency" and interview.result.triage == "emergency"
    assert interview.answers["slurred_speech"] is True and interview.answers["chest_pain"] is False


def test_clear_benign_path_stops_when_confident(bundled: ddx.Engine) -> None:
    # the leg that "fell asleep": one leg, noticed on waking after lying still, gone on moving; no to the rest
    answers = {SCREEN_ID: "n", "after_sitting_or_lying_still": True, "resolves_on_moving": True, "one_leg_only": True}
    answers |= {"on_waking_from_sleep": True}
    answers |= {i: False for i in bundled.kb.evidence_ids if i not in answers}
    interview, text, _ = _session(bundled, answers, age="30", sex="female")
    stop = interview.stop()
    assert stop.code in ("confident", "settled"), stop
    assert interview.result.top.id == "positional_compression"
    assert interview.result.triage == "self_care"
    assert len(interview.asked) < load_settings(bundled.kb).max_questions
    assert "Stopped: " in text


def test_dont_know_to_everything_runs_to_the_maximum(bundled: ddx.Engine) -> None:
    interview, text, person = _session(bundled, {})
    limit = load_settings(bundled.kb).max_questions
    assert interview.stop().code == "max_questions"
    assert len(person.asked) == limit and person.asked[0] == SCREEN_ID
    assert len(set(person.asked)) == limit  # never the same question twice
    assert interview.result.probabilities == pytest.approx(bundled.diagnose({}).probabilities)
    assert f"asked the maximum of {limit} questions" in text


def test_max_questions_argument(bundled: ddx.Engine) -> None:
    interview, _, person = _session(bundled, {}, max_questions=2)
    assert len(person.asked) == 2 and interview.stop().code == "max_questions"


def test_settled_and_exhausted_stops(tmp_path: Path) -> None:
    settings = tiny_interview()
    settings["stop"]["min_change_probability"] = _number(1.0)  # nothing is likely enough to change the outcome
    engine = _tiny(tmp_path, settings)
    interview = Interview(engine)
    interview.answer_screen([])
    assert interview.stop().code == "settled"
    assert interview.next_question() is None
    everything = Interview(_tiny(tmp_path / "other"), max_questions=100)
    while (question := everything.next_question()) is not None:
        if question.options:
            everything.answer_screen(None)
        else:
            everything.answer(question.id, None)
    assert everything.stop().code == "exhausted"


def test_a_yes_answers_the_exclusive_and_exhaustive_partners(bundled: ddx.Engine) -> None:
    interview = Interview(bundled)
    interview.answer("one_leg_only", True)
    assert interview.answers["both_legs"] is False
    other = Interview(bundled)
    other.answer("one_leg_only", False)
    assert other.answers["both_legs"] is True  # model/model.yaml: exclusive, exhaustive
    assert other.asked == ["one_leg_only"]


def test_end_of_input_and_ctrl_c_end_cleanly(bundled: ddx.Engine) -> None:
    out = io.StringIO()
    interview = run_interview(bundled, io.StringIO("52\n"), out)
    assert interview.stop().code == "ended" and "input ended" in out.getvalue()
    assert "The most likely causes, from your answers" in out.getvalue()

    class Interrupt(io.StringIO):
        def readline(self, *args: Any) -> str:
            raise KeyboardInterrupt

    out = io.StringIO()
    interview = run_interview(bundled, Interrupt(), out)
    assert interview.stop().code == "ended" and "interrupted" in out.getvalue()


def test_bad_answers_are_asked_again(bundled: ddx.Engine) -> None:
    out = io.StringIO()
    answers = io.StringIO("old\n200\n40\nx\nm\nmaybe\n99\nn\nwhat\nn\n")
    interview = run_interview(bundled, answers, out, max_questions=2, intake=())
    text = out.getvalue()
    assert "please give a number of years" in text and "please answer male or female" in text
    assert "please give numbers from 1 to" in text and "please answer y (yes), n (no) or d" in text
    assert interview.age == 40 and interview.sex == "male" and len(interview.asked) == 2


def test_cli_interview_with_piped_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n\n" + "\n" * 40))
    assert ddx.cli.main(["interview", "--max-questions", "3"]) == 0
    text = capsys.readouterr().out
    assert text.count("\nQ") == 3 and "asked the maximum of 3 questions" in text
    assert ddx.DISCLAIMER in text
    monkeypatch.setattr(sys, "stdin", io.StringIO("60\nfemale\n1\n"))
    assert ddx.cli.main(["interview"]) == 0
    assert "*** EMERGENCY" in capsys.readouterr().out
    assert ddx.cli.main(["interview", "--max-questions", "0"]) == 2


def test_checklist_answers(bundled: ddx.Engine) -> None:
    interview = Interview(bundled)
    with pytest.raises(DdxError, match="say which items are present"):
        interview.answer(SCREEN_ID, True)
    with pytest.raises(DdxError, match="not an item of the checklist 'emergency_screen': leg_pain"):
        interview.answer_screen(["leg_pain"])
    interview.answer(SCREEN_ID, False)
    assert all(interview.answers[s] is False for s in load_settings(bundled.kb).screen_signs)
    assert not interview.screen_pending


# --------------------------------------------------------------------------- intake checklists


def test_intake_checklists_follow_the_screen_in_order(bundled: ddx.Engine) -> None:
    interview = Interview(bundled, 45, "male")
    assert interview.pending_question().id == SCREEN_ID
    interview.answer_screen([])
    for cid in load_settings(bundled.kb).intake_ask:
        question = interview.pending_question()
        assert question.id == cid and question.options == load_settings(bundled.kb).intake[cid].items
        assert not question.safety
        interview.answer_checklist(cid, [])
    assert not interview.pending_question().options  # then one question at a time


def test_safety_questions_come_before_the_intake(bundled: ddx.Engine) -> None:
    interview = Interview(bundled, 45, "male")
    interview.answer_screen(None)  # don't know: the signs stay open
    for node_id in ("radiates_from_lower_back_down_leg", "back_pain", "leg_pain"):
        interview.answer(node_id, True)
    assert interview.result.top.id == "sciatica" and interview.ranking.pending_safety
    question = interview.pending_question()
    assert question.safety and question.id in CAUDA_EQUINA_FLAGS


def test_ticking_answers_the_rest_no_and_dont_know_leaves_them_to_ask(bundled: ddx.Engine) -> None:
    items = load_settings(bundled.kb).intake["history"].items
    interview = Interview(bundled)
    interview.answer_checklist("history", ["diabetes"])
    assert interview.answers["diabetes"] is True
    assert all(interview.answers[i] is False for i in items if i != "diabetes")
    assert interview.ticked["history"] == ("diabetes",)
    other = Interview(bundled)
    other.answer_checklist("history", None)
    assert not set(items) & set(other.answers) and other.ticked["history"] is None
    assert set(items) <= {q.id for q in other.ranking.questions}  # each may still be asked on its own
    assert other.asked == ["history"]


def test_a_checklist_lists_only_unanswered_items_and_is_skipped_once_all_are(bundled: ddx.Engine) -> None:
    interview = Interview(bundled)
    interview.answer_screen([])
    interview.answer("foot_or_heel_numbness", True)
    where = interview.pending_question()
    assert where.id == "where" and "foot_or_heel_numbness" not in where.options
    for item in where.options:
        interview.answer(item, False)
    assert interview.pending_question().id == "history"  # nothing left to ask in "where"


def test_intake_answers_and_unknown_checklists(bundled: ddx.Engine) -> None:
    interview = Interview(bundled)
    with pytest.raises(DdxError, match=r"use answer_checklist\('history'"):
        interview.answer("history", True)
    interview.answer("history", False)
    assert interview.answers["diabetes"] is False and interview.ticked["history"] == ()
    with pytest.raises(DdxError, match="not an item of the checklist 'where': diabetes"):
        interview.answer_checklist("where", ["diabetes"])
    with pytest.raises(DdxError, match="unknown intake checklist 'histroy' \\(did you mean 'history'"):
        Interview(bundled, intake=["histroy"])
    with pytest.raises(DdxError, match="unknown checklist 'wher' \\(did you mean 'where'"):
        interview.answer_checklist("wher", [])


def test_intake_none_asks_one_question_at_a_time(bundled: ddx.Engine) -> None:
    interview = Interview(bundled, intake=parse_intake("none"))
    interview.answer_screen([])
    assert not interview.pending_question().options
    assert parse_intake(" where, history ,") == ("where", "history")


def test_scripted_session_ticks_the_intake(bundled: ddx.Engine) -> None:
    answers = {SCREEN_ID: "n", "diabetes": True, "outer_thigh_numbness": False, "leg_pain": False}
    interview, text, person = _session(bundled, answers, age="61", sex="female", max_questions=4)
    assert person.asked == [SCREEN_ID, "where", "history", "other_symptoms"]
    assert "Do any of these apply to you now or recently?" in text and "Diabetes" in text
    assert interview.answers["diabetes"] is True and interview.answers["recent_seafood_meal"] is False
    assert "outer_thigh_numbness" not in interview.answers  # "where" was answered don't know


def test_cli_refuses_an_unknown_intake_checklist(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert ddx.cli.main(["interview", "--intake", "where,histroy"]) == 2
    assert "did you mean 'history'" in capsys.readouterr().err


# --------------------------------------------------------------------------- settings


# --------------------------------------------------------------------------- simulation script


def _simulation_module():
    spec = importlib.util.spec_from_file_location("simulate_interview", REPO / "scripts/simulate_interview.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["simulate_interview"] = module
    spec.loader.exec_module(module)
    return module


SMALL_CSV = """\
case_id,after_sitting_or_lying_still,resolves_on_moving,radiates_from_lower_back_down_leg,back_pain,leg_pain,\
slurred_speech,sudden_severe_onset,age,sex,gold_cause,gold_triage
pos,yes,yes,,,no,,,30,female,positional_compression,self_care
sci,,no,yes,yes,yes,,,45,male,herniated_disc,routine
str,,,,,,yes,yes,72,male,stroke,emergency
"""


def test_simulation_runs_on_a_small_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim = _simulation_module()
    source = tmp_path / "small.csv"
    source.write_text(SMALL_CSV)
    figures, cases = tmp_path / "figures.json", tmp_path / "cases.csv"
    assert sim.main([str(source), "--json", str(figures), "--cases", str(cases), "--quiet"]) == 0
    text = capsys.readouterr().out
    for row in ("all evidence", "after 3 questions", "after 12 questions", "at the interview's stop"):
        assert row in text
    summary = json.loads(figures.read_text())
    assert summary["n"] == 3
    assert summary["blank_answered"] == "no" and "blanks answered: no (the contract)" in text
    assert summary["emergency_sign_cases"] == 1 and summary["emergency_sign_cases_caught_within_3"] == 1
    assert summary["gold_emergency_triaged_emergency_at_stop"] == 1
    assert summary["accuracy"]["all evidence"]["top1"] == pytest.approx(1.0)
    assert summary["stops"]["emergency"] == 1
    assert cases.read_text().splitlines()[0].startswith("case_id,gold_cause,gold_triage,n_questions,stop")


def test_simulation_asks_the_intake_unless_told_not_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim = _simulation_module()
    source, cases = tmp_path / "small.csv", tmp_path / "cases.csv"
    source.write_text(SMALL_CSV)
    assert sim.main([str(source), "--cases", str(cases), "--quiet", "--blank", "dont_know"]) == 0
    rows = {row["case_id"]: row for row in csv.DictReader(cases.open())}
    # the positional person ticks nothing under "where" but says no to none of it: don't know
    assert rows["pos"]["asked"].startswith("emergency_screen=dk;where=dk;history=dk;other_symptoms=dk;")
    assert sim.main([str(source), "--cases", str(cases), "--quiet"]) == 0  # the contract: blank is no
    rows = {row["case_id"]: row for row in csv.DictReader(cases.open())}
    assert rows["pos"]["asked"].startswith("emergency_screen=none;where=none;")
    assert sim.main([str(source), "--cases", str(cases), "--quiet", "--intake", "none"]) == 0
    rows = {row["case_id"]: row for row in csv.DictReader(cases.open())}
    assert "where=" not in rows["pos"]["asked"] and "history=" not in rows["sci"]["asked"]
    assert sim.main([str(source), "--quiet", "--intake", "wher"]) == 2
    assert "did you mean 'where'" in capsys.readouterr().err


def test_simulation_refuses_an_unknown_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim = _simulation_module()
    source = tmp_path / "bad.csv"
    source.write_text("case_id,leg_painn,gold_cause\nx,yes,sciatica\n")
    assert sim.main([str(source), "--quiet"]) == 2
    assert "unknown column 'leg_painn' (did you mean 'leg_pain'?)" in capsys.readouterr().err
    source.write_text("case_id,leg_pain,gold_cause\nx,maybe,sciatic\n")
    assert sim.main([str(source), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "'leg_pain' must be yes/no or blank; got 'maybe'" in err and "did you mean 'sciatica'" in err


# --------------------------------------------------------------------------- odd input, and the emergency first


def test_unicode_digits_in_a_checklist_answer_are_asked_again(tiny: ddx.Engine) -> None:
    """'²', '①', '¹' pass str.isdigit() but int() refuses them; '٣' is a digit int() reads: all are asked again."""
    out = io.StringIO()
    interview = run_interview(tiny, io.StringIO("45\nfemale\n1 ²\n①\n¹\n٣\n0001\n"), out)
    text = out.getvalue()
    assert text.count("please give numbers from 1 to 1, n or d") == 4
    assert interview.answers["red_flag"] is True and interview.stop().code == "emergency"


def test_the_emergency_advice_is_written_before_anything_else_can_fail(
    tiny: ddx.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ddx.interview.session as session

    scored = session.rank

    def rank_that_fails_on_a_yes(engine: ddx.Engine, evidence: Any, *args: Any, **kwargs: Any) -> Any:
        if any(evidence.answers.values()):
            raise DdxError("scoring failed")
        return scored(engine, evidence, *args, **kwargs)

    monkeypatch.setattr(session, "rank", rank_that_fails_on_a_yes)
    out = io.StringIO()
    with pytest.raises(DdxError, match="scoring failed"):
        run_interview(tiny, io.StringIO("45\nfemale\n1\n"), out)
    assert "*** EMERGENCY: Call now.\n*** Call emergency services." in out.getvalue()


@pytest.mark.parametrize("answer", ["1 ²".encode(), b"\xff\xfe", "①".encode()])
def test_piped_odd_input_never_ends_the_interview_with_a_traceback(bundled: ddx.Engine, answer: bytes) -> None:
    import subprocess

    signs = load_settings(bundled.kb).screen_signs
    chest_pain = str(signs.index("chest_pain") + 1).encode()  # then chest pain on the emergency checklist
    piped = b"45\nfemale\n" + answer + b"\n" + chest_pain + b"\n"
    done = subprocess.run([sys.executable, "-m", "ddx", "interview"], input=piped, capture_output=True, cwd=REPO)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err, err
    assert f"please give numbers from 1 to {len(signs)}, n or d" in out
    assert "*** EMERGENCY: " in out
