"""Run the reference models for several seeds and compare their rates with the published references.

* Microcircuit (Potjans & Diesmann 2014, ``models/microcircuit.py``) at ``--mc-scale`` (default 0.1)
  on ``--ranks`` MPI ranks (default 2) via ``mpiexec``, ``--t-stop`` ms (default 1000) per seed.
  Per-population mean and SD over seeds next to the rows of ``pd14_rates.csv``.
* Brunel (2000) model A (``models/brunel.py``) at ``--brunel-scale`` (default 0.5), same seeds, next to
  the diffusion-approximation (Siegert) rate computed for the in-degrees actually used and the
  reference rows of ``brunel2000_rates.csv``.

Writes ``bench/results/rates.md`` and ``bench/results/rates.json`` (``--out`` to change the stem).
Rates exclude the first ``--transient`` ms (default 100) of each run.

Usage: ``python bench/validate_rates.py [--seeds 55 56 57] [--ranks 2] [--skip-brunel]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from cortexsim.workflow.launcher import mpi_launcher

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
PD14_POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
REFERENCE_DIRS = [ROOT / "src" / "cortexsim" / "analysis" / "reference"]


def read_reference(name: str) -> list[dict]:
    for directory in REFERENCE_DIRS:
        path = directory / name
        if path.is_file():
            lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
            return [dict(row, _file=str(path)) for row in csv.DictReader(lines)]
    return []


def run_seeds(script: str, scale: float, args: argparse.Namespace, common: list[str]) -> list[dict]:
    """One run of a model per seed of ``args.seeds``, with progress printed."""
    runs = []
    for seed in args.seeds:
        result = run_model(script, ["--scale", repr(scale), "--seed", str(seed)] + common, args.ranks, args.timeout)
        print(f"{script} seed {seed}: " + ", ".join(f"{k} {v:.2f}" for k, v in result["rates"].items())
              + f"  ({result['wall_s']:.0f} s)", flush=True)
        runs.append(result)
    return runs


def run_model(script: str, args: list[str], ranks: int, timeout: float) -> dict:
    """Run one model and return its RESULT_JSON (plus the wall time of the whole process)."""
    command = [sys.executable, str(MODELS / script)] + args
    if ranks > 1:
        command = [mpi_launcher(), "-n", str(ranks)] + command
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT_JSON ")]
    if not lines:
        raise RuntimeError(f"{' '.join(command)}: no RESULT_JSON line in output:\n{proc.stdout[-2000:]}")
    result = json.loads(lines[-1][len("RESULT_JSON "):])
    result["wall_s"] = wall
    result["command"] = " ".join(command)
    return result


def summarise(runs: list[dict], labels: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for label in labels:
        values = np.array([r["rates"][label] for r in runs], dtype=float)
        out[label] = {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                      "values": values.tolist()}
    return out


def fmt(x: float | str | None, digits: int = 2) -> str:
    if x is None or x == "" or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{float(x):.{digits}f}"


def microcircuit_table(summary: dict, references: list[dict], scale: float, n_seeds: int, ranks: int,
                       t_stop: float) -> list[str]:
    lines = [f"## Microcircuit (Potjans & Diesmann 2014), scale {scale:g} (N and K), {ranks} ranks, "
             f"{t_stop:g} ms, {n_seeds} seeds", "",
             "Rates in Hz; 'this (mean ± SD)' over seeds. Reference rows from pd14_rates.csv "
             "(column header: source @ scale).", ""]
    ref_names = [f"{r['source']} @ {r['scale']}" for r in references]
    lines.append("| population | this (mean ± SD) | " + " | ".join(ref_names) + " |")
    lines.append("|---|---|" + "---|" * len(ref_names))
    for label in PD14_POPULATIONS:
        s = summary[label]
        cells = [fmt(r.get(label)) for r in references]
        lines.append(f"| {label} | {s['mean']:.2f} ± {s['sd']:.2f} | " + " | ".join(cells) + " |")
    same_scale = [r for r in references if abs(float(r["scale"]) - scale) < 1e-9]
    if same_scale:
        ref = same_scale[0]
        lines += ["", f"Relative deviation from `{ref['source']}` (same scale): " + ", ".join(
            f"{label} {100 * (summary[label]['mean'] / float(ref[label]) - 1):+.0f} %"
            for label in PD14_POPULATIONS if ref.get(label))]
    return lines


def brunel_table(summary: dict, theory: float, references: list[dict], info: dict, n_seeds: int,
                 ranks: int, t_stop: float) -> list[str]:
    lines = [f"## Brunel (2000) model A, scale {info['scale']:g} (N_E={info['N_E']}, N_I={info['N_I']}, "
             f"C_E={info['C_E']}, C_I={info['C_I']}, g={info['g']:g}, eta={info['eta']:g}, "
             f"V_reset={info['v_reset']:g} mV), {ranks} ranks, {t_stop:g} ms, {n_seeds} seeds", "",
             "| population | this (mean ± SD) | mean-field (Siegert, these in-degrees) | "
             + " | ".join(f"{r['source']} @ {r['scale']}" for r in references) + " |",
             "|---|---|---|" + "---|" * len(references)]
    for label in ("E", "I"):
        s = summary[label]
        lines.append(f"| {label} | {s['mean']:.2f} ± {s['sd']:.2f} | {theory:.2f} | "
                     + " | ".join(fmt(r.get(label), 1) for r in references) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[55, 56, 57])
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--t-stop", type=float, default=1000.0)
    ap.add_argument("--transient", type=float, default=100.0)
    ap.add_argument("--mc-scale", type=float, default=0.1)
    ap.add_argument("--brunel-scale", type=float, default=0.5)
    ap.add_argument("--skip-microcircuit", action="store_true")
    ap.add_argument("--skip-brunel", action="store_true")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "rates",
                    help="output stem (.md and .json are appended)")
    args = ap.parse_args(argv)

    common = ["--t-stop", repr(args.t_stop), "--transient", repr(args.transient)]
    report: dict = {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    lines = ["# Rates of the reference models", "",
             f"Generated by `bench/validate_rates.py` on {time.strftime('%Y-%m-%d %H:%M')}; rates over "
             f"({args.transient:g}, {args.t_stop:g}] ms.", ""]

    if not args.skip_microcircuit:
        runs = run_seeds("microcircuit.py", args.mc_scale, args, common)
        summary = summarise(runs, PD14_POPULATIONS)
        references = read_reference("pd14_rates.csv")
        lines += microcircuit_table(summary, references, args.mc_scale, len(runs), args.ranks, args.t_stop)
        walls = [r["wall_s"] for r in runs]
        lines += ["", f"Wall time per run (whole mpiexec process, build + simulate): "
                  f"mean {np.mean(walls):.0f} s (min {min(walls):.0f} s, max {max(walls):.0f} s).", ""]
        report["microcircuit"] = {"summary": summary, "runs": runs, "references": references}

    if not args.skip_brunel:
        runs = run_seeds("brunel.py", args.brunel_scale, args, common)
        summary = summarise(runs, ["E", "I"])
        theory = runs[0]["mean_field_rate"]
        references = read_reference("brunel2000_rates.csv")
        if not references:
            references = [{"source": "mean_field_Vr_10mV (brunel2000.md)", "scale": "1.0", "E": 37.9, "I": 37.9}]
        lines += brunel_table(summary, theory, references, runs[0], len(runs), args.ranks, args.t_stop)
        walls = [r["wall_s"] for r in runs]
        lines += ["", f"Wall time per run: mean {np.mean(walls):.0f} s.", ""]
        report["brunel"] = {"summary": summary, "mean_field_rate": theory, "runs": runs, "references": references}

    args.out.parent.mkdir(parents=True, exist_ok=True)
    md, js = args.out.with_suffix(".md"), args.out.with_suffix(".json")
    md.write_text("\n".join(lines) + "\n")
    js.write_text(json.dumps(report, indent=1) + "\n")
    print("\n".join(lines))
    print(f"wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
