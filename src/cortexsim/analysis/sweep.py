"""Comparison of runs of one model on different fabrics (a sweep over profiles and accelerations).

Reads each run's ``analysis/stats.json`` and ``run_stats.json``; writes a figure of rate, CV and
synchrony per population against the interconnect latency, a CSV/Markdown table with the differences
from the baseline (the ``ideal`` run), and a small HTML page.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AnalysisInputError

METRICS = (("rate_hz", "rate (Hz)"), ("cv_isi", "CV of ISI"), ("synchrony", "synchrony (Var/Mean)"))


def _load(run_dir: Path) -> dict[str, Any]:
    stats_path, run_path = run_dir / "analysis" / "stats.json", run_dir / "run_stats.json"
    try:
        stats = json.loads(stats_path.read_text())
        run = json.loads(run_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise AnalysisInputError(f"{run_dir}: cannot read analysis/stats.json and run_stats.json ({exc})") from None
    traffic = run.get("traffic") or {}
    profile = traffic.get("profile") or {"name": "none", "acceleration": None}
    return {"name": run_dir.name, "profile": profile["name"], "acceleration": profile.get("acceleration"),
            "mean_latency_ms": (traffic.get("mean_latency_ns", 0.0) * 1e-6 * (profile.get("acceleration") or 1.0)),
            "verdict": traffic.get("verdict", ""), "max_utilisation": traffic.get("max_link_utilisation"),
            "drops": traffic.get("drops", 0), "exchange_steps": run.get("exchange_steps"),
            "simulation_loop_s": run.get("wall_time_s", {}).get("simulation_loop"),
            "populations": {k: {m: v.get(m) for m, _ in METRICS} for k, v in stats["populations"].items()}}


def compare_runs(run_dirs: list[Path], out_dir: Path, baseline: str = "ideal") -> dict[str, Any]:
    """Write comparison.png, comparison.csv, comparison.md and comparison.html into ``out_dir``."""
    runs = sorted((_load(Path(d)) for d in run_dirs), key=lambda r: (r["profile"] != baseline, r["mean_latency_ms"]))
    if not runs:
        raise AnalysisInputError("no runs to compare")
    base = next((r for r in runs if r["profile"] == baseline), runs[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for r in runs:
        for pop, values in r["populations"].items():
            row = {"run": r["name"], "profile": r["profile"], "acceleration": r["acceleration"],
                   "mean_latency_ms": round(r["mean_latency_ms"], 4), "population": pop}
            for m, _ in METRICS:
                ours, ref = values.get(m), base["populations"].get(pop, {}).get(m)
                row[m] = ours
                row[f"{m}_vs_{baseline}"] = None if ours is None or not ref else round((ours - ref) / ref, 4)
            row["max_link_utilisation"] = r["max_utilisation"]
            row["drops"] = r["drops"]
            rows.append(row)
    with open(out_dir / "comparison.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _figure(runs, out_dir / "comparison.png")
    lines = [f"# Sweep: {len(runs)} runs, baseline '{base['name']}'", "",
             "| run | profile | acceleration | mean latency (ms) | exchange steps | loop (s) | verdict |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in runs:
        lines.append(f"| {r['name']} | {r['profile']} | {r['acceleration']} | {r['mean_latency_ms']:.3f} | "
                     f"{r['exchange_steps']} | {r['simulation_loop_s'] or 0:.1f} | {r['verdict']} |")
    lines += ["", "Per population (relative change from the baseline):", "",
              "| run | population | rate (Hz) | Δrate | CV | ΔCV | synchrony | Δsynchrony |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    fmt = lambda v: "" if v is None else f"{v:.3g}"  # noqa: E731
    for row in rows:
        lines.append(f"| {row['run']} | {row['population']} | {fmt(row['rate_hz'])} | {fmt(row[f'rate_hz_vs_{baseline}'])} | "
                     f"{fmt(row['cv_isi'])} | {fmt(row[f'cv_isi_vs_{baseline}'])} | {fmt(row['synchrony'])} | "
                     f"{fmt(row[f'synchrony_vs_{baseline}'])} |")
    (out_dir / "comparison.md").write_text("\n".join(lines) + "\n")
    body = "<br>".join(html.escape(line) for line in lines[:4 + len(runs)])
    (out_dir / "comparison.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>cortexsim sweep</title></head><body>"
        f"<h1>Rates, irregularity and synchrony versus interconnect latency</h1><img src='comparison.png'>"
        f"<p>{body}</p><p>Full table: <a href='comparison.csv'>comparison.csv</a>, "
        f"<a href='comparison.md'>comparison.md</a></p></body></html>\n")
    return {"runs": runs, "rows": rows}


def _figure(runs: list[dict[str, Any]], path: Path) -> None:
    from matplotlib.figure import Figure

    pops = list(runs[0]["populations"])
    fig = Figure(figsize=(4.2 * len(METRICS), 3.6))
    x = np.array([r["mean_latency_ms"] for r in runs])
    for i, (metric, label) in enumerate(METRICS):
        ax = fig.add_subplot(1, len(METRICS), i + 1)
        for pop in pops:
            y = [r["populations"].get(pop, {}).get(metric) for r in runs]
            y = np.array([np.nan if v is None else v for v in y], dtype=float)
            ax.plot(x, y, marker="o", label=pop)
        ax.set_xlabel("mean interconnect latency (ms, biological)")
        ax.set_ylabel(label)
        if np.all(x > 0):
            ax.set_xscale("log")
        elif np.any(x > 0):
            ax.set_xscale("symlog", linthresh=max(1e-3, float(np.min(x[x > 0]))))
    fig.axes[0].legend(fontsize=7, ncol=2)
    labels = ", ".join(f"{r['name']}" for r in runs)
    fig.suptitle(f"Runs: {labels}", fontsize=8)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
