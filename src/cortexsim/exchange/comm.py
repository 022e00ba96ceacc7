"""The MPI communicator used by all stages, and the rule that an error on one rank stops all ranks.

Everything collective goes through :class:`Communicator` so that the rest of the code never touches
mpi4py directly. Buffers are numpy arrays (no pickling on the hot path).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Communicator:
    """A thin, typed wrapper around an mpi4py communicator."""

    def __init__(self, comm: Any = None) -> None:
        if comm is None:
            from mpi4py import MPI
            comm = MPI.COMM_WORLD
        self.comm = comm
        self.rank: int = comm.Get_rank()
        self.size: int = comm.Get_size()

    def allreduce_min(self, value: int) -> int:
        from mpi4py import MPI
        return int(self.comm.allreduce(int(value), op=MPI.MIN))

    def allreduce_max(self, value: float) -> float:
        from mpi4py import MPI
        return self.comm.allreduce(value, op=MPI.MAX)

    def allreduce_sum_array(self, array: np.ndarray) -> np.ndarray:
        from mpi4py import MPI
        out = np.empty_like(array)
        self.comm.Allreduce(np.ascontiguousarray(array), out, op=MPI.SUM)
        return out

    def alltoallv(self, send: np.ndarray, send_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exchange int64 rows: send[rows for rank 0], send[rows for rank 1], ... -> received rows.

        ``send`` has shape (n, width); rows for each destination are contiguous, in rank order.
        Returns the received rows (grouped by source rank) and the row count from each rank.
        """
        width = send.shape[1]
        send_counts = np.ascontiguousarray(send_counts, dtype=np.int64)
        recv_counts = np.empty(self.size, dtype=np.int64)
        self.comm.Alltoall(send_counts, recv_counts)
        received = np.empty((int(recv_counts.sum()), width), dtype=np.int64)
        sc, rc = send_counts * width, recv_counts * width
        sd = np.r_[0, np.cumsum(sc)[:-1]]
        rd = np.r_[0, np.cumsum(rc)[:-1]]
        self.comm.Alltoallv([np.ascontiguousarray(send), (sc, sd)], [received, (rc, rd)])
        return received, recv_counts

    def gather_arrays(self, array: np.ndarray, root: int = 0) -> np.ndarray | None:
        """Concatenate 1-d arrays of any length from all ranks on ``root``."""
        array = np.ascontiguousarray(array)
        counts = np.array(self.comm.gather(len(array), root=root) or [], dtype=np.int64)
        if self.rank != root:
            self.comm.Gatherv(array, None, root=root)
            return None
        out = np.empty(int(counts.sum()), dtype=array.dtype)
        self.comm.Gatherv(array, [out, counts], root=root)
        return out

    def allgather_arrays(self, array: np.ndarray) -> np.ndarray:
        array = np.ascontiguousarray(array)
        counts = np.array(self.comm.allgather(len(array)), dtype=np.int64)
        out = np.empty(int(counts.sum()), dtype=array.dtype)
        self.comm.Allgatherv(array, [out, counts])
        return out

    def gather_objects(self, obj: Any, root: int = 0) -> list[Any] | None:
        """Small Python objects (statistics, metadata) only; never on the hot path."""
        return self.comm.gather(obj, root=root)

    def bcast_object(self, obj: Any, root: int = 0) -> Any:
        return self.comm.bcast(obj, root=root)

    def barrier(self) -> None:
        self.comm.Barrier()

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)


_world: Communicator | None = None


def world() -> Communicator:
    """The process-wide communicator over all MPI ranks (a single rank without mpiexec)."""
    global _world
    if _world is None:
        _world = Communicator()
    return _world
