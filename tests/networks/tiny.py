"""A small network for command-line tests: options --scale, --delay, --n."""

import argparse

import cortexsim.pynn as sim

parser = argparse.ArgumentParser()
parser.add_argument("--scale", type=float, default=1.0)
parser.add_argument("--delay", type=float, default=1.0)
args = parser.parse_args()
if args.scale <= 0:
    raise SystemExit(f"tiny.py: --scale must be > 0, got {args.scale}")
sim.setup(timestep=0.1, seed=3)
n = max(2, int(40 * args.scale))
cells = sim.Population(n, sim.IF_curr_exp(i_offset=0.6, tau_refrac=2.0), label="cells")
sim.Projection(cells, cells, sim.FixedProbabilityConnector(0.2), sim.StaticSynapse(weight=0.05, delay=args.delay))
cells.record("spikes")
sim.run(50.0)
sim.end()
