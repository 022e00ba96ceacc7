"""Benchmark: Brunel (2000) 12,500 neurons, 1 s, cortexsim on 2 ranks x 1 thread versus plain NEST in
one process x 2 threads, on the same network (built once by `cortexsim build`), side by side.

Runs the two alternately (``--repeats`` times each) and reports wall-clock ratios of the median times
(cortexsim / NEST): network set-up and simulation, plus peak memory. The machine is shared and noisy:
compare the ratios, not the absolute times. Writes bench/results/brunel_vs_nest.{json,md}.

    python bench/brunel_vs_nest.py [--scale 1.0] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from cortexsim.workflow.launcher import mpi_launcher

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"




def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr}")
    return time.perf_counter() - start, result.stdout


def run_cortexsim(config: Path, out: Path) -> dict:
    wall, _ = timed([mpi_launcher(), "-n", "2", sys.executable, "-m", "cortexsim", "run", str(config), "--out", str(out),
                     "--threads", "1"])
    stats = json.loads((out / "run_stats.json").read_text())
    w = stats["wall_time_s"]
    return {"wall_s": wall, "setup_s": w["build"] + w["connect"],
            "simulate_s": w["simulation_loop"],
            "nest_run_s": w["simulate"], "exchange_s": w["exchange"], "inject_s": w["inject"],
            "read_spikes_s": w["read_spikes"], "spikes": stats["spikes"]["total_sent"],
            "exchange_steps": stats["exchange_steps"], "lookahead_ms": stats["lookahead_ms"],
            "peak_rss_mb_sum": stats["peak_rss_mb"]["sum_ranks"], "peak_rss_mb_max": stats["peak_rss_mb"]["max_rank"],
            "recorded_spikes": sum(r["spikes_injected"] for r in stats["ranks"]), "conserved": stats["spikes"]["conserved"]}


def run_nest(config: Path) -> dict:
    wall, out = timed([sys.executable, str(ROOT / "bench" / "plain_nest.py"), str(config), "--threads", "2"])
    data = json.loads(out.strip().splitlines()[-1])
    return {"wall_s": wall, "setup_s": data["build_s"], "simulate_s": data["simulate_s"],
            "peak_rss_mb": data["peak_rss_mb"], "spikes": data["spikes"]}


def median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--t-stop", type=float, default=1000.0)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    net = RESULTS / "brunel_net"
    build_s, _ = timed([sys.executable, "-m", "cortexsim", "build", "models/brunel.py", "--out", str(net),
                        "--partitions", "2", "--scale", str(args.scale), "--t-stop", str(args.t_stop)])
    config = net / "simulation_config.json"
    ours, nest = [], []
    for i in range(args.repeats):
        ours.append(run_cortexsim(config, RESULTS / "brunel_run"))
        nest.append(run_nest(config))
        print(f"repeat {i + 1}: cortexsim simulate {ours[-1]['simulate_s']:.2f} s, "
              f"NEST simulate {nest[-1]['simulate_s']:.2f} s", flush=True)
    result = {
        "network": {"model": "models/brunel.py", "scale": args.scale, "t_stop_ms": args.t_stop,
                    "cortexsim_build_s": build_s},
        "cortexsim_2x1": ours, "nest_1x2": nest,
        "ratios": {
            "simulate": median(ours, "simulate_s") / median(nest, "simulate_s"),
            "simulate_per_pair": [o["simulate_s"] / n["simulate_s"] for o, n in zip(ours, nest)],
            "setup": median(ours, "setup_s") / median(nest, "setup_s"),
            "setup_including_cortexsim_build": (build_s + median(ours, "setup_s")) / median(nest, "setup_s"),
            "total_wall": median(ours, "wall_s") / median(nest, "wall_s"),
            "peak_memory_sum_of_ranks": median(ours, "peak_rss_mb_sum") / median(nest, "peak_rss_mb"),
        },
    }
    (RESULTS / "brunel_vs_nest.json").write_text(json.dumps(result, indent=2) + "\n")
    r = result["ratios"]
    lines = [
        f"# Brunel {int(12500 * args.scale)} neurons, {args.t_stop:g} ms: cortexsim 2 ranks x 1 thread vs NEST 1 x 2 threads",
        "", f"{args.repeats} alternating repeats, medians. Ratio = cortexsim / NEST (lower is better for cortexsim).", "",
        "| quantity | cortexsim | NEST | ratio |", "| --- | --- | --- | --- |",
        f"| simulate (s) | {median(ours, 'simulate_s'):.2f} | {median(nest, 'simulate_s'):.2f} | {r['simulate']:.3f} |",
        f"| network set-up in the run (s) | {median(ours, 'setup_s'):.2f} | {median(nest, 'setup_s'):.2f} | {r['setup']:.3f} |",
        f"| set-up incl. `cortexsim build` ({build_s:.1f} s) | {build_s + median(ours, 'setup_s'):.2f} | "
        f"{median(nest, 'setup_s'):.2f} | {r['setup_including_cortexsim_build']:.3f} |",
        f"| total wall (s) | {median(ours, 'wall_s'):.2f} | {median(nest, 'wall_s'):.2f} | {r['total_wall']:.3f} |",
        f"| peak memory (MB; cortexsim: sum of ranks) | {median(ours, 'peak_rss_mb_sum'):.0f} | "
        f"{median(nest, 'peak_rss_mb'):.0f} | {r['peak_memory_sum_of_ranks']:.3f} |",
        "", "Simulate ratio of each side-by-side pair: "
        + ", ".join(f"{x:.3f}" for x in r["simulate_per_pair"]) + " (the spread is the machine's noise).",
        "", "cortexsim simulate = the slowest rank's loop: NEST Run + reading spikes + exchange (including "
        "waiting for the other rank) + injection; per-phase maxima over ranks "
        f"(medians: {median(ours, 'nest_run_s'):.2f} + {median(ours, 'read_spikes_s'):.2f} + "
        f"{median(ours, 'exchange_s'):.2f} + {median(ours, 'inject_s'):.2f} s); "
        f"{ours[0]['exchange_steps']} exchange steps of {ours[0]['lookahead_ms']} ms; "
        f"{median(ours, 'spikes'):.0f} spikes crossed ranks; conserved: {all(o['conserved'] for o in ours)}.",
    ]
    (RESULTS / "brunel_vs_nest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
