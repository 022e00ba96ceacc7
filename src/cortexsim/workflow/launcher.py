"""Finding the MPI launcher: the one installed beside this Python (PyPI ``mpich``), else ``mpiexec`` on PATH."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def mpi_launcher() -> str:
    local = Path(sys.executable).with_name("mpiexec")
    return str(local) if local.exists() else (shutil.which("mpiexec") or "mpiexec")
