"""Neuromorphic interconnect model: hardware profiles, chip topology, latency and link traffic.

A hardware profile (YAML) describes a fabric of chips. Each partition runs on one chip. Static
latencies are folded into connection delays; link load, queueing and drops are applied per spike by
the exchange layer; traffic is accounted per link. See docs/neuromorphic.md.
"""

from .profile import HardwareProfile, load_profile

__all__ = ["HardwareProfile", "load_profile"]
