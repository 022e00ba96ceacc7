"""Counter-based random streams keyed by integers.

Every random number in a cortexsim network is a pure function of a key tuple, e.g.
(seed, projection, purpose, target cell, k). A value never depends on how many other numbers were
drawn before it, so the network is identical for any number of ranks or partitions, and each rank
can generate only the numbers of its own cells. The mixing function is the SplitMix64 finaliser,
applied to numpy uint64 arrays (wrapping arithmetic), so generation is vectorised.
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV_2_53 = 1.0 / float(1 << 53)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (returns a new array)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def purpose_code(name: str) -> int:
    """A stable integer for a stream purpose such as 'weight' or 'param:v_rest'."""
    return zlib.crc32(name.encode("utf8"))


def make_key(*parts: int) -> np.uint64:
    """Combine integers into one 64-bit stream key."""
    key = np.uint64(0x243F6A8885A308D3)
    for part in parts:
        with np.errstate(over="ignore"):
            key = _mix(np.uint64(key) + _GOLDEN * np.uint64(int(part) & 0xFFFFFFFFFFFFFFFF))[()]
    return np.uint64(key)


def uniform(key: np.uint64, a: np.ndarray, b: np.ndarray | int = 0) -> np.ndarray:
    """Uniform doubles in [0, 1) for each (a, b) pair under `key` (broadcasting a and b)."""
    a = np.asarray(a).astype(np.uint64)
    b = np.asarray(b).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = _mix(_mix(key + _GOLDEN * a) + _M2 * (b + np.uint64(1)))
    return (h >> np.uint64(11)).astype(np.float64) * _INV_2_53


def open_uniform(key: np.uint64, a: np.ndarray, b: np.ndarray | int = 0) -> np.ndarray:
    """Uniform doubles in (0, 1): safe for logarithms and inverse CDFs."""
    u = uniform(key, a, b)
    return np.where(u == 0.0, 0.5 * _INV_2_53, u)


def generator(*parts: int) -> np.random.Generator:
    """A numpy Generator seeded from a key tuple, for global draws every rank repeats identically."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(p) & 0xFFFFFFFF for p in parts]
                                                                      + [len(parts)])))
