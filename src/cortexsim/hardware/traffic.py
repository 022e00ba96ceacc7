"""Link traffic of the spikes of one rank's neurons on the chip fabric (static latency model).

Each neuron's spike leaves its chip once and reaches every chip that holds one of its targets: as one
packet per link of the XY route tree (multicast) or one packet per target chip along its own path
(unicast). The accountant precomputes, per local neuron, the links its packets occupy and its
deliveries (target chip, hops, latency), then counts every spike vectorised: packets per link
direction per time window, router load, hop and latency histograms. Ranks sum their counts at the
end; the summary gives the maximum link utilisation and whether the fabric keeps up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..build.edges import EdgeTable
from ..exchange.comm import Communicator
from .latency import hardware_latency_ns
from .profile import HardwareProfile
from .topology import Fabric

LATENCY_BIN_NS = 10.0
FLUSH_SPIKES = 1_000_000  # spikes held before they are counted


def neuron_fanout(comm: Communicator, edges: list[EdgeTable], chip_of_cell: np.ndarray, owner_rank: np.ndarray,
                  is_source_cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(source gid, target chip) pairs for every neuron this rank owns, gathered from all ranks' edges."""
    src = np.concatenate([t.source_gid for t in edges] or [np.empty(0, np.int64)])
    tgt = np.concatenate([t.target_gid for t in edges] or [np.empty(0, np.int64)])
    keep = ~is_source_cell[src]
    n_chips = int(chip_of_cell.max(initial=0)) + 1
    key = np.unique(src[keep] * n_chips + chip_of_cell[tgt[keep]])  # 1-d keys: much faster than rows
    pairs = np.column_stack([key // n_chips, key % n_chips]).astype(np.int64)
    owners = owner_rank[pairs[:, 0]]
    order = np.argsort(owners, kind="stable")
    counts = np.bincount(owners, minlength=comm.size).astype(np.int64)
    received, _ = comm.alltoallv(pairs[order], counts)
    key = np.unique(received[:, 0] * n_chips + received[:, 1])
    return key // n_chips, key % n_chips


@dataclass
class _Csr:
    offsets: np.ndarray
    values: np.ndarray

    def expand(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row index of each value, value) for the given rows."""
        counts = self.offsets[rows + 1] - self.offsets[rows]
        starts = np.repeat(self.offsets[rows], counts)
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(np.arange(len(rows)), counts), self.values[starts + within]


def _csr(n_rows: int, rows: np.ndarray, values: np.ndarray) -> _Csr:
    order = np.argsort(rows, kind="stable")
    offsets = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_rows))].astype(np.int64)
    return _Csr(offsets, values[order])


class TrafficAccountant:
    """Counts the fabric traffic of the local neurons' spikes."""

    def __init__(self, profile: HardwareProfile, chip_of_cell: np.ndarray, fanout_gids: np.ndarray,
                 fanout_chips: np.ndarray, dt: float, t_stop: float) -> None:
        self.profile, self.fabric, self.dt = profile, Fabric.of(profile), dt
        self.gids = np.unique(fanout_gids)
        rows = np.searchsorted(self.gids, fanout_gids)
        self.deliveries = _csr(len(self.gids), rows, fanout_chips.astype(np.int64))
        self.source_chip = chip_of_cell[self.gids] if len(self.gids) else np.empty(0, np.int64)
        self.routes = self._routes()
        self.latency_ns = hardware_latency_ns(profile, self.fabric)
        n_links = len(self.fabric.links)
        self.window_steps = max(1, int(round(profile.traffic_window_ms / dt)))
        self.n_windows = int(np.ceil(round(t_stop / dt) / self.window_steps)) + 1
        self.link_packets = np.zeros((self.n_windows, n_links), dtype=np.int64)
        self.router_packets = np.zeros(self.fabric.n_chips, dtype=np.int64)
        self.hop_histogram = np.zeros(int(self.fabric.hops.max(initial=0)) + 1, dtype=np.int64)
        max_latency = float(self.latency_ns.max(initial=0.0))
        self.latency_histogram = np.zeros(int(max_latency // LATENCY_BIN_NS) + 1, dtype=np.int64)
        self.link_target = np.array([b for _, b in self.fabric.links] or [0], dtype=np.int64)
        self.spikes = 0
        self.deliveries_count = 0
        self.latency_sum_ns = 0.0
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_count = 0

    def _routes(self) -> _Csr:
        """Links occupied by one spike of each neuron; computed once per distinct (chip, target set)."""
        n_chips = self.fabric.n_chips
        masks = np.zeros((len(self.gids), n_chips + 1), dtype=bool)
        row, chip = self.deliveries.expand(np.arange(len(self.gids)))
        masks[row, chip] = True
        masks[:, n_chips] = False
        keys = np.column_stack([self.source_chip, masks.astype(np.int64)])
        unique, inverse = np.unique(keys, axis=0, return_inverse=True) if len(keys) else (keys, np.empty(0, int))
        per_unique = [self.fabric.route_links(int(u[0]), np.nonzero(u[1:1 + n_chips])[0], self.profile.multicast)
                      for u in unique]
        lengths = np.array([len(p) for p in per_unique] or [0], dtype=np.int64)[inverse.ravel()] if len(unique) \
            else np.empty(0, np.int64)
        values = np.concatenate([per_unique[i] for i in inverse.ravel()] or [np.empty(0, np.int64)])
        return _Csr(np.r_[0, np.cumsum(lengths)].astype(np.int64), values.astype(np.int64))

    def account(self, gids: np.ndarray, steps: np.ndarray) -> None:
        """Record local spikes (gid, firing step); they are counted in batches (see :meth:`flush`).

        Static accounting never changes the dynamics, so it need not run every exchange step: batching
        keeps its per-step cost to an append.
        """
        if len(gids):
            self._pending.append((gids, steps))
            self._pending_count += len(gids)
            if self._pending_count >= FLUSH_SPIKES:
                self.flush()

    def flush(self) -> None:
        """Count all recorded spikes."""
        if self._pending:
            gids = np.concatenate([g for g, _ in self._pending])
            steps = np.concatenate([s for _, s in self._pending])
            self._pending, self._pending_count = [], 0
            self._count(gids, steps)

    def _count(self, gids: np.ndarray, steps: np.ndarray) -> None:
        pos = np.searchsorted(self.gids, gids)
        pos = np.minimum(pos, max(len(self.gids) - 1, 0))
        valid = (self.gids[pos] == gids) if len(self.gids) else np.zeros(len(gids), dtype=bool)
        pos, steps = pos[valid], steps[valid]
        if len(pos) == 0:
            return
        self.spikes += len(pos)
        spike, links = self.routes.expand(pos)
        window = np.minimum(steps[spike] // self.window_steps, self.n_windows - 1)
        np.add.at(self.link_packets, (window, links), 1)
        np.add.at(self.router_packets, self.source_chip[pos], 1)
        np.add.at(self.router_packets, self.link_target[links], 1)
        spike, target = self.deliveries.expand(pos)
        source = self.source_chip[pos][spike]
        self.deliveries_count += len(target)
        np.add.at(self.hop_histogram, self.fabric.hops[source, target], 1)
        latency = self.latency_ns[source, target]
        np.add.at(self.latency_histogram, (latency // LATENCY_BIN_NS).astype(np.int64), 1)
        self.latency_sum_ns += float(latency.sum())

    def reduce(self, comm: Communicator) -> dict | None:
        """Sum all ranks' counts on every rank; returns the arrays (rank 0 writes them)."""
        self.flush()
        return {
            "link_packets": comm.allreduce_sum_array(self.link_packets),
            "router_packets": comm.allreduce_sum_array(self.router_packets),
            "hop_histogram": comm.allreduce_sum_array(self.hop_histogram),
            "latency_histogram": comm.allreduce_sum_array(self.latency_histogram),
            "spikes": int(comm.allreduce_sum_array(np.array([self.spikes]))[0]),
            "deliveries": int(comm.allreduce_sum_array(np.array([self.deliveries_count]))[0]),
            "latency_sum_ns": float(comm.allreduce_sum_array(np.array([self.latency_sum_ns]))[0]),
        }


def traffic_summary(profile: HardwareProfile, totals: dict, dt: float) -> dict:
    """Utilisation, verdict and histograms' summary for run_stats.json."""
    fabric = Fabric.of(profile)
    window_us = profile.traffic_window_ms * 1e3 / profile.acceleration  # hardware time per window
    packets = totals["link_packets"]
    peak = int(packets.max(initial=0))
    utilisation = None if profile.link_capacity_per_us is None else peak / (profile.link_capacity_per_us * window_us)
    hops = totals["hop_histogram"]
    latency = totals["latency_histogram"]
    n = max(1, int(hops.sum()))
    if utilisation is None:
        verdict = (f"fabric sustains this model at acceleration {profile.acceleration:g}: yes "
                   f"(unlimited link capacity; peak {peak} packets per link per {profile.traffic_window_ms:g} ms window)")
    else:
        verdict = (f"fabric sustains this model at acceleration {profile.acceleration:g}: "
                   f"{'yes' if utilisation <= 1.0 else 'no'} (max utilisation {utilisation:.3f})")
    return {
        "profile": profile.to_json(), "n_chips": fabric.n_chips, "n_links": len(fabric.links),
        "spikes": totals["spikes"], "deliveries": totals["deliveries"],
        "link_traversals": int(packets.sum()), "max_packets_per_link_window": peak,
        "max_link_utilisation": utilisation, "verdict": verdict,
        "mean_hops": float((np.arange(len(hops)) * hops).sum() / n),
        "mean_latency_ns": totals["latency_sum_ns"] / max(1, totals["deliveries"]),
        "queueing_delay_ms": {"mean": totals.get("mean_wait_steps", 0.0) * dt,
                              "max": totals.get("max_wait_steps", 0) * dt},
        "drops": int(totals.get("dropped", 0)),
        "drops_per_link": [int(x) for x in totals["drops_per_link"]] if "drops_per_link" in totals else None,
        "delivered_copies": totals.get("delivered"),
        "busiest_router": int(np.argmax(totals["router_packets"])) if len(totals["router_packets"]) else None,
    }
