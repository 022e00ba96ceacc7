"""Routing tables: which remote ranks need the spikes of each local neuron.

Each rank knows the remote sources of its own incoming edges. One all-to-all tells every owner which
of its neurons each other rank needs; the owner keeps that as a CSR table (neuron -> destination
ranks), so each spike is sent once to each rank that has a target of it, and to no other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .comm import Communicator


@dataclass
class RoutingTable:
    """Destinations of local neurons' spikes (CSR over ``exported_gids``)."""

    exported_gids: np.ndarray  # sorted gids of local neurons with at least one remote target rank
    offsets: np.ndarray  # len(exported_gids) + 1
    destinations: np.ndarray  # destination ranks, grouped per exported gid

    def destinations_of(self, gids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For spikes of ``gids``: (index of the spike, destination rank) pairs, one per copy to send."""
        if len(self.exported_gids) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty.astype(np.int32)
        pos = np.minimum(np.searchsorted(self.exported_gids, gids), len(self.exported_gids) - 1)
        spike_index = np.nonzero(self.exported_gids[pos] == gids)[0]
        pos = pos[spike_index]
        counts = self.offsets[pos + 1] - self.offsets[pos]
        starts = np.repeat(self.offsets[pos], counts)
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(spike_index, counts), self.destinations[starts + within]


def build_routing(comm: Communicator, remote_sources: np.ndarray, owner_rank: np.ndarray) -> RoutingTable:
    """Collective: tell owners which of their neurons this rank needs; return this rank's table.

    ``remote_sources`` are the sorted gids of presynaptic neurons owned by other ranks that have a
    target here; ``owner_rank`` maps every gid to the rank that simulates it.
    """
    owners = owner_rank[remote_sources]
    order = np.argsort(owners, kind="stable")
    counts = np.bincount(owners, minlength=comm.size).astype(np.int64)
    received, recv_counts = comm.alltoallv(remote_sources[order].reshape(-1, 1).astype(np.int64), counts)
    requester = np.repeat(np.arange(comm.size, dtype=np.int64), recv_counts)
    gids = received[:, 0]
    order = np.lexsort((requester, gids))
    gids, requester = gids[order], requester[order]
    exported, first = np.unique(gids, return_index=True)
    offsets = np.r_[first, len(gids)].astype(np.int64)
    return RoutingTable(exported.astype(np.int64), offsets, requester.astype(np.int32))
