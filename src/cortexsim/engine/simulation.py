"""One rank's simulation loop: NEST runs in steps of the lookahead, spikes are exchanged between steps.

Timing of a remote spike. Let ``c`` be the exchange step (in dt steps) and ``d_min`` the smallest
delay of any connection between neurons on different ranks; we use ``c = d_min - 1``. A spike fired
in the step ending at ``t`` (``T < t <= T + c`` within one exchange step) reaches the other ranks
after the step, at ``T + c``. There it is replayed on its proxy (a ``spike_train_injector``) at ``t + c``,
which lies in the future of every rank, and the proxy's connections carry delay ``d - c >= 1`` step,
so the spike acts at ``t + d``, exactly as a local connection would. A cross-rank delay of one step
(``d_min = 1``) cannot be replayed this way and is rejected before the run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..build.edges import EdgeTable
from ..errors import ModelError
from ..exchange.comm import Communicator
from ..exchange.routing import build_routing
from ..exchange.fabric_exchange import FabricExchange
from ..exchange.spike_exchange import SpikeExchange
from ..hardware.queueing import LinkQueueModel
from ..hardware.latency import DelayFolding, fold_latency
from ..hardware.profile import HardwareProfile
from ..hardware.traffic import TrafficAccountant, neuron_fanout
from ..model.network import NetworkSpec
from . import instantiate
from .injection import ProxyInjector
from .nest_import import import_nest
from .spike_reader import IncrementalSpikeReader

PROGRESS_INTERVAL_S = 10.0
SINGLE_RANK_STEP_MS = 100.0


@dataclass
class RankLayout:
    """Where cells live: partition of every cell, and rank of every partition."""

    partition_of_cell: np.ndarray
    rank_of_partition: np.ndarray

    def owner_rank(self) -> np.ndarray:
        return self.rank_of_partition[self.partition_of_cell]


@dataclass
class PhaseTimers:
    """Wall-clock seconds per phase of this rank."""

    seconds: dict[str, float] = field(default_factory=lambda: {
        "build": 0.0, "connect": 0.0, "simulate": 0.0, "read_spikes": 0.0, "exchange": 0.0, "inject": 0.0,
        "traffic": 0.0})

    def add(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - since
        return now


class RankSimulation:
    """This rank's NEST kernel, its proxies and its share of the spike exchange."""

    def __init__(self, spec: NetworkSpec, layout: RankLayout, edges: list[EdgeTable], comm: Communicator,
                 t_stop_hint: float, threads: int = 1, build_seconds: float = 0.0,
                 progress: bool = True, hardware: HardwareProfile | None = None) -> None:
        self.spec, self.layout, self.comm = spec, layout, comm
        self.hardware = hardware
        self.folding: DelayFolding | None = None
        self.traffic: TrafficAccountant | None = None
        self.timers = PhaseTimers()
        self.timers.seconds["build"] = build_seconds
        self.progress = progress and comm.rank == 0
        self.threads = threads
        self.nest = import_nest()
        self._workdir = tempfile.TemporaryDirectory(prefix=f"cortexsim-r{comm.rank}-",
                                                    dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
        start = time.perf_counter()
        self._instantiate(edges, t_stop_hint)
        self.timers.add("connect", start)
        self.now_steps = 0
        self._prepared = False
        self._recorded_gids: list[np.ndarray] = []
        self._recorded_steps: list[np.ndarray] = []
        self._last_v: tuple[np.ndarray, float, np.ndarray] | None = None

    # ----------------------------------------------------------------------------------- set-up
    def _instantiate(self, edges: list[EdgeTable], t_stop_hint: float) -> None:
        nest, spec, comm = self.nest, self.spec, self.comm
        instantiate.configure_kernel(nest, spec, comm.rank, self.threads, Path(self._workdir.name))
        owner = self.layout.owner_rank()
        is_source_cell = np.zeros(spec.n_cells, dtype=bool)
        for pop in spec.populations:
            if pop.cell.is_source:
                is_source_cell[pop.global_offset:pop.global_offset + pop.size] = True
        self.is_source_cell, self.owner = is_source_cell, owner
        self.local_gids = np.nonzero((owner == comm.rank) & ~is_source_cell)[0].astype(np.int64)
        self.chip_of_cell: np.ndarray | None = None  # set when spikes between chips cross a loaded fabric
        self.n_chips = 1
        if self.hardware is not None:
            edges = self._apply_fabric(edges, is_source_cell, owner, t_stop_hint)
        self.neurons = instantiate.create_neurons(nest, spec, self.local_gids)
        all_sources, n_local_targets = np.unique(
            np.concatenate([t.source_gid for t in edges] or [np.empty(0, np.int64)]), return_counts=True)
        source_cells = all_sources[is_source_cell[all_sources]]
        self.generators = instantiate.create_source_generators(nest, spec, source_cells, t_stop_hint,
                                                               n_local_targets[is_source_cell[all_sources]])
        remote_keys = [instantiate.proxy_keys(t, self.chip_of_cell, self.n_chips)[self._remote(t)] for t in edges]
        remote_keys = np.unique(np.concatenate(remote_keys or [np.empty(0, np.int64)]))
        self.proxies = instantiate.create_proxies(nest, remote_keys)
        self.exchange_steps = self._lookahead_steps(edges)
        shift = self.exchange_steps or 0
        if any("v" in pop.recording for pop in spec.populations):
            # NEST hands multimeter samples over min_delay late: keep that lag to one step
            max_steps = max([int(t.delay_steps.max()) for t in edges if len(t)] + [1])
            nest.SetKernelStatus({"min_delay": spec.dt, "max_delay": max_steps * spec.dt})
        self.n_edges = instantiate.connect_edges(nest, spec, edges, self.neurons, self.generators,
                                                 self.proxies, shift, self.chip_of_cell, self.n_chips)
        instantiate.create_current_sources(nest, spec, self.neurons)
        if self.chip_of_cell is None:
            self.routing = build_routing(comm, remote_keys, owner)
            self.exchange = SpikeExchange(comm, self.routing)
            self.exported_gids = self.routing.exported_gids
        else:
            self.exchange = self._fabric_exchange(edges)
            self.exported_gids = np.intersect1d(self.exchange.model.gids, self.local_gids)
        self.injector = ProxyInjector(nest, self.proxies, shift, spec.dt)
        self._create_recorders()

    def _remote(self, table: EdgeTable) -> np.ndarray:
        """Edges whose spikes arrive through the exchange: from another rank, or (loaded fabric) chip."""
        neuron = ~self.is_source_cell[table.source_gid]
        if self.chip_of_cell is not None:
            return neuron & (self.chip_of_cell[table.source_gid] != self.chip_of_cell[table.target_gid])
        return neuron & (self.owner[table.source_gid] != self.comm.rank)

    def _apply_fabric(self, edges: list[EdgeTable], is_source_cell: np.ndarray, owner: np.ndarray,
                      t_stop: float) -> list[EdgeTable]:
        """Fold the fabric's static latency into the delays and prepare traffic accounting."""
        n_partitions = len(self.layout.rank_of_partition)
        self.hardware = self.hardware.for_partitions(n_partitions)
        chip_of_partition = self.hardware.chip_of_partition(n_partitions)
        chip_of_cell = chip_of_partition[self.layout.partition_of_cell]
        self.folding = DelayFolding()
        edges = fold_latency(edges, chip_of_cell, self.hardware, self.spec.dt, self.folding)
        fanout_gids, fanout_chips = neuron_fanout(self.comm, edges, chip_of_cell, owner, is_source_cell)
        self.traffic = TrafficAccountant(self.hardware, chip_of_cell, fanout_gids, fanout_chips, self.spec.dt, t_stop)
        if self.hardware.is_dynamic:
            self.chip_of_cell, self.n_chips = chip_of_cell, self.hardware.n_chips
            self.rank_of_chip = np.zeros(self.hardware.n_chips, dtype=np.int64)
            self.rank_of_chip[chip_of_partition] = self.layout.rank_of_partition
        return edges

    def _fabric_exchange(self, edges: list[EdgeTable]) -> FabricExchange:
        """Every rank learns every neuron's target chips, for the replicated link queue model."""
        n = self.n_chips
        keys = [(t.source_gid * n + self.chip_of_cell[t.target_gid])[self._remote(t)] for t in edges]
        keys = np.unique(np.concatenate(keys or [np.empty(0, np.int64)]))  # (gid, chip) as one 1-d key
        everything = np.unique(self.comm.allgather_arrays(keys.astype(np.int64)))
        model = LinkQueueModel(self.hardware, self.chip_of_cell, everything // n, everything % n, self.spec.dt)
        return FabricExchange(self.comm, model, self.rank_of_chip, self.owner)

    def _lookahead_steps(self, edges: list[EdgeTable]) -> int | None:
        """Exchange step c = (min delay of an exchanged connection) - 1, agreed by all ranks (None: none)."""
        local_min = np.iinfo(np.int64).max
        for table in edges:
            remote = self._remote(table)
            if remote.any():
                local_min = min(local_min, int(table.delay_steps[remote].min()))
        global_min = self.comm.allreduce_min(local_min)
        if global_min == np.iinfo(np.int64).max:
            return None
        if global_min < 2:
            raise ModelError(
                f"a connection between neurons on different ranks has delay {global_min * self.spec.dt:g} ms "
                f"= one time step; spikes can only cross ranks exactly with delays >= 2 dt "
                f"({2 * self.spec.dt:g} ms). Use delays >= 2 dt or run on fewer partitions.")
        return global_min - 1

    def _create_recorders(self) -> None:
        nest, spec = self.nest, self.spec
        recorded = [pop.recording["spikes"] + pop.global_offset for pop in spec.populations
                    if "spikes" in pop.recording and not pop.cell.is_source]
        recorded = np.concatenate(recorded) if recorded else np.empty(0, dtype=np.int64)
        self.recorded_spike_gids = recorded[self.neurons.contains(recorded)]
        self._is_recorded = np.zeros(spec.n_cells, dtype=bool)  # a lookup, cheaper than np.isin per step
        self._is_recorded[self.recorded_spike_gids] = True
        watched = np.union1d(self.recorded_spike_gids, self.exported_gids)
        if self.traffic is not None:
            watched = np.union1d(watched, self.traffic.gids)
        self.reader = None
        if len(watched):
            recorder = nest.Create("spike_recorder", params={"record_to": "ascii", "time_in_steps": True,
                                                             "label": "cortexsim_spikes"})
            nest.Connect(nest.NodeCollection(self.neurons.lookup(watched).tolist()), recorder)
            self.reader = IncrementalSpikeReader(Path(recorder.get("filenames")[0]))
        self._gid_of_node = np.full(int(self.neurons.node_ids.max(initial=0)) + 1, -1, dtype=np.int64)
        self._gid_of_node[self.neurons.node_ids] = self.neurons.gids
        recorded_v = [pop.recording["v"] + pop.global_offset for pop in spec.populations if "v" in pop.recording]
        recorded_v = np.concatenate(recorded_v) if recorded_v else np.empty(0, dtype=np.int64)
        self.recorded_v_gids = recorded_v[self.neurons.contains(recorded_v)]
        self.multimeter = None
        if len(self.recorded_v_gids):
            self.multimeter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": spec.dt})
            nest.Connect(self.multimeter, nest.NodeCollection(self.neurons.lookup(self.recorded_v_gids).tolist()))

    # ------------------------------------------------------------------------------------- loop
    def run(self, duration_ms: float) -> None:
        """Advance the simulation by ``duration_ms`` (a multiple of dt)."""
        steps = int(round(duration_ms / self.spec.dt))
        if steps < 0 or abs(steps * self.spec.dt - duration_ms) > 1e-6 * max(1.0, duration_ms):
            raise ModelError(f"run time {duration_ms} ms is not a non-negative multiple of dt = {self.spec.dt} ms")
        if not self._prepared:
            self.nest.Prepare()
            self._prepared = True
        stop = self.now_steps + steps
        wall_start = last_report = time.perf_counter()
        chunk = self.exchange_steps or max(1, int(round(SINGLE_RANK_STEP_MS / self.spec.dt)))
        while self.now_steps < stop:
            length = min(chunk, stop - self.now_steps)
            self._advance(length)
            if self.progress and time.perf_counter() - last_report > PROGRESS_INTERVAL_S:
                last_report = time.perf_counter()
                self._report_progress(stop, last_report - wall_start, steps)
        if self.multimeter is not None:
            nodes = self.nest.NodeCollection(self.neurons.lookup(self.recorded_v_gids).tolist())
            self._last_v = (self.recorded_v_gids.copy(), self.now_steps * self.spec.dt,
                            np.asarray(nodes.get("V_m"), dtype=float).ravel())

    def _advance(self, length: int) -> None:
        t = time.perf_counter()
        if self.exchange_steps is not None:
            self.injector.release(self.now_steps, length)
            t = self.timers.add("inject", t)
        self.nest.Run(length * self.spec.dt)
        self.now_steps += length
        t = self.timers.add("simulate", t)
        gids, steps = self._read_local_spikes()
        t = self.timers.add("read_spikes", t)
        if self.traffic is not None:
            self.traffic.account(gids, steps)
            t = self.timers.add("traffic", t)
        if self.exchange_steps is not None:
            received_gids, received_steps = self.exchange.exchange(gids, steps)
            t = self.timers.add("exchange", t)
            self.injector.queue(received_gids, received_steps)
            self.timers.add("inject", t)

    def _read_local_spikes(self) -> tuple[np.ndarray, np.ndarray]:
        if self.reader is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        senders, steps = self.reader.read_new()
        gids = self._gid_of_node[senders]
        if len(self.recorded_spike_gids):
            keep = self._is_recorded[gids]
            self._recorded_gids.append(gids[keep])
            self._recorded_steps.append(steps[keep])
        return gids, steps

    def _report_progress(self, stop: int, elapsed: float, steps: int) -> None:
        done = self.now_steps * self.spec.dt
        rtf = elapsed / max(1e-9, (steps - (stop - self.now_steps)) * self.spec.dt * 1e-3)
        sys.stderr.write(f"cortexsim: t = {done:.1f} / {stop * self.spec.dt:.1f} ms, RTF {rtf:.2f}\n")
        sys.stderr.flush()

    # ---------------------------------------------------------------------------------- results
    def finish(self) -> None:
        """Close the NEST run context and collect what the recorders still hold.

        """
        if self._prepared:
            self.nest.Cleanup()
            self._prepared = False
        if self.reader is not None:
            self._read_local_spikes()
            self.reader.close()
            self.reader = None

    def recorded_spikes(self) -> tuple[np.ndarray, np.ndarray]:
        """Local recorded spikes so far: (gids, time steps)."""
        if not self._recorded_gids:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        gids, steps = np.concatenate(self._recorded_gids), np.concatenate(self._recorded_steps)
        keep = steps <= self.now_steps
        return gids[keep], steps[keep]

    def recorded_membrane(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Local membrane samples: (gids, times in ms, V_m in mV)."""
        if self.multimeter is None:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        events = self.multimeter.get("events")
        senders = np.asarray(events["senders"], dtype=np.int64)
        times = np.asarray(events["times"], float)
        keep = times <= self.now_steps * self.spec.dt + 1e-9
        gids, values = self._gid_of_node[senders[keep]], np.asarray(events["V_m"], float)[keep]
        times = times[keep]
        if self._last_v is not None:  # the newest sample, which the multimeter has not received yet
            last_gids, t, last_values = self._last_v
            gids = np.concatenate([gids, last_gids])
            times = np.concatenate([times, np.full(len(last_gids), t)])
            values = np.concatenate([values, last_values])
        return gids, times, values

    def statistics(self) -> dict:
        import resource
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        loop = sum(self.timers.seconds[k] for k in ("simulate", "read_spikes", "exchange", "inject", "traffic"))
        return {"rank": self.comm.rank, "wall_time_s": dict(self.timers.seconds), "loop_s": loop,
                "peak_rss_mb": round(peak_mb, 1),
                "n_local_neurons": int(len(self.local_gids)), "n_proxies": int(len(self.proxies.gids)),
                "n_source_generators": int(len(self.generators.gids)), "n_local_edges": int(self.n_edges),
                "exported_neurons": int(len(self.exported_gids)),
                "spikes_sent_to": self.exchange.sent.tolist(), "spikes_received_from": self.exchange.received.tolist(),
                "spikes_dropped_to": (self.exchange.dropped_matrix[self.comm.rank].tolist()
                                      if isinstance(self.exchange, FabricExchange) else [0] * self.comm.size),
                "latency_folding": None if self.folding is None else self.folding.to_json(),
                "spikes_injected": int(self.injector.injected),
                "spikes_pending_at_end": int(len(self.injector.pending_step)), "exchange_steps": int(self.exchange.steps)}

    def queue_statistics(self) -> dict | None:
        """Link queueing and drops (identical on every rank) when the fabric has finite capacity."""
        if not isinstance(self.exchange, FabricExchange):
            return None
        q = self.exchange.model.stats
        return {"drops_per_link": q.drops_per_link, "queueing_delay_histogram": q.wait_histogram,
                "dropped": q.dropped, "delivered": q.delivered, "queued_packets": q.queued_packets,
                "mean_wait_steps": q.total_wait_steps / max(1, q.delivered), "max_wait_steps": q.max_wait_steps}

    def close(self) -> None:
        self.finish()
        self._workdir.cleanup()
