"""The targets met or missed, the printed table, and the JSON file."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .methods import TOLERANCE


def _targets(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The targets of issues 8, 9, 10 and 18, with the figure measured and met (True, False, None: not measured)."""
    rows = {r["key"]: r for r in res["methods"]}
    out = []

    def add(target: str, measured: str, met: bool | None) -> None:
        out.append({"target": target, "measured": measured, "met": met})

    single = rows["ddx_single"]["speedup"]
    raw = rows["ddx_infer_single"]["speedup"]
    add(
        "single case >= 50x pgmpy VE best",
        f"diagnose {single['pgmpy_best']:.1f}x, ddx.infer {raw['pgmpy_best']:.1f}x",
        single["pgmpy_best"] >= 50,
    )
    if "pyagrum" in single:
        add(
            "single case faster than pyAgrum LazyPropagation",
            f"diagnose {single['pyagrum']:.2f}x, ddx.infer {raw['pyagrum']:.2f}x",
            single["pyagrum"] > 1,
        )
    tp = res["batch_throughput"]
    add(
        "batch >= 50,000 cases/s, 1-8 positive, one core",
        f"ddx.infer {tp['infer_cases_per_second']:,.0f}/s, diagnose_many {tp['diagnose_many_cases_per_second']:,.0f}/s",
        tp["infer_cases_per_second"] >= 50_000,
    )
    if "intervals" in res:
        draws = res["intervals"]
        slow = [r for r in draws if r["seconds"] >= 1.0]
        add(
            "1,000 draws for one case < 1 s (issue 10)",
            ", ".join(f"{r['case']}: {r['seconds']:.2f} s" for r in draws),
            not slow,
        )
    if "ranking" in res:
        rk = res["ranking"]
        add(
            "ranking every unasked question < 50 ms (issue 9)",
            f"median {rk['median_ms']:.1f} ms, 95th percentile {rk['p95_ms']:.1f} ms, max {rk['max_ms']:.1f} ms",
            rk["max_ms"] < 50,
        )
    diffs = [rows[k]["max_abs_diff"] for k in ("ddx_single", "ddx_batch") if rows[k]["max_abs_diff"] is not None]
    levels = res.get("scaling_positives", [])
    diffs += [r["max_abs_diff"] for r in levels if "max_abs_diff" in r]
    for r in res.get("scaling_size", []):
        diffs += [r[k] for k in ("max_abs_diff", "max_abs_diff_pyagrum") if r[k] is not None]
    add("every posterior within 1e-9 of pgmpy", f"max {max(diffs):.1e}", max(diffs) <= TOLERANCE)
    if levels:
        failed = [r["positives"] for r in levels if "error" in r]
        worst = max((r["ddx_ms"] for r in levels if "ddx_ms" in r), default=math.nan)
        add(
            "no cliff: 1-20 positive exact within 1e-9, bounded cost",
            f"failed at {failed[0]}+ positive ({levels[failed[0] - levels[0]['positives']]['error']})"
            if failed
            else f"all levels ok, worst {worst:.0f} ms/case",
            not failed and all(r["max_abs_diff"] <= TOLERANCE for r in levels),
        )
    if "startup" in res:
        st = res["startup"]
        a, b = st["import_diagnose"]["median_s"], st["score_one_row"]["median_s"]
        add("cold start < 1 s", f"import+diagnose {a:.2f} s, ddx score 1 row {b:.2f} s", a < 1 and b < 1)
    if "memory" in res:
        mem = res["memory"]
        peak = mem["peak_rss_mib"]
        measured = f"{mem['rows_scored']:,} rows, peak {peak or 0:.0f} MiB" + (
            " (timed out)" if mem["timed_out"] else ""
        )
        full = mem["completed"] and mem["rows"] >= 1_000_000
        add("1,000,000-row CSV under 1 GiB", measured, (peak is not None and peak < 1024) if full else None)
    out += _cohort_targets(res, rows)
    return out


def _cohort_targets(res: Mapping[str, Any], rows: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The cohort-speed targets (issue 18): ddx score end to end, diagnose_many, one diagnose, cold start."""
    out: list[dict[str, Any]] = []

    def add(target: str, measured: str, met: bool | None) -> None:
        out.append({"target": target, "measured": measured, "met": met})

    cohort = res.get("cohort")
    if cohort:
        n = cohort["rows"]
        for kind, goal in (("repeats", 40_000), ("distinct", 5_000)):
            one = next(r for r in cohort[kind] if r["jobs"] == 1)
            two = next((r for r in cohort[kind] if r["jobs"] == 2), None)
            extra = f", --jobs 2 {two['rows_per_second']:,.0f}/s" if two else ""
            add(
                f"ddx score, one core, {kind} rows >= {goal:,} rows/s",
                f"{one['rows_per_second']:,.0f} rows/s on {n:,} rows{extra}",
                one["rows_per_second"] >= goal,
            )
    tp = res["batch_throughput"]
    wide = tp["diagnose_many_1_10_cases_per_second"]
    add(
        "diagnose_many on distinct cases (1-10 positive) >= 5,000 cases/s, one core",
        f"{wide:,.0f} cases/s ({tp['positives']} positive: {tp['diagnose_many_cases_per_second']:,.0f})",
        wide >= 5_000,
    )
    single = rows["ddx_single"]
    versus = single["speedup"].get("pyagrum")
    add(
        "one diagnose <= 0.5 ms and >= 30x pyAgrum LazyPropagation",
        f"{single['ms_per_case']:.2f} ms mean per case" + (f", {versus:.1f}x pyAgrum" if versus else ""),
        single["ms_per_case"] <= 0.5 and (versus is None or versus >= 30),
    )
    if "startup" in res:
        a = res["startup"]["import_diagnose"]["median_s"]
        add("cold start of import ddx; ddx.load().diagnose({}) < 0.5 s", f"{a:.2f} s", a < 0.5)
    add(
        "10,000,000 rows through the Dask path, bounded memory",
        "not run here: scripts/scale_dask.py (docs/scale.md)",
        None,
    )
    return out


# --------------------------------------------------------------------------- the table


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)


def format_table(results: Mapping[str, Any]) -> str:
    """The benchmark as plain-text tables."""
    m = results["machine"]
    model = results["model"]
    s = results["settings"]
    lines = [
        f"ddx {m['ddx']} benchmark: {m['cpu']}, {m['cpus_usable']} cpus, Python {m['python']}, numpy {m['numpy']}, "
        f"pgmpy {m['pgmpy']}, pyAgrum {m['pyagrum']}, kernel {m.get('kernel', 'numpy')}",
        f"model {model['kb_version']}: {model['causes']} causes, {model['findings']} findings, "
        f"{model['risk_factors']} risk factors; {s['cases']} cases ({s['items']} items, {s['positives']} positive), "
        f"median of {s['repeats']} interleaved repeats",
        "",
    ]
    head = f"{'method':<44}{'ms/case':>10}{'cases/s':>11}{'x doc':>9}{'x best':>9}{'x pyAgrum':>10}{'max |diff|':>12}"
    lines += [head, "-" * len(head)]
    for r in results["methods"]:
        sp = r["speedup"]
        lines.append(
            f"{r['method']:<44}{r['ms_per_case']:>10.3f}{_num(r['cases_per_second'], ',.0f'):>11}"
            f"{_num(sp.get('pgmpy_doc'), '.1f'):>9}{_num(sp.get('pgmpy_best'), '.1f'):>9}"
            f"{_num(sp.get('pyagrum'), '.2f'):>10}{_num(r['max_abs_diff'], '.1e'):>12}"
        )
    extra = [r for r in results["methods"] if r.get("pgmpy_fallbacks") or r.get("inexact_rows")]
    for r in extra:
        if r.get("pgmpy_fallbacks"):
            lines.append(f"  {r['method']}: {r['pgmpy_fallbacks']} of {s['cases']} cases sent to pgmpy (precision)")
        if r.get("inexact_rows"):
            lines.append(f"  {r['method']}: {r['inexact_rows']} rows flagged inexact (max |diff| over the others)")
    best = results["pgmpy_best"]
    lines.append(
        "pgmpy best configuration: "
        + ", ".join(f"{c['chunk']}/{c['elimination_order']} {c['ms_per_case']:.0f} ms" for c in best["calibration"])
        + f" -> {best['chunk']} causes per query, {best['elimination_order']}"
    )
    tp = results["batch_throughput"]
    lines += [
        "",
        f"batch throughput, cases with 1-8 positive findings: ddx.infer.posteriors_many "
        f"{tp['infer_cases_per_second']:,.0f} cases/s ({tp['cases']:,} cases, {tp['pgmpy_fallbacks']} flagged "
        f"inexact), diagnose_many {tp['diagnose_many_cases_per_second']:,.0f} cases/s ({tp['diagnose_many_cases']:,})",
        f"  one float64 pass without escalation: {tp['float64_only_cases_per_second']:,.0f} cases/s = "
        f"{tp['float64_only_cases_per_second'] * tp['subset_rows_per_case']:,.0f} subset rows/s "
        f"({tp['subset_rows_per_case']:.0f} rows per case on average)",
    ]
    if results.get("intervals"):
        lines += ["", "uncertainty: diagnose(..., intervals=True, samples=1000), one case (median; first run)"]
        lines += [
            f"  {r['case']:<32}{r['seconds']:8.2f} s{r.get('first_s', r['seconds']):8.2f} s"
            for r in results["intervals"]
        ]
    if results.get("ranking"):
        rk = results["ranking"]
        lines += [
            "",
            f"interview: ranking every unasked question, the main table's {rk['cases']} cases (median of runs each)",
            f"  median {rk['median_ms']:.1f} ms, 95th percentile {rk['p95_ms']:.1f} ms, max {rk['max_ms']:.1f} ms; "
            "by positive findings: " + ", ".join(f"{k}: {v:.0f}" for k, v in rk["by_positives"].items()) + " ms",
        ]
    if results.get("scaling_positives"):
        head = (
            f"{'positive':>8}{'cases':>7}{'ddx ms':>10}{'Quickscore ms':>15}{'float64 ms':>12}{'to pgmpy':>10}"
            f"{'pgmpy ms':>10}"
            f"{'max |diff|':>12}"
        )
        lines += ["", "scaling with the number of positive findings (pgmpy: best configuration)", head, "-" * len(head)]
        for r in results["scaling_positives"]:
            if "error" in r:
                lines.append(f"{r['positives']:>8}{r['cases']:>7}  {r['error']}")
                continue
            lines.append(
                f"{r['positives']:>8}{r['cases']:>7}{r['ddx_ms']:>10.2f}{r['quickscore_ms']:>15.2f}"
                f"{r['float64_pass_ms']:>12.2f}"
                f"{r['pgmpy_fallbacks']:>10}{r['pgmpy_best_ms']:>10.1f}{r['max_abs_diff']:>12.1e}"
            )
    if results.get("scaling_size"):
        head = (
            f"{'size':>5}{'causes':>8}{'findings':>10}{'ddx.infer ms':>14}{'batch ms':>10}{'pyAgrum ms':>12}"
            f"{'pgmpy ms':>10}{'|diff| pyAgrum':>16}{'|diff| pgmpy':>14}{'inexact':>9}"
        )
        lines += ["", "scaling with the size of the model (synthetic copies of the bundled model; ddx.infer)", head]
        lines.append("-" * len(head))
        for r in results["scaling_size"]:
            pgmpy = f"{r['pgmpy_best_ms']:.0f} ({r['pgmpy_cases']})" if r["pgmpy_best_ms"] is not None else "too slow"
            lines.append(
                f"{'x' + str(r['size']):>5}{r['causes']:>8}{r['findings']:>10}{r['ddx_infer_single_ms']:>14.2f}"
                f"{r['ddx_infer_batch_ms']:>10.3f}{_num(r['pyagrum_ms'], '.2f'):>12}{pgmpy:>10}"
                f"{_num(r['max_abs_diff_pyagrum'], '.1e'):>16}{_num(r['max_abs_diff'], '.1e'):>14}"
                f"{r['inexact_rows']:>9}"
            )
        lines.append(
            "  pgmpy ms: best configuration, on the number of cases in brackets; not run where its cost, "
            "extrapolated from the smaller models, passes 20 s a case"
        )
    if "startup" in results:
        st = results["startup"]
        lines += ["", "cold start (fresh interpreter, median of 3):"]
        lines.append(f"  python -c pass                   {st['python']['median_s']:.3f} s")
        ph = st["import_diagnose"].get("phases_s")
        for key, label in (
            ("import_diagnose", "import ddx; load().diagnose(...)"),
            ("score_one_row", "ddx score, 1 row"),
        ):
            heavy = ", ".join(st[key]["heavy_imports"]) or "none"
            lines.append(f"  {label:<32} {st[key]['median_s']:.3f} s  (heavy imports: {heavy})")
            if ph and key == "import_diagnose":
                lines.append(
                    f"    of which import ddx {ph['import']:.3f} s, load() {ph['load']:.3f} s, "
                    f"first diagnose {ph['diagnose']:.3f} s"
                )
    if "memory" in results:
        mem = results["memory"]
        state = "timed out" if mem["timed_out"] else ("done" if mem["completed"] else f"exit {mem['exit_code']}")
        lines += [
            "",
            f"memory: ddx score on {mem['rows']:,} rows: {mem['rows_scored']:,} scored in {mem['seconds']:.0f} s "
            f"({state}, {_num(mem['rows_per_second'], ',.0f')} rows/s), "
            f"peak RSS {_num(mem['peak_rss_mib'], '.0f')} MiB",
        ]
        if not mem["completed"] and mem["projected_seconds"]:
            how = mem.get("projection", "at that rate")
            secs = mem["projected_seconds"]
            span = f"{secs / 3600:.1f} h" if secs >= 3600 else f"{secs / 60:.1f} min"
            lines.append(f"  all {mem['rows']:,} rows would take {span} ({how})")
    if "cohort" in results:
        co = results["cohort"]
        lines += ["", f"cohort: ddx score end to end on {co['rows']:,} rows (start-up, reading and writing included)"]
        low, high = co["positive_findings_in_distinct"]
        lines.append(
            f"  repeats: {co['repeats_from']} resampled ({co['patterns_in_repeats']} rows); "
            f"distinct: realistic cases with {low}-{high} positive findings"
        )
        for kind, label in (("repeats", "repeats"), ("distinct", "distinct")):
            for run in co[kind]:
                lines.append(
                    f"  {label:<24} --jobs {run['jobs']}  {run['rows_per_second']:>9,.0f} rows/s  "
                    f"peak RSS {_num(run['peak_rss_mib'], '.0f')} MiB"
                )
        dask = co.get("dask_distinct")
        if dask and "error" not in dask:
            for workers, fig in dask.items():
                lines.append(
                    f"  distinct on Dask, {workers} worker(s)  {fig['rows_per_second']:>9,.0f} rows/s  "
                    f"({fig['rows_per_second_per_worker']:,.0f} per worker, workers warm)"
                )
    lines += ["", "targets (issues 8, 9, 10 and 18):"]
    for t in results["targets"]:
        mark = {True: "met   ", False: "MISSED", None: "n/a   "}[t["met"]]
        lines.append(f"  [{mark}] {t['target']}: {t['measured']}")
    return "\n".join(lines)


def write_json(results: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the results as indented JSON."""
    target = Path(path)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return target
