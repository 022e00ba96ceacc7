"""Benchmark: cost per spike of replaying remote spikes on proxy spike sources in NEST.

Compares, in one process and one run, (a) the naive way, ``spike_times`` set node by node from Python,
with (b) cortexsim's way (``cortexsim.engine.injection.ProxyInjector``): all due proxies set in one
kernel-API call. Writes bench/results/injection.{json,md}.

    python bench/injection.py [--proxies 5000] [--spikes-per-step 300] [--steps 50]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxies", type=int, default=5000)
    parser.add_argument("--spikes-per-step", type=int, default=300)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    from cortexsim.engine.injection import ProxyInjector
    from cortexsim.engine.instantiate import PROXY_MODEL, NodeMap
    from cortexsim.engine.nest_import import import_nest

    nest = import_nest()
    nest.ResetKernel()
    nest.resolution = 0.1
    proxies = nest.Create(PROXY_MODEL, args.proxies)
    targets = nest.Create("iaf_psc_delta", 1000)
    nest.Connect(proxies, targets, {"rule": "fixed_indegree", "indegree": 50}, {"weight": 0.01, "delay": 2.0})
    first = proxies[0].global_id
    node_map = NodeMap(np.arange(args.proxies, dtype=np.int64), np.arange(args.proxies) + first)
    injector = ProxyInjector(nest, node_map, shift_steps=14, dt=0.1)
    rng = np.random.default_rng(1)
    nest.Prepare()
    now, chunk = 0, 14
    timings = {"naive": 0.0, "batched": 0.0}
    counts = {"naive": 0, "batched": 0}
    for step in range(2 * args.steps):
        gids = rng.choice(args.proxies, args.spikes_per_step, replace=False)
        fire = now - rng.integers(0, chunk, len(gids))
        method = "naive" if step % 2 == 0 else "batched"
        start = time.perf_counter()
        if method == "naive":
            for gid, s in zip(gids, fire):
                proxies[int(gid)].set(spike_times=[float((s + 14) * 0.1)])
        else:
            injector.queue(gids, fire)
            injector.release(now, chunk)
        timings[method] += time.perf_counter() - start
        counts[method] += len(gids)
        nest.Run(chunk * 0.1)
        now += chunk
    nest.Cleanup()
    per_spike = {m: timings[m] / counts[m] * 1e6 for m in timings}
    result = {"proxies": args.proxies, "spikes_per_step": args.spikes_per_step, "steps_each": args.steps,
              "us_per_spike": per_spike, "speedup": per_spike["naive"] / per_spike["batched"]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "injection.json").write_text(json.dumps(result, indent=2) + "\n")
    text = (f"# Injecting remote spikes into NEST proxies\n\n{args.proxies} proxies, {args.spikes_per_step} spikes per "
            f"exchange step, {args.steps} steps each, interleaved.\n\n| method | us per spike |\n| --- | --- |\n"
            f"| naive: `spike_times` set node by node | {per_spike['naive']:.1f} |\n"
            f"| cortexsim: one kernel-API call per step | {per_spike['batched']:.1f} |\n\n"
            f"Speed-up: {result['speedup']:.1f}x\n")
    (RESULTS / "injection.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
