"""A deterministic test network (520 cells) whose spike trains must match plain NEST exactly.

DC drive with heterogeneous currents, fixed random connectivity from four connector types, weights that
are exact binary fractions (sums are exact in floating point), delays from one step (dt, inside the
last population only, which every blocks partitioning with P <= 4 keeps on one partition) through
the cross-rank minimum of two steps up to 3 ms, a DCSource and a SpikeSourceArray input.

Run directly (``mpiexec -n N python exact_net.py --dump spikes.npz``) or build it with
``cortexsim build``.
"""

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--simulator", default="cortexsim")
    parser.add_argument("--t-stop", type=float, default=300.0)
    parser.add_argument("--dump", help="write (gid, time) of all spikes to this .npz (direct runs)")
    parser.add_argument("--cross-dt", action="store_true", help="add a dt-delay projection across partitions")
    args = parser.parse_args()
    if args.simulator == "nest":
        import pyNN.nest as sim
    else:
        import cortexsim.pynn as sim

    # blocks keeps population L (cells 400-499) on one partition for P <= 4: its dt-delay loop stays local
    sim.setup(timestep=0.1, seed=2024, partitioner="blocks")
    rng = np.random.default_rng(7)
    common = dict(cm=0.25, tau_m=10.0, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0, tau_refrac=2.0)
    exc = sim.Population(300, sim.IF_curr_exp(i_offset=rng.uniform(0.32, 0.5, 300), **common), label="E")
    inh = sim.Population(100, sim.IF_curr_alpha(i_offset=rng.uniform(0.3, 0.45, 100), **common), label="I")
    loc = sim.Population(100, sim.IF_curr_delta(i_offset=rng.uniform(0.36, 0.5, 100), **common), label="L")
    stim = sim.Population(20, sim.SpikeSourceArray(spike_times=[np.arange(5.0 + i, 300.0, 25.0) for i in range(20)]),
                          label="stim")
    exc.initialize(v=sim.RandomDistribution("uniform", (-70.0, -55.0)))

    sim.Projection(exc, exc, sim.FixedProbabilityConnector(0.05, allow_self_connections=False),
                   sim.StaticSynapse(weight=0.125, delay=0.2), receptor_type="excitatory")
    sim.Projection(exc, inh, sim.FixedNumberPreConnector(20),
                   sim.StaticSynapse(weight=0.25, delay=sim.RandomDistribution("uniform", (0.2, 3.0))))
    sim.Projection(inh, exc, sim.FixedTotalNumberConnector(3000),
                   sim.StaticSynapse(weight=-0.375, delay=0.5), receptor_type="inhibitory")
    sim.Projection(exc, loc, sim.FixedProbabilityConnector(0.02), sim.StaticSynapse(weight=0.5, delay=1.5))
    sim.Projection(loc, loc, sim.FixedNumberPreConnector(5, with_replacement=True),
                   sim.StaticSynapse(weight=-0.25, delay=0.1), receptor_type="inhibitory")
    sim.Projection(loc[0:50], exc[0:50], sim.OneToOneConnector(), sim.StaticSynapse(weight=0.0625, delay=2.0))
    sim.Projection(stim, exc, sim.FixedProbabilityConnector(0.1), sim.StaticSynapse(weight=0.5, delay=1.0))
    if args.cross_dt:
        sim.Projection(exc, loc, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.0, delay=0.1))
    pulse = sim.DCSource(amplitude=0.125, start=50.0, stop=150.0)
    pulse.inject_into(inh)

    for population in (exc, inh, loc):
        population.record("spikes")
    exc[0:3].record("v")
    sim.run(args.t_stop)

    if args.dump:
        gids, times = [], []
        for population in (exc, inh, loc):
            for train in population.get_data("spikes").segments[0].spiketrains:
                gids.append(np.full(len(train), int(train.annotations["source_id"])))
                times.append(np.asarray(train.magnitude))
        if sim.rank() == 0:
            np.savez(args.dump, gids=np.concatenate(gids), times=np.concatenate(times))
    sim.end()


if __name__ == "__main__":
    main()
