"""traffic.h5: the fabric traffic of a run, next to spikes.h5.

``/traffic/link_packets`` [window, link] packets per link direction per time window,
``/traffic/links`` [link, 2] (from chip, to chip), ``/traffic/router_packets`` [chip],
``/traffic/hop_histogram`` [hops], ``/traffic/latency_histogram`` [10 ns bins], attributes with the
window length and the profile (JSON).
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from ..hardware.profile import HardwareProfile
from ..hardware.topology import Fabric
from ..hardware.traffic import LATENCY_BIN_NS
from .atomic import atomic_file


def write_traffic(path: Path, profile: HardwareProfile, totals: dict, dt: float) -> None:
    fabric = Fabric.of(profile)
    with atomic_file(path) as tmp:
        with h5py.File(tmp, "w") as f:
            g = f.create_group("traffic")
            g.attrs["profile"] = json.dumps(profile.to_json())
            g.attrs["window_ms"] = profile.traffic_window_ms
            g.attrs["latency_bin_ns"] = LATENCY_BIN_NS
            g.attrs["shape"] = np.array(profile.shape)
            g.create_dataset("link_packets", data=totals["link_packets"], compression="gzip")
            g.create_dataset("links", data=np.array(fabric.links or np.empty((0, 2)), dtype=np.int64).reshape(-1, 2))
            g.create_dataset("router_packets", data=totals["router_packets"])
            g.create_dataset("hop_histogram", data=totals["hop_histogram"])
            g.create_dataset("latency_histogram", data=totals["latency_histogram"])
            for name in ("drops_per_link", "queueing_delay_histogram"):
                if name in totals:
                    g.create_dataset(name, data=totals[name])
