"""Random distributions evaluated by inverse transform from keyed uniform streams.

A distribution is named and parameterised as in PyNN's ``RandomDistribution``. Each value is
``F^-1(u)`` for one uniform ``u`` of a keyed stream (see :mod:`cortexsim.model.streams`), so values
are reproducible per cell or per synapse whatever the partitioning. ``normal_clipped`` (PyNN: redraw
until inside [low, high]) is sampled exactly as the truncated normal it defines.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
from scipy import special, stats

from ..errors import ModelError

#: Parameter names of each supported distribution, in PyNN's positional order.
DISTRIBUTION_PARAMETERS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "uniform_int": ("low", "high"),
    "normal": ("mu", "sigma"),
    "normal_clipped": ("mu", "sigma", "low", "high"),
    "normal_clipped_to_boundary": ("mu", "sigma", "low", "high"),
    "exponential": ("beta",),
    "lognormal": ("mu", "sigma"),
    "gamma": ("k", "theta"),
}


def _uniform(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    return p["low"] + (p["high"] - p["low"]) * u


def _uniform_int(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    low, high = int(p["low"]), int(p["high"])
    return np.minimum(low + np.floor(u * (high - low + 1)), high)


def _normal(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    return p["mu"] + p["sigma"] * special.ndtri(u)


def _normal_clipped(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    mu, sigma = p["mu"], p["sigma"]
    low = p.get("low", -np.inf)
    high = p.get("high", np.inf)
    if sigma == 0:
        return np.full(u.shape, mu)
    a, b = special.ndtr((low - mu) / sigma), special.ndtr((high - mu) / sigma)
    if b <= a:
        raise ModelError(f"normal_clipped: interval [{low}, {high}] has no mass for mu={mu}, sigma={sigma}")
    x = mu + sigma * special.ndtri(a + (b - a) * u)
    return np.clip(x, low, high)


def _normal_clipped_to_boundary(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    return np.clip(_normal(p, u), p.get("low", -np.inf), p.get("high", np.inf))


def _exponential(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    return -p["beta"] * np.log1p(-u)


def _lognormal(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    return np.exp(_normal(p, u))


def _gamma(p: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    return stats.gamma.ppf(u, p["k"], scale=p["theta"])


_SAMPLERS: dict[str, Callable[[Mapping[str, float], np.ndarray], np.ndarray]] = {
    "uniform": _uniform,
    "uniform_int": _uniform_int,
    "normal": _normal,
    "normal_clipped": _normal_clipped,
    "normal_clipped_to_boundary": _normal_clipped_to_boundary,
    "exponential": _exponential,
    "lognormal": _lognormal,
    "gamma": _gamma,
}


def normalise_parameters(name: str, args: tuple, kwargs: Mapping[str, float]) -> dict[str, float]:
    """Turn PyNN-style positional/keyword parameters into a complete named dict, or raise."""
    if name not in DISTRIBUTION_PARAMETERS:
        raise NotImplementedError(
            f"RandomDistribution '{name}' is not supported by cortexsim; "
            f"supported: {', '.join(sorted(DISTRIBUTION_PARAMETERS))}")
    names = DISTRIBUTION_PARAMETERS[name]
    if len(args) > len(names):
        raise ModelError(f"RandomDistribution '{name}' takes at most {len(names)} parameters {names}, got {args}")
    params = dict(zip(names, (float(a) for a in args)))
    for key, value in kwargs.items():
        if key not in names:
            raise ModelError(f"RandomDistribution '{name}' has no parameter '{key}' (expected {names})")
        params[key] = float(value)
    optional = {"low", "high"} if name.startswith("normal_clipped") else set()
    missing = [n for n in names if n not in params and n not in optional]
    if missing:
        raise ModelError(f"RandomDistribution '{name}' is missing parameter(s) {missing}")
    return params


def sample(name: str, params: Mapping[str, float], u: np.ndarray) -> np.ndarray:
    """Values of the distribution for uniforms ``u`` in (0, 1)."""
    return np.asarray(_SAMPLERS[name](params, np.asarray(u, dtype=np.float64)), dtype=np.float64)
