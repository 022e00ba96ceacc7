"""Potjans & Diesmann (2014) cortical microcircuit as a PyNN script (cortexsim or pyNN.nest).

References
----------
* Potjans TC, Diesmann M (2014) The cell-type specific cortical microcircuit: relating structure and
  activity in a full-scale spiking network model. Cereb Cortex 24(3):785-806. doi:10.1093/cercor/bhs358
* Model description of the public reference implementation INM-6/microcircuit-PD14-model
  (``docs/model_description/``), summarised in the project's reference facts.
* Full-scale rates used for the down-scaling compensation: row ``nest_full_scale_single_run`` of
  the PD14 reference rate table (shipped as ``cortexsim/analysis/reference/pd14_rates.csv``) (NEST, full scale, one run).

This script was written from those facts; no code is copied from other projects.

Model
-----
Eight populations L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I (created in that order, before any spike
source) of ``IF_curr_exp`` neurons (C_m 250 pF, tau_m 10 ms, tau_syn 0.5 ms, t_ref 2 ms,
E_L = V_reset = -65 mV, V_th = -50 mV). The number of synapses of each pair is
``N_syn = ln(1 - p) / ln(1 - 1/(N_pre N_post))`` (full-scale N), drawn with
``FixedTotalNumberConnector(with_replacement=True)`` (multapses and autapses allowed). Weights are
normal with a standard deviation of 10 % of the mean and keep their sign (``normal_clipped`` truncated
at 0); mean 87.81 pA (0.15 mV PSP), doubled for L4E -> L23E, -4x for inhibitory sources (negative
weights on the 'inhibitory' receptor). Initial membrane potentials are normal per population.

Delays are ``normal_clipped`` with mean/SD 1.5/0.75 ms (excitatory sources) and 0.75/0.375 ms
(inhibitory sources). **Deviation**: the published model truncates at one time step (``d >= dt``);
cortexsim can only carry spikes between ranks exactly when ``d >= 2 dt``, so the lower truncation
bound here is ``1.5 dt``. Drawn delays are rounded to the dt grid, so every delay is at least 2 steps;
the ~1 % of delays that would have been exactly one step (0.5 % of excitatory, 1.4 % of inhibitory
delays at dt = 0.1 ms) are redrawn from the rest of the distribution instead.

Down-scaling (published scheme): neuron numbers ``N -> round(N s_N)``, in-degrees ``K -> K s_K``
(total synapse numbers ``round(N_syn s_N s_K)``), weights ``w -> w / sqrt(s_K)`` and a DC current per
population ``1e-3 tau_syn (1 - sqrt(s_K)) (sum_j w_j K_j nu_j + w_ext K_ext 8 Hz)`` computed with the
full-scale in-degrees, weights and rates, which restores the mean input of the full-scale network.

Background (``--background``):
* ``poisson`` (default): one independent ``SpikeSourcePoisson`` per neuron (populations ``bg_<pop>``,
  ``OneToOneConnector``) at ``8 Hz x K_ext x s_K`` (not rounded to whole synapses), weight
  ``87.81 pA / sqrt(s_K)`` (fixed), delay 1.5 ms; the missing ``(1 - sqrt(s_K))`` part of the mean
  external input is in the DC term above.
* ``dc``: no Poisson input; the full-scale mean external input ``8 Hz x K_ext x 87.81 pA x tau_syn``
  as a constant current (``i_offset``), plus the recurrent compensation.

Optional thalamus (``--thalamus``): 902 Poisson sources (population ``TC``, not scaled, as in the
reference implementation) firing at 120 Hz from 700 ms for 10 ms, connected with the same synapse-number
rule (thalamic connection probabilities, scaled by ``s_N s_K``), weight 87.81 pA / sqrt(s_K) (10 % SD),
excitatory delays. It is not included in the DC compensation (it is a transient stimulus).

Running
-------
``python models/microcircuit.py --scale 0.02 --t-stop 200`` (one rank),
``mpiexec -n 2 python models/microcircuit.py`` (two ranks), ``--simulator nest`` (plain pyNN.nest with
PyNN's own connectors), ``cortexsim build models/microcircuit.py --out DIR`` (capture the network).
Spikes of all neurons are recorded (``--record-fraction`` to record fewer). At the end rank 0 prints
per-population rates over ``[transient, t_stop]`` (``--transient``, default ``min(100, t_stop/2)`` ms)
and one ``RESULT_JSON {...}`` line for scripts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

from cortexsim.pynn.utility import finish, import_simulator, setup_simulator

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
FULL_N = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
K_EXT = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
#: connection probabilities, rows = targets, columns = sources (order of POPULATIONS)
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
])
#: full-scale mean rates (Hz): row 'nest_full_scale_single_run' of pd14_rates.csv (NEST, full scale)
FULL_SCALE_RATES = np.array([0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829])
#: initial membrane potential per population (mean, SD) in mV
V0 = [(-68.28, 5.36), (-63.16, 4.57), (-63.33, 4.74), (-63.45, 4.94),
      (-63.11, 4.94), (-61.66, 4.55), (-66.72, 5.46), (-61.43, 4.48)]
TH_N = 902
TH_CONN_PROBS = np.array([0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196])
TH_RATE, TH_START, TH_DURATION = 120.0, 700.0, 10.0

NEURON_PARAMETERS = dict(cm=0.25, tau_m=10.0, tau_syn_E=0.5, tau_syn_I=0.5, tau_refrac=2.0,
                         v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0)
TAU_SYN = 0.5        # ms
W_MEAN = 0.08781     # nA (0.15 mV PSP)
W_REL_SD = 0.1
G = -4.0
BG_RATE = 8.0        # Hz per external synapse
DELAY_E, DELAY_E_SD = 1.5, 0.75
DELAY_I, DELAY_I_SD = 0.75, 0.375
DELAY_POISSON = 1.5


def is_excitatory(index: int) -> bool:
    return index % 2 == 0


def synapse_numbers(p: np.ndarray, n_pre: np.ndarray, n_post: np.ndarray) -> np.ndarray:
    """N_syn = ln(1-p) / ln(1 - 1/(N_pre N_post)) for every (target, source) pair (p: targets x sources)."""
    pairs = np.outer(n_post, n_pre).astype(np.float64)
    return np.log1p(-p) / np.log1p(-1.0 / pairs)


def weight_matrix() -> np.ndarray:
    """Full-scale mean weights (nA), targets x sources: +w, 2w for L4E->L23E, -4w from inhibitory sources."""
    w = np.tile(np.where([is_excitatory(j) for j in range(8)], W_MEAN, G * W_MEAN), (8, 1))
    w[0, 2] *= 2.0
    return w


def derived_parameters(s_n: float, s_k: float, background: str) -> dict:
    """Neuron and synapse numbers, scaled weights and the DC current (nA) of every population."""
    full_syn = synapse_numbers(CONN_PROBS, FULL_N, FULL_N)
    k_full = full_syn / FULL_N[:, None]                      # in-degrees at full scale
    w_full = weight_matrix()
    recurrent = (w_full * k_full * FULL_SCALE_RATES[None, :]).sum(axis=1)   # nA Hz
    external = W_MEAN * K_EXT * BG_RATE                                      # nA Hz
    if background == "poisson":
        dc = 1e-3 * TAU_SYN * (1.0 - math.sqrt(s_k)) * (recurrent + external)
    else:
        dc = 1e-3 * TAU_SYN * (external + (1.0 - math.sqrt(s_k)) * recurrent)
    th_syn = synapse_numbers(TH_CONN_PROBS[:, None], np.array([TH_N]), FULL_N)[:, 0]
    return {
        "n": np.maximum(1, np.round(FULL_N * s_n)).astype(int),
        "n_syn": np.round(full_syn * s_n * s_k).astype(np.int64),
        "w": w_full / math.sqrt(s_k),
        "dc": dc,
        "bg_rate": BG_RATE * K_EXT * s_k,
        "w_ext": W_MEAN / math.sqrt(s_k),
        "th_syn": np.round(th_syn * s_n * s_k).astype(np.int64),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1, help="neuron-number scale s_N (default 0.1)")
    ap.add_argument("--k-scale", type=float, default=None, help="in-degree scale s_K (default: s_N)")
    ap.add_argument("--t-stop", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    ap.add_argument("--seed", type=int, default=55)
    ap.add_argument("--dt", type=float, default=0.1, help="time step in ms (default 0.1)")
    ap.add_argument("--background", choices=["poisson", "dc"], default="poisson")
    ap.add_argument("--thalamus", action="store_true", help="add the thalamic pulse (120 Hz, 700-710 ms)")
    ap.add_argument("--simulator", choices=["cortexsim", "nest"], default="cortexsim")
    ap.add_argument("--threads", type=int, default=1, help="NEST threads per rank")
    ap.add_argument("--partitioner", default=None,
                    help="cortexsim partitioner (blocks, round_robin; default: cortexsim's default)")
    ap.add_argument("--record-fraction", type=float, default=1.0,
                    help="fraction of each population whose spikes are recorded (default 1: all)")
    ap.add_argument("--transient", type=float, default=None,
                    help="ms excluded from the printed rates (default min(100, t_stop/2))")
    ap.add_argument("--output", default=None,
                    help="write spikes with write_data: FILE containing '{label}', or FILE -> FILE_<label>.ext")
    args = ap.parse_args(argv)
    if args.k_scale is None:
        args.k_scale = args.scale
    if not (0 < args.scale and 0 < args.k_scale <= 1):
        ap.error("need --scale > 0 and 0 < --k-scale <= 1")
    if not 0 < args.record_fraction <= 1:
        ap.error("--record-fraction must be in (0, 1]")
    if args.transient is None:
        args.transient = min(100.0, args.t_stop / 2.0)
    return args



def build_network(sim, args: argparse.Namespace) -> list:
    """Create populations and projections; returns the eight neuron populations."""
    par = derived_parameters(args.scale, args.k_scale, args.background)
    dt = args.dt
    # cortexsim draws every random value from its own seed-keyed streams; pyNN.nest needs a seeded RNG
    rng = sim.NumpyRNG(seed=args.seed) if args.simulator == "nest" else None

    def rd(name: str, **parameters: float):
        return sim.RandomDistribution(name, rng=rng, **parameters)

    def connector(n: int):
        extra = {"rng": rng} if rng is not None else {}
        return sim.FixedTotalNumberConnector(int(n), allow_self_connections=True, with_replacement=True, **extra)

    pops = []
    for i, label in enumerate(POPULATIONS):
        pop = sim.Population(int(par["n"][i]), sim.IF_curr_exp(**NEURON_PARAMETERS, i_offset=float(par["dc"][i])),
                             label=label)
        pop.initialize(v=rd("normal", mu=V0[i][0], sigma=V0[i][1]))
        n_rec = int(round(pop.size * args.record_fraction))
        (pop if n_rec >= pop.size else pop[0:max(1, n_rec)]).record("spikes")
        pops.append(pop)

    delay_low = 1.5 * dt  # rounded to the grid: every delay >= 2 dt (see the module docstring)
    for j, source in enumerate(pops):
        exc = is_excitatory(j)
        mu_d, sd_d = (DELAY_E, DELAY_E_SD) if exc else (DELAY_I, DELAY_I_SD)
        delay = rd("normal_clipped", mu=mu_d, sigma=sd_d, low=delay_low, high=math.inf)
        for i, target in enumerate(pops):
            n_syn = int(par["n_syn"][i, j])
            if n_syn == 0:
                continue
            w = float(par["w"][i, j])
            sd_w = abs(w) * W_REL_SD
            weight = (rd("normal_clipped", mu=w, sigma=sd_w, low=0.0, high=math.inf) if exc else
                      rd("normal_clipped", mu=w, sigma=sd_w, low=-math.inf, high=0.0))
            sim.Projection(source, target, connector(n_syn), sim.StaticSynapse(weight=weight, delay=delay),
                           receptor_type="excitatory" if exc else "inhibitory",
                           label=f"{source.label}-{target.label}")

    if args.background == "poisson":
        for i, target in enumerate(pops):
            bg = sim.Population(target.size, sim.SpikeSourcePoisson(rate=float(par["bg_rate"][i])),
                                label=f"bg_{target.label}")
            sim.Projection(bg, target, sim.OneToOneConnector(),
                           sim.StaticSynapse(weight=float(par["w_ext"]), delay=DELAY_POISSON),
                           receptor_type="excitatory", label=f"bg-{target.label}")

    if args.thalamus:
        thalamus = sim.Population(TH_N, sim.SpikeSourcePoisson(rate=TH_RATE, start=TH_START, duration=TH_DURATION),
                                  label="TC")
        w = float(par["w_ext"])
        weight = rd("normal_clipped", mu=w, sigma=w * W_REL_SD, low=0.0, high=math.inf)
        delay = rd("normal_clipped", mu=DELAY_E, sigma=DELAY_E_SD, low=delay_low, high=math.inf)
        for i, target in enumerate(pops):
            if par["th_syn"][i] > 0:
                sim.Projection(thalamus, target, connector(par["th_syn"][i]),
                               sim.StaticSynapse(weight=weight, delay=delay), receptor_type="excitatory",
                               label=f"TC-{target.label}")
    return pops



def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sim = import_simulator(args.simulator)
    t0 = time.perf_counter()
    setup_simulator(sim, args.simulator, args.dt, args.seed, args.threads, args.partitioner)
    pops = build_network(sim, args)
    t1 = time.perf_counter()
    sim.run(args.t_stop)  # in `cortexsim build` this ends the script (BuildCaptured): do not catch it
    t2 = time.perf_counter()
    rates, rank, n_procs = finish(sim, pops, args.transient, args.t_stop, args.output)
    if rank == 0:
        print(f"microcircuit ({args.simulator}, {n_procs} rank(s)): scale s_N={args.scale:g} s_K={args.k_scale:g}, "
              f"{sum(p.size for p in pops)} neurons, background {args.background}, "
              f"thalamus {'on' if args.thalamus else 'off'}, seed {args.seed}, {args.t_stop:g} ms")
        print(f"rates over ({args.transient:g}, {args.t_stop:g}] ms:")
        for label, rate in rates.items():
            print(f"  {label:5s} {rate:8.3f} Hz")
        print(f"time: describe {t1 - t0:.2f} s, build+simulate {t2 - t1:.2f} s")
        print("RESULT_JSON " + json.dumps({
            "model": "microcircuit", "simulator": args.simulator, "ranks": n_procs, "scale": args.scale,
            "k_scale": args.k_scale, "seed": args.seed, "t_stop": args.t_stop, "transient": args.transient,
            "background": args.background, "thalamus": args.thalamus, "rates": rates,
            "describe_s": t1 - t0, "run_s": t2 - t1}))


if __name__ == "__main__":
    main()
