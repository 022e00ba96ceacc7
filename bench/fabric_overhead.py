"""Benchmark: cost of the interconnect model, and the gain from a larger lookahead.

Same network (PD14 microcircuit, 4 partitions = 2x2 chips, 2 ranks), side by side, alternating:

* off: no hardware profile;
* accounting: the ``ideal`` profile (zero latency: same lookahead, same spikes) with traffic accounting;
* link model: zero latency but finite link capacity, i.e. the replicated queue model (gathered spikes,
  per-chip proxies).

The ratios of the simulation-loop times against "off" are the overhead. Then the BrainScaleS-like
profile at increasing acceleration shows fewer exchange steps and a shorter loop as latency grows.
Writes bench/results/fabric_overhead.{json,md}.

    python bench/fabric_overhead.py [--scale 0.05] [--t-stop 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from cortexsim.workflow.launcher import mpi_launcher

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
LOADED = {"name": "zero-latency-loaded", "topology": "mesh2d", "shape": "auto", "acceleration": 1000,
          "link_capacity_per_us": 1000, "buffer_packets": None}




def run(config: Path, out: Path, *extra: str) -> dict:
    command = [mpi_launcher(), "-n", "2", sys.executable, "-m", "cortexsim", "run", str(config), "--out", str(out), *extra]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    stats = json.loads((out / "run_stats.json").read_text())
    return {"loop_s": stats["wall_time_s"]["simulation_loop"], "traffic_s": stats["wall_time_s"]["traffic"],
            "exchange_s": stats["wall_time_s"]["exchange"], "exchange_steps": stats["exchange_steps"],
            "lookahead_ms": stats["lookahead_ms"], "spikes": stats["spikes"]["total_sent"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--t-stop", type=float, default=500.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    net = RESULTS / "fabric_net"
    subprocess.run([sys.executable, "-m", "cortexsim", "build", "models/microcircuit.py", "--out", str(net),
                    "--partitions", "4", "--scale", str(args.scale), "--t-stop", str(args.t_stop)],
                   check=True, cwd=ROOT, capture_output=True)
    config = net / "simulation_config.json"
    loaded = RESULTS / "zero_latency_loaded.yaml"
    loaded.write_text("\n".join(f"{k}: {json.dumps(v) if v is not None else 'null'}" for k, v in LOADED.items()) + "\n")
    variants = {"off": (), "accounting": ("--hardware", "ideal"), "link model": ("--hardware", str(loaded))}
    rows = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, extra in variants.items():
            rows[name].append(run(config, RESULTS / "fabric_run", *extra))
    med = {name: statistics.median(r["loop_s"] for r in rs) for name, rs in rows.items()}
    lookahead = {}
    for acceleration in (1, 100, 1000, 3000):
        lookahead[acceleration] = run(config, RESULTS / "fabric_run", "--hardware", "brainscales-like",
                                      "--acceleration", str(acceleration))
    result = {"scale": args.scale, "t_stop_ms": args.t_stop, "repeats": rows, "median_loop_s": med,
              "ratios_vs_off": {k: v / med["off"] for k, v in med.items()}, "lookahead": lookahead}
    (RESULTS / "fabric_overhead.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Interconnect model overhead: PD14 at scale {args.scale}, {args.t_stop:g} ms, 4 chips on 2 ranks", "",
             f"{args.repeats} alternating repeats; median simulation-loop time of the slowest rank.", "",
             "| variant | loop (s) | ratio vs off |", "| --- | --- | --- |"]
    lines += [f"| {k} | {v:.2f} | {v / med['off']:.3f} |" for k, v in med.items()]
    lines += ["", "Lookahead (BrainScaleS-like profile, latency grows with acceleration):", "",
              "| acceleration | lookahead (ms) | exchange steps | loop (s) |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {r['lookahead_ms']:.1f} | {r['exchange_steps']} | {r['loop_s']:.2f} |" for a, r in lookahead.items()]
    (RESULTS / "fabric_overhead.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
