"""File-wide answer patterns (``ddx.batch.patterns``): each pattern scored once per file, in bounded memory."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

import ddx
from ddx.batch import score_file, score_frame
from ddx.batch.cases import start_cases
from ddx.batch.patterns import PatternCache, pattern_key
from ddx.batch.read import Case

PATTERNS = [
    {"f1": "yes", "f2": "no"},
    {"f1": "no", "f3": "yes"},
    {"f2": "yes", "f3": "yes", "rf1": "yes"},
    {"f4": "yes"},
    {},
]


def _frame(n: int, seed: int = 3) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        answers = dict(rng.choice(PATTERNS))
        rows.append({"case_id": f"c{i}", "age": rng.choice(["", "40", "70"]), "sex": rng.choice(["", "female"])})
        rows[-1].update(answers)
    rows[3]["f1"] = "maybe"  # a bad row keeps its own message among the repeats
    columns = ["case_id", "age", "sex", "f1", "f2", "f3", "f4", "rf1"]
    return pd.DataFrame(rows, columns=columns).fillna("")


def _counting(engine: ddx.Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    scored: list[int] = []
    real = engine.evaluate

    def spy(evidences, *args, **kwargs):  # type: ignore[no-untyped-def]
        scored.append(len(evidences))
        return real(evidences, *args, **kwargs)

    monkeypatch.setattr(engine, "evaluate", spy)
    return scored


def test_the_cache_keeps_the_most_recently_used_patterns_within_its_limit(tiny_engine) -> None:
    cache = PatternCache(limit=2)
    keys = [pattern_key(tiny_engine.normalise({f: True})) for f in ("f1", "f2", "f3")]
    results = [tiny_engine.diagnose({f: True}) for f in ("f1", "f2", "f3")]
    cache.put(keys[0], results[0])
    cache.put(keys[1], results[1])
    assert cache.get(keys[0]) is results[0]  # f1 is now the most recent
    cache.put(keys[2], results[2])  # drops f2, the least recently used
    assert len(cache) == 2
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) is results[0] and cache.get(keys[2]) is results[2]
    assert (cache.hits, cache.misses) == (3, 3)


def test_a_cache_of_no_patterns_keeps_nothing_and_a_negative_limit_is_refused(tiny_engine) -> None:
    cache = PatternCache(limit=0)
    key = pattern_key(tiny_engine.normalise({"f1": True}))
    cache.put(key, tiny_engine.diagnose({"f1": True}))
    assert len(cache) == 0 and cache.get(key) is None
    with pytest.raises(ValueError, match="limit=-1"):
        PatternCache(limit=-1)


def test_a_pattern_is_the_answers_after_what_they_imply(tiny_engine) -> None:
    """f1 and f4 exclude each other: a yes to f1 is the same case as f1 yes, f4 no."""
    assert pattern_key(tiny_engine.normalise({"f1": True})) == pattern_key(
        tiny_engine.normalise({"f1": True, "f4": False})
    )
    assert pattern_key(tiny_engine.normalise({"f1": True}, age=40)) != pattern_key(tiny_engine.normalise({"f1": True}))


def test_a_pattern_met_in_an_earlier_call_is_not_scored_again(tiny_engine, monkeypatch) -> None:
    scored = _counting(tiny_engine, monkeypatch)
    cache = PatternCache()
    cases = [Case({"f1": True}, None, None), Case({"f2": True}, 40.0, "female"), Case({"f1": True}, None, None)]
    first = start_cases(tiny_engine, cases, cache=cache).result()
    assert scored == [2] and first[0] is first[2]
    second = start_cases(tiny_engine, cases[::-1], cache=cache).result()
    assert scored == [2]  # every pattern came from the cache: nothing scored
    assert second == first[::-1]
    assert (cache.hits, cache.misses) == (3, 2)


def test_score_file_scores_each_pattern_once_and_writes_what_row_by_row_scoring_writes(
    tiny_engine, tmp_path: Path, monkeypatch
) -> None:
    frame = _frame(300)
    source, out = tmp_path / "cohort.csv", tmp_path / "scored.csv"
    frame.to_csv(source, index=False)
    expected = pd.concat([score_frame(tiny_engine, frame.iloc[[i]]) for i in range(len(frame))])
    scored = _counting(tiny_engine, monkeypatch)
    assert score_file(source, out, tiny_engine, chunk_size=40, quiet=True) == 0
    distinct = {
        (tuple(sorted((k, v) for k, v in row.items() if k in ("f1", "f2", "f3", "f4", "rf1") and v)), row.age, row.sex)
        for _, row in frame.drop(index=3).iterrows()
    }
    assert sum(scored) <= len(distinct) < 40  # far fewer than the 300 rows, each scored at most once
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.case_id) == list(frame.case_id)
    assert (written.status == "ok").sum() == 299 and written.status[3] == "error" and "maybe" in written.error[3]
    want = expected.reset_index(drop=True)
    for column in ("status", "triage", "rules_fired", "top1", "top2", "top3"):
        assert list(written[column]) == [str(v) if pd.notna(v) else "" for v in want[column]], column
    for cause in tiny_engine.kb.causes:
        got = pd.to_numeric(written[f"p_{cause}"], errors="coerce")
        assert ((got - want[f"p_{cause}"].astype(float)).abs().fillna(0) < 1e-9).all()  # batch rounding only


def test_a_frame_reads_each_pattern_of_cells_once_and_gives_every_row_its_own_errors(tiny_engine) -> None:
    """Rows with the same answer, age and sex cells share one reading; a row's id and gold cells stay its own."""
    rows = [
        {"case_id": "a", "f1": "yes", "rf1": "yes", "gold_cause": "cause_a"},
        {"case_id": "", "f1": "yes", "rf1": "yes", "gold_cause": "cause_a"},  # same pattern, no id
        {"case_id": "c", "f1": "yes", "rf1": "yes", "gold_cause": "nonsense"},  # same pattern, bad gold
        {"case_id": "d", "f1": "maybe", "rf1": "yes", "gold_cause": "cause_z"},
        {"case_id": "e", "f1": "maybe", "rf1": "yes", "gold_cause": ""},  # the same bad cell as d
    ]
    frame = pd.DataFrame(rows)
    out = score_frame(tiny_engine, frame)
    one_by_one = pd.concat([score_frame(tiny_engine, frame.iloc[[i]]) for i in range(len(frame))])
    pd.testing.assert_frame_equal(out, one_by_one)
    assert list(out.status) == ["ok", "error", "error", "error", "error"]
    assert out.error[1].startswith("column 'case_id': blank") and "nonsense" in out.error[2]
    assert "maybe" in out.error[3] and "cause_z" in out.error[3] and out.error[4].count("maybe") == 1
    assert out.gold_rank[0] >= 1 and pd.isna(out.gold_rank[2])


def test_the_progress_counts_rows_not_patterns(tiny_engine) -> None:
    frame = _frame(120)
    seen: list[int] = []
    score_frame(tiny_engine, frame, on_row=seen.append)
    assert sum(seen) == len(frame)


def test_a_pattern_on_its_way_is_taken_by_the_next_call_and_scored_once(tiny_engine, monkeypatch) -> None:
    """A call started before the last is finished (``--jobs``) finds the last one's new patterns in the cache."""
    scored = _counting(tiny_engine, monkeypatch)
    cache = PatternCache()
    first = start_cases(tiny_engine, [Case({"f1": True}, None, None)], cache=cache)
    second = start_cases(tiny_engine, [Case({"f1": True}, None, None), Case({"f2": True}, None, None)], cache=cache)
    assert scored == []  # nothing scored in this process until the rows are asked for
    (row,) = first.result()
    again, other = second.result()
    assert again is row and other is not row
    assert scored == [1, 1]  # f1 once, f2 once
