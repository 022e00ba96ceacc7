"""Bad input: a clear error naming the problem, a non-zero exit, earlier outputs untouched, no hang."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import NETWORKS, check, run_cli

TINY = NETWORKS / "tiny.py"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A complete build and run whose files must survive every failing command below."""
    base = tmp_path_factory.mktemp("good")
    check(run_cli("build", TINY, "--out", base / "net", "--partitions", "2"))
    check(run_cli("run", base / "net" / "simulation_config.json", "--out", base / "run"))
    files = [base / "net" / "simulation_config.json", base / "net" / "network" / "nodes.h5",
             base / "net" / "network" / "edges_p00000.h5", base / "run" / "spikes.h5", base / "run" / "run_stats.json"]
    return base, {f: digest(f) for f in files}


def assert_fails(result, *phrases: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, f"{phrase!r} not in:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr


def assert_intact(good) -> None:
    for path, value in good[1].items():
        assert digest(path) == value, f"{path} was modified"


def test_unknown_model_file(good):
    base, _ = good
    assert_fails(run_cli("build", base / "nope.py", "--out", base / "net"), "nope.py", "no such model file")
    assert_intact(good)


def test_negative_scale(good):
    base, _ = good
    assert_fails(run_cli("build", TINY, "--out", base / "net", "--scale", "-1"), "--scale", "-1")
    assert_intact(good)


@pytest.mark.parametrize("value", ["0", "-5"])
def test_non_positive_t_stop(good, value):
    base, _ = good
    assert_fails(run_cli("build", TINY, "--out", base / "net", "--t-stop", value), "--t-stop")
    assert_fails(run_cli("run", base / "net" / "simulation_config.json", "--out", base / "run", "--t-stop", value),
                 "--t-stop")
    assert_intact(good)


def test_more_partitions_than_neurons(good):
    base, _ = good
    assert_fails(run_cli("build", TINY, "--out", base / "net", "--partitions", "1000"),
                 "partitions = 1000", "exceeds the number of neurons")
    assert_intact(good)


def test_more_ranks_than_partitions_stops_all_ranks(good):
    base, _ = good
    result = run_cli("run", base / "net" / "simulation_config.json", "--out", base / "run", ranks=3, timeout=120)
    assert_fails(result, "3 MPI ranks but only 2 partitions")
    assert_intact(good)


@pytest.mark.parametrize("delay, phrase", [("0.05", "shorter than dt"), ("0.25", "not a multiple of dt")])
def test_bad_delays(good, delay, phrase):
    base, _ = good
    assert_fails(run_cli("build", TINY, "--out", base / "net", "--", "--delay", delay), delay, phrase)
    assert_intact(good)


def test_one_step_delay_across_ranks_is_refused_on_every_rank(good, exact_net, tmp_path):
    check(run_cli("build", exact_net, "--out", tmp_path / "net", "--partitions", "2", "--", "--cross-dt"))
    result = run_cli("run", tmp_path / "net" / "simulation_config.json", ranks=2, timeout=120)
    assert_fails(result, "delay 0.1 ms = one time step", ">= 2 dt")


@pytest.mark.parametrize("mutate, phrase", [
    (lambda c: "{not json", "not valid JSON"),
    (lambda c: json.dumps({k: v for k, v in c.items() if k != "run"}), "field 'run'"),
    (lambda c: json.dumps({**c, "run": {**c["run"], "dt": "fast"}}), "field 'run.dt' = 'fast'"),
    (lambda c: json.dumps({**c, "cortexsim": {**c["cortexsim"], "colour": 1}}), "field 'cortexsim.colour'"),
    (lambda c: json.dumps({**c, "cortexsim": {**c["cortexsim"], "n_partitions": 0}}), "field 'cortexsim.n_partitions' = 0"),
])
def test_malformed_config(good, tmp_path, mutate, phrase):
    base, _ = good
    config = json.loads((base / "net" / "simulation_config.json").read_text())
    bad = tmp_path / "simulation_config.json"
    bad.write_text(mutate(config))
    (tmp_path / "network").symlink_to(base / "net" / "network")
    assert_fails(run_cli("run", bad, "--out", base / "run"), str(bad), phrase)
    assert_intact(good)


def test_missing_config_file(tmp_path):
    assert_fails(run_cli("run", tmp_path / "missing.json"), "missing.json", "no such file")
