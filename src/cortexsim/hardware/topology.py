"""Chip fabric topology: chip coordinates, directed links, hop counts and dimension-order routes.

Chips are numbered row-major on a ``shape = [sx, sy]`` grid (chip = x + sx * y). ``mesh2d`` links each
chip to its 4 neighbours, ``torus2d`` adds wrap-around links, ``full`` links every pair directly.
Routes are XY (dimension order: all x hops first, then y; on a torus the shorter way round, ties going
in the positive direction). The multicast route of a spike is the union of its XY paths: a tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .profile import HardwareProfile


@dataclass(frozen=True)
class Fabric:
    topology: str
    sx: int
    sy: int

    @classmethod
    def of(cls, profile: HardwareProfile) -> "Fabric":
        return cls(profile.topology, profile.shape[0], profile.shape[1])

    @property
    def n_chips(self) -> int:
        return self.sx * self.sy

    def xy(self, chip: int) -> tuple[int, int]:
        return chip % self.sx, chip // self.sx

    def chip(self, x: int, y: int) -> int:
        return (x % self.sx) + self.sx * (y % self.sy)

    def _steps(self, a: int, b: int, size: int) -> list[int]:
        """Unit moves along one axis from coordinate a to b."""
        d = b - a
        if self.topology == "torus2d":
            d = d % size
            if d > size - d:
                d -= size
        return [1 if d > 0 else -1] * abs(d)

    def path(self, a: int, b: int) -> list[tuple[int, int]]:
        """Directed links (from chip, to chip) of the XY route from chip a to chip b."""
        if a == b:
            return []
        if self.topology == "full":
            return [(a, b)]
        (x, y), (bx, by) = self.xy(a), self.xy(b)
        links = []
        for step in self._steps(x, bx, self.sx):
            nxt = self.chip(x + step, y)
            links.append((self.chip(x, y), nxt))
            x += step
        for step in self._steps(y, by, self.sy):
            links.append((self.chip(x, y), self.chip(x, y + step)))
            y += step
        return links

    @cached_property
    def links(self) -> list[tuple[int, int]]:
        """All directed links that any route can use, in a fixed order."""
        found = {link for a in range(self.n_chips) for b in range(self.n_chips) for link in self.path(a, b)}
        return sorted(found)

    @cached_property
    def link_index(self) -> dict[tuple[int, int], int]:
        return {link: i for i, link in enumerate(self.links)}

    @cached_property
    def hops(self) -> np.ndarray:
        """Hop count of the route between every pair of chips."""
        n = self.n_chips
        return np.array([[len(self.path(a, b)) for b in range(n)] for a in range(n)], dtype=np.int64)

    def path_links(self, a: int, b: int) -> np.ndarray:
        return np.array([self.link_index[link] for link in self.path(a, b)], dtype=np.int64)

    def route_links(self, source: int, targets: np.ndarray, multicast: bool) -> np.ndarray:
        """Link ids a spike from ``source`` to chips ``targets`` occupies, one entry per packet traversal.

        Multicast: each link of the route tree once. Unicast: one packet per target along its own path.
        """
        paths = [self.path_links(source, int(t)) for t in targets if int(t) != source]
        if not paths:
            return np.empty(0, dtype=np.int64)
        every = np.concatenate(paths)
        return np.unique(every) if multicast else every
