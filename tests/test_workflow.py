"""The Snakemake workflow: a small end-to-end run in a scratch directory, and the sweep's plan."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SNAKEMAKE = shutil.which("snakemake") or str(Path(sys.executable).with_name("snakemake"))


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--configfile", str(ROOT / "config.yaml"),
               "--directory", str(workdir), "--cores", "2", *args]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.mpi
def test_small_workflow_end_to_end(tmp_path):
    model = ROOT / "models" / "microcircuit.py"
    result = snakemake(tmp_path, "--config", f"model={model}", "scale=0.02", "t_stop=200", "name=small")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = tmp_path / "output" / "small"
    stats = json.loads((out / "run" / "run_stats.json").read_text())
    assert stats["n_ranks"] == 2 and stats["spikes"]["conserved"]
    assert (out / "run" / "analysis" / "report.html").stat().st_size > 1000
    analysis = json.loads((out / "run" / "analysis" / "stats.json").read_text())
    assert set(analysis["populations"]) == {"L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"}
    again = snakemake(tmp_path, "--config", f"model={model}", "scale=0.02", "t_stop=200", "name=small", "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
    changed = snakemake(tmp_path, "--config", f"model={model}", "scale=0.02", "t_stop=100", "name=small", "-n")
    assert "build" in changed.stdout and "Nothing to be done" not in changed.stdout, "a changed setting re-runs"


def test_sweep_plan(tmp_path):
    model = ROOT / "models" / "microcircuit.py"
    result = snakemake(tmp_path, "sweep", "-n", "--config", f"sweep={{'model': '{model}', 'scale': 0.02, "
                       "'t_stop': 100, 'partitions': 4, 'ranks': 2, 'model_args': '', "
                       "'profiles': ['brainscales-like'], 'accelerations': [100, 1000, 3000]}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    counts = {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines()
              if line.startswith("sweep") and len(line.split()) == 2 and line.split()[1].isdigit()}
    assert counts == {"sweep_build": 1, "sweep_run": 4, "sweep_analyze": 4, "sweep_compare": 1, "sweep": 1}, \
        "ideal plus one profile at three accelerations"
