"""PyNN's random-number classes for cortexsim.

``RandomDistribution`` only records a distribution; values are drawn from keyed streams when cells
and connections are generated (see :mod:`cortexsim.model.streams`). An RNG passed in contributes its
seed to the stream key, so two projections given differently seeded RNGs get different numbers.
"""

from __future__ import annotations

from ..model.distributions import normalise_parameters
from ..model.network import DistributionSpec


class NumpyRNG:
    """Stands for a random stream; only its ``seed`` is used (parallel_safe is always true)."""

    def __init__(self, seed: int | None = None, parallel_safe: bool = True) -> None:
        self.seed = seed
        self.parallel_safe = True


GSLRNG = NumpyRNG
NativeRNG = NumpyRNG


class RandomDistribution:
    """A named distribution, e.g. ``RandomDistribution('normal', mu=-65.0, sigma=5.0)``."""

    def __init__(self, distribution: str, parameters_pos: tuple | list | None = None, rng: NumpyRNG | None = None,
                 **parameters_named: float) -> None:
        args = tuple(parameters_pos) if parameters_pos is not None else ()
        self.name = distribution
        self.parameters = normalise_parameters(distribution, args, parameters_named)
        self.rng = rng

    def as_spec(self) -> DistributionSpec:
        seed = getattr(self.rng, "seed", None)
        return DistributionSpec(self.name, dict(self.parameters), seed)

    def next(self, n: int | None = None, mask=None):
        raise NotImplementedError("RandomDistribution.next(): cortexsim draws values when the network is "
                                  "generated, so that they are identical on any number of ranks")

    def __repr__(self) -> str:
        return f"RandomDistribution('{self.name}', {self.parameters})"
