"""Shared test helpers: running the cortexsim command and MPI jobs in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from cortexsim.workflow.launcher import mpi_launcher

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = Path(__file__).resolve().parent / "networks"



def run_cli(*args: str, ranks: int = 1, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m cortexsim ARGS` (under mpiexec when ranks > 1); never raises on failure."""
    command = [sys.executable, "-m", "cortexsim", *map(str, args)]
    if ranks > 1:
        command = [mpi_launcher(), "-n", str(ranks), *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


def run_script(script: Path, *args: str, ranks: int = 1, timeout: float = 300) -> subprocess.CompletedProcess:
    command = [sys.executable, str(script), *map(str, args)]
    if ranks > 1:
        command = [mpi_launcher(), "-n", str(ranks), *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


def check(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def spike_table(path: Path) -> np.ndarray:
    """All spikes of a SONATA spike file as sorted rows (population index, node id, time in 0.1 us)."""
    rows = []
    with h5py.File(path, "r") as f:
        for k, (label, g) in enumerate(sorted(f["spikes"].items())):
            ids = g["node_ids"][()].astype(np.int64)
            ticks = np.rint(g["timestamps"][()] * 1e4).astype(np.int64)
            rows.append(np.column_stack([np.full(len(ids), k), ids, ticks]))
    table = np.concatenate(rows) if rows else np.empty((0, 3), dtype=np.int64)
    return table[np.lexsort(table.T[::-1])]


@pytest.fixture(scope="session")
def exact_net() -> Path:
    return NETWORKS / "exact_net.py"
