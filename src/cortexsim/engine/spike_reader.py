"""Read the spikes a NEST spike_recorder wrote since the last read, while NEST is mid-run.

Inside a ``Prepare``/``Run`` context a memory recorder cannot be cleared, so reading it every step
would cost O(all spikes so far). The ASCII recording backend flushes its file at the end of every
``Run``; this reader keeps a file offset and parses only the new lines (sender, time step).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class IncrementalSpikeReader:
    """Parses new complete lines of a NEST ASCII spike file (columns: sender, time_step, offset)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = None
        self._partial = b""

    def read_new(self) -> tuple[np.ndarray, np.ndarray]:
        """(sender node ids, time steps) of the spikes written since the previous call."""
        if self._file is None:
            if not self.path.exists():
                return _no_spikes()
            self._file = open(self.path, "rb")
        data = self._partial + self._file.read()
        cut = data.rfind(b"\n") + 1
        self._partial = data[cut:]
        body = data[:cut]
        if not body:
            return _no_spikes()
        if body.startswith(b"#") or b"sender" in body[:200]:
            body = b"\n".join(line for line in body.split(b"\n") if line[:1].isdigit())
            if not body:
                return _no_spikes()
        values = np.array(body.split(), dtype=np.float64).reshape(-1, 3)
        return values[:, 0].astype(np.int64), values[:, 1].astype(np.int64)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _no_spikes() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
