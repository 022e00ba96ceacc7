"""Link load on a fabric with finite capacity: queueing delay and drops, per spike, deterministic.

Time runs in simulation steps of dt (biological); a link direction forwards
``C = link_capacity_per_us * dt * 1e3 / acceleration`` packets per step. Packets that reach a link in
the same step queue behind the link's backlog in an order drawn from the profile's seed (a keyed hash
of link, neuron and step, so the order does not depend on ranks). Packet i of a step has position
``p = backlog + i``: it is dropped when ``p >= buffer_packets`` and otherwise waits ``floor(p / C)``
steps. The backlog then becomes ``max(0, backlog + accepted - C)``, and drains by C in every step
without packets. A packet meets all links of its
route in the step it was sent (queues do not cascade). A delivery to a chip is lost if its packet was
dropped on any link of the path to that chip, and is late by the sum of its waits on that path.

Every rank runs the model on all spikes of the step (they are gathered to every rank), so every rank
knows the fate of every packet and the result is the same for any layout of chips on ranks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import streams
from .profile import HardwareProfile
from .topology import Fabric
from .traffic import _Csr, _csr


@dataclass
class Deliveries:
    """Fate of each (spike, target chip) copy of a batch of spikes."""

    gid: np.ndarray
    step: np.ndarray
    chip: np.ndarray
    wait_steps: np.ndarray
    dropped: np.ndarray


@dataclass
class QueueStatistics:
    drops_per_link: np.ndarray
    queued_packets: int = 0
    total_wait_steps: int = 0
    max_wait_steps: int = 0
    delivered: int = 0
    dropped: int = 0
    wait_histogram: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))


class LinkQueueModel:
    """Queues and drops of all packets on the fabric (replicated identically on every rank)."""

    def __init__(self, profile: HardwareProfile, chip_of_cell: np.ndarray, fanout_gids: np.ndarray,
                 fanout_chips: np.ndarray, dt: float) -> None:
        self.profile, self.fabric = profile, Fabric.of(profile)
        self.chip_of_cell = chip_of_cell
        self.gids = np.unique(fanout_gids)
        self.targets = _csr(len(self.gids), np.searchsorted(self.gids, fanout_gids), fanout_chips.astype(np.int64))
        n = self.fabric.n_chips
        paths = [self.fabric.path_links(a, b) for a in range(n) for b in range(n)]
        self.paths = _Csr(np.r_[0, np.cumsum([len(p) for p in paths])].astype(np.int64),
                          np.concatenate(paths + [np.empty(0, np.int64)]).astype(np.int64))
        self.n_links = len(self.fabric.links)
        self.capacity = profile.link_capacity_per_us * dt * 1e3 / profile.acceleration
        self.buffer = profile.buffer_packets
        self.backlog = np.zeros(self.n_links)
        self.clock: int | None = None  # last step whose packets were queued
        self.key = streams.make_key(profile.seed, streams.purpose_code("link-order"))
        self.stats = QueueStatistics(np.zeros(self.n_links, dtype=np.int64))

    def deliver(self, gids: np.ndarray, steps: np.ndarray) -> Deliveries:
        """Fates of all target-chip copies of the spikes (gid, step), which must be sorted by step."""
        if len(gids) == 0:
            empty = np.empty(0, dtype=np.int64)
            return Deliveries(empty, empty, empty, empty, np.empty(0, dtype=bool))
        pos = np.searchsorted(self.gids, gids)
        pos = np.minimum(pos, max(len(self.gids) - 1, 0))
        ok = (self.gids[pos] == gids) if len(self.gids) else np.zeros(len(gids), dtype=bool)
        gids, steps, pos = gids[ok], steps[ok], pos[ok]
        spike, chip = self.targets.expand(pos)
        source = self.chip_of_cell[gids][spike]
        inter = chip != source
        # one packet per spike (multicast) or per delivery (unicast); its traversals are path links
        packet = spike if self.profile.multicast else np.arange(len(spike))
        owner, link = self.paths.expand((source * self.fabric.n_chips + chip)[inter])
        trav_packet = packet[inter][owner]
        trav_link = link
        if self.profile.multicast:  # each link of the route tree once per spike
            key = np.unique(trav_packet * self.n_links + trav_link)
            trav_packet, trav_link = key // self.n_links, key % self.n_links
        if self.profile.multicast:
            t_step, t_gid = steps[trav_packet], gids[trav_packet]
        else:
            t_step, t_gid = steps[spike][trav_packet], gids[spike][trav_packet]
        wait, dropped = self._queue(trav_packet, trav_link, t_step, t_gid)
        delivery_wait = np.zeros(len(spike), dtype=np.int64)
        delivery_drop = np.zeros(len(spike), dtype=bool)
        if len(trav_link):
            key = trav_packet * self.n_links + trav_link
            order = np.argsort(key)
            lookup = key[order]
            wanted = packet[inter][owner] * self.n_links + link
            at = order[np.searchsorted(lookup, wanted)]
            index = np.nonzero(inter)[0][owner]
            np.add.at(delivery_wait, index, wait[at])
            np.logical_or.at(delivery_drop, index, dropped[at])
        self._count(delivery_wait, delivery_drop)
        return Deliveries(gids[spike], steps[spike], chip, delivery_wait, delivery_drop)

    def _queue(self, packet: np.ndarray, link: np.ndarray, step: np.ndarray, gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Wait (steps) and drop flag of each (packet, link) traversal, step by step."""
        wait = np.zeros(len(packet), dtype=np.int64)
        dropped = np.zeros(len(packet), dtype=bool)
        if len(packet) == 0:
            return wait, dropped
        priority = streams.uniform(self.key, gid * self.n_links + link, step)
        order = np.lexsort((priority, link, step))
        for s in np.unique(step):
            if self.clock is not None and s > self.clock + 1:  # links drain during steps without packets
                self.backlog = np.maximum(0.0, self.backlog - self.capacity * (s - self.clock - 1))
            self.clock = int(s)
            idx = order[step[order] == s]
            lk = link[idx]
            first = np.r_[0, np.nonzero(np.diff(lk))[0] + 1]
            counts = np.diff(np.r_[first, len(lk)])
            within = np.arange(len(lk)) - np.repeat(first, counts)
            position = self.backlog[lk] + within
            drop = position >= self.buffer if self.buffer is not None else np.zeros(len(lk), dtype=bool)
            wait[idx] = np.floor(position / self.capacity).astype(np.int64)
            dropped[idx] = drop
            accepted = np.bincount(lk[~drop], minlength=self.n_links)
            np.add.at(self.stats.drops_per_link, lk[drop], 1)
            self.backlog = np.maximum(0.0, self.backlog + accepted - self.capacity)
        queued = wait > 0
        self.stats.queued_packets += int(queued.sum())
        return wait, dropped

    def _count(self, wait: np.ndarray, dropped: np.ndarray) -> None:
        s = self.stats
        s.dropped += int(dropped.sum())
        s.delivered += int((~dropped).sum())
        kept = wait[~dropped]
        s.total_wait_steps += int(kept.sum())
        if len(kept):
            s.max_wait_steps = max(s.max_wait_steps, int(kept.max()))
            if kept.max() >= len(s.wait_histogram):
                s.wait_histogram = np.r_[s.wait_histogram, np.zeros(int(kept.max()) + 1 - len(s.wait_histogram), np.int64)]
            np.add.at(s.wait_histogram, kept, 1)
