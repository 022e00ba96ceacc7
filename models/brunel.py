"""Brunel (2000) sparse balanced network of integrate-and-fire neurons as a PyNN script.

References
----------
* Brunel N (2000) Dynamics of sparsely connected networks of excitatory and inhibitory spiking
  neurons. J Comput Neurosci 8(3):183-208. doi:10.1023/A:1008925309027
* Summary of the parameters in the project's reference facts (Brunel 2000, J Comput Neurosci 8:183-208) (NEST's ``brunel_delta``
  example uses the same numbers). This script was written from those facts; no code is copied.

Model
-----
Populations ``E`` (N_E = 10000 x scale) and ``I`` (N_I = 2500 x scale) of ``IF_curr_delta`` neurons
(leaky integrate-and-fire with delta synapses: a spike makes the membrane potential jump by the weight,
in mV): tau_m = 20 ms, theta = 20 mV, V_rest = 0 mV, V_reset = 10 mV (the paper's value; NEST's
example uses 0 mV: ``--v-reset 0``), t_ref = 2 ms, C_m = 0.25 nF (irrelevant for delta synapses).

Every neuron receives exactly C_E = 1000 connections from random E cells and C_I = 250 from random I
cells (``FixedNumberPreConnector(with_replacement=True)``: multapses and autapses allowed), weights
J = 0.1 mV (excitatory) and -g J (inhibitory, g = 5), delay D = 1.5 ms. External input: each neuron has
its own Poisson source (population ``noise``, one cell per neuron, ``OneToOneConnector``) at
``eta nu_thr C_E = 20 kHz`` with ``nu_thr = theta / (J C_E tau_m)`` (eta = 2), weight J, delay D.

Scaling: the in-degrees are kept at C_E = 1000, C_I = 250 when N is scaled down (``--scale``), so the
input statistics and the mean-field rate do not change, unless N_E < C_E (scale < 0.1). Then the
in-degrees are scaled too, keeping the connection probability epsilon = C/N = 0.1 of the paper
(C_E = round(0.1 N_E), C_I = round(0.1 N_I)); the external rate ``eta nu_thr C_E = eta theta / (J tau_m)``
does not depend on C_E, but with fewer inhibitory inputs the recurrent feedback is weaker and the
mean-field rate is different (printed by this script).

Initial membrane potentials are drawn uniformly from [0, 20) mV (between rest and threshold; the
paper does not specify them).

Running: ``python models/brunel.py --scale 0.1 --t-stop 1000``, ``mpiexec -n 2 python models/brunel.py``,
``--simulator nest`` for plain pyNN.nest, or ``cortexsim build models/brunel.py --out DIR``. Rank 0
prints the mean rates of E and I over ``[transient, t_stop]`` (default transient ``min(100, t_stop/2)``
ms), the diffusion-approximation (Siegert) mean-field rate, and a ``RESULT_JSON {...}`` line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

from cortexsim.pynn.utility import finish, import_simulator, setup_simulator

N_E_FULL, N_I_FULL = 10000, 2500
C_E_FULL, C_I_FULL = 1000, 250
EPSILON = 0.1
J = 0.1           # mV
D = 1.5           # ms
TAU_M = 20.0      # ms
THETA = 20.0      # mV
T_REF = 2.0       # ms


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="neuron-number scale (default 1)")
    ap.add_argument("--t-stop", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    ap.add_argument("--seed", type=int, default=55)
    ap.add_argument("--dt", type=float, default=0.1, help="time step in ms (default 0.1)")
    ap.add_argument("--g", type=float, default=5.0, help="relative inhibitory strength (default 5)")
    ap.add_argument("--eta", type=float, default=2.0, help="external rate / threshold rate (default 2)")
    ap.add_argument("--v-reset", type=float, default=10.0, help="reset potential in mV (paper: 10, NEST: 0)")
    ap.add_argument("--simulator", choices=["cortexsim", "nest"], default="cortexsim")
    ap.add_argument("--threads", type=int, default=1, help="NEST threads per rank")
    ap.add_argument("--partitioner", default=None,
                    help="cortexsim partitioner (blocks, round_robin; default: cortexsim's default)")
    ap.add_argument("--transient", type=float, default=None,
                    help="ms excluded from the printed rates (default min(100, t_stop/2))")
    ap.add_argument("--output", default=None,
                    help="write spikes with write_data: FILE containing '{label}', or FILE -> FILE_<label>.ext")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be > 0")
    if args.transient is None:
        args.transient = min(100.0, args.t_stop / 2.0)
    return args


def sizes(scale: float) -> dict[str, int]:
    """Population sizes and in-degrees at a given scale (see the module docstring)."""
    n_e = max(1, int(round(N_E_FULL * scale)))
    n_i = max(1, int(round(N_I_FULL * scale)))
    if n_e >= C_E_FULL:
        c_e, c_i = C_E_FULL, C_I_FULL
    else:
        c_e, c_i = max(1, int(round(EPSILON * n_e))), max(1, int(round(EPSILON * n_i)))
    return {"N_E": n_e, "N_I": n_i, "C_E": c_e, "C_I": c_i}


def external_rate(eta: float, c_e: int) -> float:
    """Poisson rate (Hz) per neuron: eta * nu_thr * C_E, nu_thr = theta / (J C_E tau_m)."""
    nu_thr = THETA / (J * c_e * TAU_M * 1e-3)
    return eta * nu_thr * c_e


def siegert_rate(c_e: int, c_i: int, g: float, eta: float, v_reset: float) -> float:
    """Self-consistent stationary rate (Hz) of the diffusion approximation (Brunel 2000, eqs. 4-5, 21).

    mu = tau J (C_E nu_ext + C_E nu - g C_I nu), sigma^2 = tau J^2 (C_E nu_ext + C_E nu + g^2 C_I nu);
    nu = 1 / (t_ref + tau sqrt(pi) int_{(V_r-mu)/sigma}^{(theta-mu)/sigma} e^{u^2} (1 + erf u) du).
    """
    from scipy import integrate, optimize, special

    tau, t_ref = TAU_M * 1e-3, T_REF * 1e-3
    r_ext = external_rate(eta, c_e)

    def transfer(nu: float) -> float:
        mu = tau * J * (r_ext + c_e * nu - g * c_i * nu)
        sigma = math.sqrt(tau * J * J * (r_ext + c_e * nu + g * g * c_i * nu))
        lower, upper = (v_reset - mu) / sigma, (THETA - mu) / sigma
        integral, _ = integrate.quad(lambda u: special.erfcx(-u), lower, upper, limit=200)
        return 1.0 / (t_ref + tau * math.sqrt(math.pi) * integral)

    return float(optimize.brentq(lambda nu: nu - transfer(nu), 1e-6, 1.0 / t_ref - 1e-6))



def build_network(sim, args: argparse.Namespace) -> list:
    n = sizes(args.scale)
    rng = sim.NumpyRNG(seed=args.seed) if args.simulator == "nest" else None
    extra = {"rng": rng} if rng is not None else {}
    cell = sim.IF_curr_delta(v_rest=0.0, v_reset=args.v_reset, v_thresh=THETA, tau_m=TAU_M, tau_refrac=T_REF,
                             cm=0.25, i_offset=0.0)
    e = sim.Population(n["N_E"], cell, label="E")
    i = sim.Population(n["N_I"], cell, label="I")
    for pop in (e, i):
        pop.initialize(v=sim.RandomDistribution("uniform", low=0.0, high=THETA, rng=rng))
        pop.record("spikes")
    noise = sim.Population(n["N_E"] + n["N_I"], sim.SpikeSourcePoisson(rate=external_rate(args.eta, n["C_E"])),
                           label="noise")
    excitatory = sim.StaticSynapse(weight=J, delay=D)
    inhibitory = sim.StaticSynapse(weight=-args.g * J, delay=D)
    for target in (e, i):
        sim.Projection(e, target, sim.FixedNumberPreConnector(n["C_E"], with_replacement=True, **extra),
                       excitatory, receptor_type="excitatory", label=f"E-{target.label}")
        sim.Projection(i, target, sim.FixedNumberPreConnector(n["C_I"], with_replacement=True, **extra),
                       inhibitory, receptor_type="inhibitory", label=f"I-{target.label}")
    sim.Projection(noise[0:n["N_E"]], e, sim.OneToOneConnector(), excitatory, receptor_type="excitatory",
                   label="noise-E")
    sim.Projection(noise[n["N_E"]:], i, sim.OneToOneConnector(), excitatory, receptor_type="excitatory",
                   label="noise-I")
    return [e, i]



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
        n = sizes(args.scale)
        theory = siegert_rate(n["C_E"], n["C_I"], args.g, args.eta, args.v_reset)
        print(f"brunel ({args.simulator}, {n_procs} rank(s)): N_E={n['N_E']} N_I={n['N_I']} C_E={n['C_E']} "
              f"C_I={n['C_I']} g={args.g:g} eta={args.eta:g} V_reset={args.v_reset:g} mV, seed {args.seed}, "
              f"{args.t_stop:g} ms")
        print(f"rates over ({args.transient:g}, {args.t_stop:g}] ms:")
        for label, rate in rates.items():
            print(f"  {label:5s} {rate:8.3f} Hz")
        print(f"  mean-field (Siegert) {theory:.2f} Hz")
        print(f"time: describe {t1 - t0:.2f} s, build+simulate {t2 - t1:.2f} s")
        print("RESULT_JSON " + json.dumps({
            "model": "brunel", "simulator": args.simulator, "ranks": n_procs, "scale": args.scale, **n,
            "g": args.g, "eta": args.eta, "v_reset": args.v_reset, "seed": args.seed, "t_stop": args.t_stop,
            "transient": args.transient, "rates": rates, "mean_field_rate": theory,
            "describe_s": t1 - t0, "run_s": t2 - t1}))


if __name__ == "__main__":
    main()
