"""The frontend's simulator state: the network being described and, once running, the rank's engine.

Two modes:

* ``direct`` (default): the script itself simulates. At the first ``run()`` the network is
  partitioned, each rank generates the incoming connections of its own cells and starts its NEST
  kernel and exchange layer.
* ``build``: ``cortexsim build`` runs the script to capture the network; ``run()`` records the
  simulation time and ends the script (:class:`BuildCaptured`), and the builder writes SONATA files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model.network import NetworkSpec


class BuildCaptured(Exception):
    """Raised by ``run()`` in build mode: the network description is complete."""


@dataclass
class BuildOverrides:
    """Options the builder imposes on the script's ``setup()`` call."""

    partitions: int | None = None
    partitioner: str | None = None
    seed: int | None = None
    t_stop: float | None = None


@dataclass
class SimulatorState:
    spec: NetworkSpec = field(default_factory=NetworkSpec)
    mode: str = "direct"
    overrides: BuildOverrides = field(default_factory=BuildOverrides)
    is_setup: bool = False
    partitions: int | None = None
    partitioner: str = "round_robin"
    threads: int = 1
    hardware: Any = None
    t_stop_requested: float = 0.0
    simulation: Any = None  # RankSimulation once running
    layout: Any = None
    edges: Any = None
    build_seconds: float = 0.0
    horizon: float = 0.0
    finished: bool = False
    projections: list = field(default_factory=list)
    populations: list = field(default_factory=list)


state = SimulatorState()


def reset_state(mode: str = "direct", overrides: BuildOverrides | None = None) -> SimulatorState:
    """Forget everything (called by setup() and by the builder before running a script)."""
    global state
    if state.simulation is not None:
        state.simulation.close()
    state.__init__()  # type: ignore[misc]
    state.mode = mode
    state.overrides = overrides or BuildOverrides()
    return state
