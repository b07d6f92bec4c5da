"""``ddx.dask``: a Dask DataFrame scored partition by partition on a local cluster, row for row as ``ddx score``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from ddx.batch import output_meta, score_file  # noqa: E402
from ddx.dask import dataframe_metrics, score_dataframe  # noqa: E402
from ddx.errors import InputFileError  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = REPO_ROOT / "examples" / "outside_vignettes.csv"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as connected:
        yield connected


def test_a_local_cluster_scores_every_row_as_ddx_score_does(client, bundled_engine, tmp_path: Path) -> None:
    frame = pd.read_csv(OUTSIDE, dtype=str, keep_default_na=False)
    frame.loc[5, "back_pain"] = "sometimes"  # a bad row keeps its message
    source, out, metrics = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "m.json"
    frame.to_csv(source, index=False)
    score_file(source, out, bundled_engine, metrics_path=metrics, quiet=True, escape_formulas=False)
    expected = pd.read_csv(out, dtype=str, keep_default_na=False)

    scored = score_dataframe(dd.from_pandas(frame, npartitions=4))
    assert scored.npartitions == 4
    got = scored.compute()
    assert list(got.columns) == list(expected.columns)
    assert list(got.case_id) == list(expected.case_id)
    for column in ("status", "triage", "rules_fired", "top1", "top2", "top3", "gold_rank"):
        assert [("" if pd.isna(v) else str(v)) for v in got[column]] == list(expected[column]), column
    assert "sometimes" in got.error.iloc[5]
    for cause in bundled_engine.kb.causes:
        want = pd.to_numeric(expected[f"p_{cause}"], errors="coerce")
        assert ((got[f"p_{cause}"].reset_index(drop=True) - want).abs().fillna(0) < 1e-9).all()

    import json

    merged = dataframe_metrics(scored)
    whole = json.loads(metrics.read_text())
    for key in ("n", "top1_accuracy", "top3_accuracy", "triage_accuracy", "emergency_sensitivity"):
        assert merged[key] == pytest.approx(whole[key]), key
    assert merged["per_cause"] == whole["per_cause"]


def test_the_schema_is_known_before_any_row(client, bundled_engine) -> None:
    frame = pd.read_csv(OUTSIDE, dtype=str, keep_default_na=False).head(12)
    meta = output_meta(bundled_engine, list(frame.columns))
    scored = score_dataframe(dd.from_pandas(frame, npartitions=3))
    assert list(scored.dtypes.index) == list(meta.columns)
    got = scored.compute()
    assert (got.dtypes.astype(str) == scored.dtypes.astype(str)).all()
    assert str(got["gold_rank"].dtype) == "Int64" and str(got["p_sciatica"].dtype) == "float64"


def test_a_case_id_repeated_across_partitions_is_refused(client) -> None:
    frame = pd.DataFrame({"case_id": ["a", "b", "c", "a"], "back_pain": ["yes", "no", "", "yes"]})
    with pytest.raises(InputFileError, match="case_id must be unique across the frame; repeated: 'a'"):
        score_dataframe(dd.from_pandas(frame, npartitions=2))
