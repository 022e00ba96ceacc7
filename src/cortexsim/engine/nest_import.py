"""Import NEST inside an MPI job without letting it see the MPI launcher.

The PyPI ``nest-simulator`` wheel has no MPI support; when it finds the launcher's process-manager
variables (``PMI_RANK``, ``PMIX_RANK``, ...) it exits with code 127. cortexsim does its own MPI with
mpi4py, so mpi4py is initialised first and those variables are then removed from the process.
"""

from __future__ import annotations

import os
import warnings
from types import ModuleType

_LAUNCHER_PREFIXES = ("PMI_", "PMIX_", "OMPI_", "HYDRA_", "MPI_LOCAL", "MPICH_", "I_MPI_", "SLURM_")
_nest: ModuleType | None = None


def import_nest() -> ModuleType:
    """Return the ``nest`` module, imported quietly with launcher variables hidden."""
    global _nest
    if _nest is not None:
        return _nest
    from mpi4py import MPI  # noqa: F401  (MPI is initialised before NEST looks around)

    # NEST checks again when its kernel starts, so the variables stay hidden in this process
    # (MPI itself is already initialised and no longer needs them).
    for name in [k for k in os.environ if k.startswith(_LAUNCHER_PREFIXES)]:
        del os.environ[name]
    os.environ.setdefault("PYNEST_QUIET", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import nest
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nest.set_verbosity("M_ERROR")
    _nest = nest
    return nest
