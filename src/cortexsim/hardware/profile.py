"""Hardware profiles: the YAML description of a chip fabric, validated with errors naming the key."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ConfigError

TOPOLOGIES = ("mesh2d", "torus2d", "full")
MODES = ("additive", "absorbed")
LATENCY_KEYS = ("pipeline", "router", "link", "io", "local")
_KEYS = {"name", "description", "topology", "shape", "mapping", "acceleration", "latency_ns", "mode", "routing",
         "multicast", "link_capacity_per_us", "buffer_packets", "seed", "traffic_window_ms"}
PRESET_DIR = Path(__file__).resolve().parents[3] / "models" / "hardware"


@dataclass(frozen=True)
class HardwareProfile:
    """A validated fabric description (see models/hardware/*.yaml for the meaning of each key)."""

    name: str = "ideal"
    topology: str = "full"
    shape: tuple[int, int] | None = None  # None: 'auto', the most square grid with one chip per partition
    mapping: tuple[int, ...] | None = None  # chip of each partition; None = block (partition p -> chip p)
    acceleration: float = 1.0
    latency_ns: dict[str, float] = field(default_factory=lambda: {k: 0.0 for k in LATENCY_KEYS})
    mode: str = "additive"
    routing: str = "xy"
    multicast: bool = True
    link_capacity_per_us: float | None = None
    buffer_packets: int | None = None
    seed: int = 1
    traffic_window_ms: float = 1.0
    source: str = "(dict)"

    @property
    def n_chips(self) -> int:
        assert self.shape is not None, "resolve an 'auto' shape with for_partitions() first"
        return int(self.shape[0] * self.shape[1])

    def for_partitions(self, n_partitions: int) -> "HardwareProfile":
        """This profile with an 'auto' shape resolved and checked against the partition count."""
        profile = self
        if self.shape is None:
            sx = max(d for d in range(1, int(np.sqrt(n_partitions)) + 1) if n_partitions % d == 0)
            profile = replace(self, shape=(n_partitions // sx, sx))
        profile.chip_of_partition(n_partitions)
        return profile

    @property
    def is_ideal(self) -> bool:
        return all(v == 0 for v in self.latency_ns.values()) and not self.is_dynamic

    @property
    def is_dynamic(self) -> bool:
        """Whether link load can change delivery (finite capacity with a bounded buffer)."""
        return self.link_capacity_per_us is not None

    def chip_of_partition(self, n_partitions: int) -> np.ndarray:
        """Chip index of each partition, after checking the fabric fits the partitions."""
        if self.mapping is None:
            if self.n_chips != n_partitions:
                raise ConfigError(self.source, "shape", list(self.shape),
                                  f"{self.n_chips} chips do not fit {n_partitions} partitions "
                                  "(block mapping puts partition p on chip p; give as many chips as partitions)")
            return np.arange(n_partitions, dtype=np.int64)
        if len(self.mapping) != n_partitions:
            raise ConfigError(self.source, "mapping", list(self.mapping),
                              f"lists {len(self.mapping)} chips for {n_partitions} partitions")
        return np.asarray(self.mapping, dtype=np.int64)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "topology": self.topology, "shape": "auto" if self.shape is None else list(self.shape),
                "mapping": "block" if self.mapping is None else list(self.mapping), "acceleration": self.acceleration,
                "latency_ns": dict(self.latency_ns), "mode": self.mode, "routing": self.routing,
                "multicast": self.multicast, "link_capacity_per_us": self.link_capacity_per_us,
                "buffer_packets": self.buffer_packets, "seed": self.seed, "traffic_window_ms": self.traffic_window_ms}


def _number(source: str, key: str, value: Any, minimum: float | None = None, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(source, key, value, "expected a number")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise ConfigError(source, key, value, f"must be {'>' if strict else '>='} {minimum}")
    return float(value)


def profile_from_dict(data: dict[str, Any], source: str = "(dict)") -> HardwareProfile:
    """Validate a profile given as a mapping; every error names the key and value."""
    if not isinstance(data, dict):
        raise ConfigError(source, "(top level)", type(data).__name__, "a hardware profile is a mapping of keys")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ConfigError(source, unknown[0], data[unknown[0]], f"unknown key; known: {', '.join(sorted(_KEYS))}")
    topology = data.get("topology", "full")
    if topology not in TOPOLOGIES:
        raise ConfigError(source, "topology", topology, f"must be one of {', '.join(TOPOLOGIES)}")
    shape = data.get("shape", "auto")
    if shape != "auto" and (not isinstance(shape, (list, tuple)) or len(shape) != 2
                            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape)):
        raise ConfigError(source, "shape", shape, "must be 'auto' or two positive integers [x, y]")
    mapping = data.get("mapping", "block")
    if mapping in ("block", None):
        mapping = None
    elif shape == "auto":
        raise ConfigError(source, "mapping", mapping, "an explicit mapping needs an explicit shape")
    elif isinstance(mapping, (list, tuple)) and all(isinstance(m, int) and not isinstance(m, bool) for m in mapping):
        n = shape[0] * shape[1]
        if any(m < 0 or m >= n for m in mapping) or len(set(mapping)) != len(mapping):
            raise ConfigError(source, "mapping", mapping, f"must list distinct chips in 0..{n - 1}")
        mapping = tuple(mapping)
    else:
        raise ConfigError(source, "mapping", mapping, "must be 'block' or a list of chip indices")
    acceleration = _number(source, "acceleration", data.get("acceleration", 1.0), 0.0, strict=True)
    latency = data.get("latency_ns", {})
    if not isinstance(latency, dict):
        raise ConfigError(source, "latency_ns", latency, "must be a mapping of latency components")
    bad = sorted(set(latency) - set(LATENCY_KEYS))
    if bad:
        raise ConfigError(source, f"latency_ns.{bad[0]}", latency[bad[0]], f"unknown key; known: {', '.join(LATENCY_KEYS)}")
    latency_ns = {k: _number(source, f"latency_ns.{k}", latency.get(k, 0.0), 0.0) for k in LATENCY_KEYS}
    mode = data.get("mode", "additive")
    if mode not in MODES:
        raise ConfigError(source, "mode", mode, f"must be one of {', '.join(MODES)}")
    routing = data.get("routing", "xy")
    if routing != "xy":
        raise ConfigError(source, "routing", routing, "only 'xy' (dimension-order) routing is modelled")
    multicast = data.get("multicast", True)
    if not isinstance(multicast, bool):
        raise ConfigError(source, "multicast", multicast, "must be true or false")
    capacity = data.get("link_capacity_per_us")
    capacity = None if capacity is None else _number(source, "link_capacity_per_us", capacity, 0.0, strict=True)
    buffer = data.get("buffer_packets")
    if buffer is not None and (isinstance(buffer, bool) or not isinstance(buffer, int) or buffer < 0):
        raise ConfigError(source, "buffer_packets", buffer, "must be a non-negative integer or null")
    if buffer is not None and capacity is None:
        raise ConfigError(source, "buffer_packets", buffer, "needs a finite link_capacity_per_us")
    seed = data.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(source, "seed", seed, "must be an integer")
    window = _number(source, "traffic_window_ms", data.get("traffic_window_ms", 1.0), 0.0, strict=True)
    return HardwareProfile(str(data.get("name", Path(source).stem)), topology,
                           None if shape == "auto" else (int(shape[0]), int(shape[1])), mapping,
                           acceleration, latency_ns, mode, routing, multicast, capacity, buffer, seed, window, source)


def load_profile(profile: str | Path | dict | HardwareProfile) -> HardwareProfile:
    """A profile from a YAML path, a preset name (models/hardware/NAME.yaml), a dict or a profile."""
    if isinstance(profile, HardwareProfile):
        return profile
    if isinstance(profile, dict):
        return profile_from_dict(profile)
    path = Path(profile)
    if not path.exists() and (PRESET_DIR / f"{profile}.yaml").exists():
        path = PRESET_DIR / f"{profile}.yaml"
    if not path.is_file():
        presets = ", ".join(sorted(p.stem for p in PRESET_DIR.glob("*.yaml")))
        raise ConfigError(str(path), "(file)", str(profile), f"no such hardware profile (presets: {presets})")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), "(file)", str(path), f"not valid YAML ({exc})") from None
    return profile_from_dict(data if data is not None else {}, str(path))
