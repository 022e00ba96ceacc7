"""One exchange step: send this rank's new spikes to the ranks that need them, receive theirs.

Spikes travel as int64 rows (gid, time step). A spike is copied once per destination rank; the
counters ``sent[dst]`` and ``received[src]`` prove after the run that every copy sent was received
exactly once.
"""

from __future__ import annotations

import time

import numpy as np

from .comm import Communicator
from .routing import RoutingTable


class SpikeExchange:
    """Moves spikes between ranks with one Alltoall (counts) and one Alltoallv (rows) per step."""

    def __init__(self, comm: Communicator, routing: RoutingTable) -> None:
        self.comm = comm
        self.routing = routing
        self.sent = np.zeros(comm.size, dtype=np.int64)
        self.received = np.zeros(comm.size, dtype=np.int64)
        self.steps = 0
        self.wall_time = 0.0

    def exchange(self, gids: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Send local spikes (gid, step) to their destination ranks; return the spikes received."""
        start = time.perf_counter()
        spike_index, dest = self.routing.destinations_of(gids)
        order = np.argsort(dest, kind="stable")
        spike_index = spike_index[order]
        send_counts = np.bincount(dest, minlength=self.comm.size).astype(np.int64)
        rows = np.empty((len(spike_index), 2), dtype=np.int64)
        rows[:, 0] = gids[spike_index]
        rows[:, 1] = steps[spike_index]
        received, recv_counts = self.comm.alltoallv(rows, send_counts)
        self.sent += send_counts
        self.received += recv_counts
        self.steps += 1
        self.wall_time += time.perf_counter() - start
        return received[:, 0], received[:, 1]
