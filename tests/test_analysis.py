"""Tests of cortexsim.analysis on synthetic run directories (fast, no simulator needed)."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from cortexsim.analysis import AnalysisInputError, analyze, default_t_start, load_reference
from cortexsim.analysis.readers import PopulationSpikes
from cortexsim.analysis.stats import cv_isi_per_cell, population_stats

T_STOP = 2000.0


# ---------------------------------------------------------------- synthetic inputs

def poisson_trains(rng, n_cells: int, rate_hz: float, t_stop: float = T_STOP):
    counts = rng.poisson(rate_hz * t_stop * 1e-3, n_cells)
    ids = np.repeat(np.arange(n_cells), counts)
    return rng.uniform(0.0, t_stop, ids.size), ids


def regular_trains(rng, n_cells: int, period_ms: float, t_stop: float = T_STOP):
    phase = rng.uniform(0.0, period_ms, n_cells)
    k = np.arange(int(t_stop / period_ms))
    times = (phase[:, None] + period_ms * k[None, :]).ravel()
    ids = np.repeat(np.arange(n_cells), k.size)
    keep = times < t_stop
    return times[keep], ids[keep]


def synchronous_trains(rng, n_cells: int, rate_hz: float, t_stop: float = T_STOP):
    """Every cell fires at the same (Poisson) event times, with 0.2 ms jitter."""
    events = np.sort(rng.uniform(0.0, t_stop, rng.poisson(rate_hz * t_stop * 1e-3)))
    times = np.clip(events[None, :] + rng.normal(0, 0.2, (n_cells, events.size)), 0, t_stop)
    ids = np.repeat(np.arange(n_cells), events.size)
    return times.ravel(), ids


def write_spikes(path: Path, pops: dict[str, tuple[np.ndarray, np.ndarray, int]]) -> None:
    with h5py.File(path, "w") as fh:
        for name, (times, ids, n_rec) in pops.items():
            order = np.lexsort((ids, times))
            g = fh.create_group(f"spikes/{name}")
            g.attrs["sorting"] = "by_time"
            g.attrs["n_recorded"] = n_rec
            g.create_dataset("timestamps", data=np.asarray(times, float)[order])
            g.create_dataset("node_ids", data=np.asarray(ids, np.uint64)[order])
            g.create_dataset("recorded_node_ids", data=np.arange(n_rec, dtype=np.uint64))


def write_run_stats(path: Path, pops: dict[str, int], **extra) -> None:
    stats = {
        "model": "synthetic", "t_stop_ms": T_STOP, "dt_ms": 0.1, "seed": 1,
        "n_ranks": 2, "n_partitions": 2, "threads_per_rank": 1,
        "populations": {k: {"size": n, "cell_type": "IF_curr_exp", "n_recorded": n}
                        for k, n in pops.items()},
        "reference_rates": None, "lookahead_ms": 1.4, "exchange_steps": 1428,
        "wall_time_s": {"build": 0.5, "connect": 1.0, "simulate": 4.0, "exchange": 0.7,
                        "inject": 0.2, "total": 6.4},
        "rtf": 3.2,
        "spikes": {"sent": [[10, 5], [7, 12]], "received": [[10, 5], [7, 12]],
                   "conserved": True},
        "ranks": [{"rank": r, "wall_time_s": {"simulate": 4.0}, "n_local_cells": 150,
                   "n_proxies": 40, "n_local_edges": 1000} for r in range(2)],
    }
    stats.update(extra)
    path.write_text(json.dumps(stats))


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    rng = np.random.default_rng(42)
    pops = {"POIS": (*poisson_trains(rng, 300, 10.0), 300),
            "REG": (*regular_trains(rng, 100, 50.0), 100),
            "SYNC": (*synchronous_trains(rng, 100, 5.0), 100)}
    write_spikes(tmp_path / "spikes.h5", pops)
    write_run_stats(tmp_path / "run_stats.json", {k: v[2] for k, v in pops.items()})
    return tmp_path


# ---------------------------------------------------------------- statistics

def test_statistics_of_known_processes(run_dir: Path) -> None:
    stats = analyze(run_dir)
    p = stats["populations"]
    assert stats["window_ms"] == [100.0, T_STOP]
    assert p["POIS"]["rate_hz"] == pytest.approx(10.0, rel=0.05)
    assert p["REG"]["rate_hz"] == pytest.approx(20.0, rel=0.02)
    assert p["POIS"]["cv_isi"] == pytest.approx(1.0, abs=0.1)
    assert p["REG"]["cv_isi"] < 0.01
    assert p["POIS"]["synchrony"] == pytest.approx(1.0, abs=0.2)
    assert p["SYNC"]["synchrony"] > 20 * p["POIS"]["synchrony"]
    assert p["SYNC"]["pairwise_corr"] > 0.9
    assert abs(p["POIS"]["pairwise_corr"]) < 0.05
    assert p["POIS"]["cv_isi_n_cells"] == 300
    assert p["POIS"]["size"] == 300 and p["POIS"]["n_recorded"] == 300


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cv_matches_elephant() -> None:
    import quantities as pq
    from elephant.statistics import cv, isi
    import neo

    rng = np.random.default_rng(3)
    times, ids = poisson_trains(rng, 20, 8.0)
    ours = cv_isi_per_cell(times, ids, 20, min_spikes=3)
    for cell in range(20):
        t = np.sort(times[ids == cell])
        if t.size < 3:
            assert np.isnan(ours[cell])
            continue
        train = neo.SpikeTrain(t * pq.ms, t_stop=T_STOP * pq.ms)
        assert ours[cell] == pytest.approx(cv(isi(train)), rel=1e-9)


def test_cv_nan_without_enough_spikes_and_transient_excluded() -> None:
    # two spikes per cell after the transient -> no CV; a burst inside the transient is ignored
    times = np.array([10.0, 20.0, 30.0, 500.0, 900.0, 600.0, 950.0])
    ids = np.array([0, 0, 0, 0, 0, 1, 1])
    pop = PopulationSpikes("X", times, ids, np.arange(4))
    s = population_stats(pop, default_t_start(1000.0), 1000.0)
    assert np.isnan(s["cv_isi"]) and s["cv_isi_n_cells"] == 0
    assert s["n_spikes"] == 4
    assert s["rate_hz"] == pytest.approx(4 / (4 * 0.9))
    assert s["fraction_silent"] == pytest.approx(0.5)


def test_default_t_start() -> None:
    assert default_t_start(1000.0) == 100.0
    assert default_t_start(300.0) == 0.0


def test_explicit_t_start(run_dir: Path) -> None:
    stats = analyze(run_dir, t_start_ms=0.0)
    assert stats["window_ms"] == [0.0, T_STOP]
    with pytest.raises(ValueError, match="window"):
        analyze(run_dir, t_start_ms=T_STOP)


# ---------------------------------------------------------------- outputs

def test_outputs_written_and_report_has_table(run_dir: Path) -> None:
    stats = analyze(run_dir)
    out = run_dir / "analysis"
    for name in ("stats.json", "raster.png", "rates.png", "cv_sync.png", "report.html"):
        assert (out / name).stat().st_size > 0, name
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]
    assert json.loads((out / "stats.json").read_text()) == stats
    html = (out / "report.html").read_text()
    assert "<table>" in html and "CV ISI" in html and "synchrony" in html
    for pop in ("POIS", "REG", "SYNC"):
        assert f"<td class=l>{pop}</td>" in html
    for fig in ("raster.png", "rates.png", "cv_sync.png"):
        assert f"src='{fig}'" in html
    assert "exchange steps" in html and "1428" in html
    assert stats["run"]["spikes_sent_total"] == 34
    assert stats["run"]["spikes_conserved_checked"] is True
    assert "<span class='bad'>NO</span>" not in html


def test_custom_out_dir_and_nonconserved_spikes(tmp_path: Path, run_dir: Path) -> None:
    stats_path = run_dir / "run_stats.json"
    data = json.loads(stats_path.read_text())
    data["spikes"]["received"] = [[10, 4], [7, 12]]
    stats_path.write_text(json.dumps(data))
    out = tmp_path / "elsewhere"
    stats = analyze(run_dir, out_dir=out)
    assert stats["run"]["spikes_conserved_checked"] is False
    assert "<span class='bad'>NO</span>" in (out / "report.html").read_text()


def test_packaged_pd14_reference(tmp_path: Path) -> None:
    ref = load_reference("pd14")
    assert ref.rate("nest_full_scale_single_run", "L23E") == pytest.approx(0.903)
    assert ref.rate("paper_excitatory_only", "L2/3i") is None
    assert ref.rate("netpyne_10pct", "L2/3e") == pytest.approx(0.75)
    assert ref.scale["nest_reference_data_10pct_N_and_K"] == pytest.approx(0.1)
    assert any("Potjans" in c for c in ref.comments)
    assert load_reference("brunel2000").rate("mean_field_Vr_10mV", "exc") == pytest.approx(37.9)

    rng = np.random.default_rng(0)
    write_spikes(tmp_path / "spikes.h5", {"L23E": (*poisson_trains(rng, 200, 1.8), 200)})
    write_run_stats(tmp_path / "run_stats.json", {"L23E": 200}, reference_rates="pd14")
    stats = analyze(tmp_path)
    ref_entry = stats["populations"]["L23E"]["reference"]["nest_full_scale_single_run"]
    assert ref_entry["rate_hz"] == pytest.approx(0.903)
    rate = stats["populations"]["L23E"]["rate_hz"]
    assert ref_entry["deviation"] == pytest.approx((rate - 0.903) / 0.903)
    assert "nest_full_scale_single_run (Hz, dev)" in (tmp_path / "analysis/report.html").read_text()


def test_reference_csv_argument(run_dir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "ref.csv"
    csv.write_text("# my citation\nsource,POIS,SYNC\nmine,8.0,\n")
    stats = analyze(run_dir, reference_csv=csv)
    assert stats["reference"]["sources"] == ["mine"]
    assert stats["populations"]["POIS"]["reference"]["mine"]["deviation"] == pytest.approx(
        (stats["populations"]["POIS"]["rate_hz"] - 8.0) / 8.0)
    assert stats["populations"]["SYNC"]["reference"]["mine"]["rate_hz"] is None


# ---------------------------------------------------------------- errors

def test_missing_spikes_file(run_dir: Path) -> None:
    (run_dir / "spikes.h5").unlink()
    with pytest.raises(AnalysisInputError, match=r"spikes\.h5.*not found"):
        analyze(run_dir)


def test_malformed_spikes_file(run_dir: Path) -> None:
    with h5py.File(run_dir / "spikes.h5", "a") as fh:
        del fh["spikes/REG/node_ids"]
    with pytest.raises(AnalysisInputError, match=r"spikes\.h5.*/spikes/REG/node_ids"):
        analyze(run_dir)


def test_not_hdf5(run_dir: Path) -> None:
    (run_dir / "spikes.h5").write_text("garbage")
    with pytest.raises(AnalysisInputError, match=r"spikes\.h5.*HDF5"):
        analyze(run_dir)


def test_spike_from_unrecorded_cell(run_dir: Path) -> None:
    with h5py.File(run_dir / "spikes.h5", "a") as fh:
        ids = fh["spikes/REG/node_ids"]
        ids[0] = 5000
    with pytest.raises(AnalysisInputError, match="recorded_node_ids"):
        analyze(run_dir)


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("t_stop_ms"), "t_stop_ms"),
    (lambda d: d.update(t_stop_ms="long"), "t_stop_ms"),
    (lambda d: d.update(populations=[1, 2]), "populations"),
    (lambda d: d["populations"]["REG"].update(n_recorded=7), "populations.REG.n_recorded"),
    (lambda d: d["wall_time_s"].update(total="x"), "wall_time_s.total"),
    (lambda d: d["spikes"].update(sent="x"), "spikes.sent"),
    (lambda d: d.update(reference_rates="nonexistent"), "reference_rates"),
])
def test_malformed_run_stats(run_dir: Path, mutate, field: str) -> None:
    path = run_dir / "run_stats.json"
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    with pytest.raises(AnalysisInputError) as err:
        analyze(run_dir)
    assert "run_stats.json" in str(err.value) and field in str(err.value)


def test_run_stats_not_json(run_dir: Path) -> None:
    (run_dir / "run_stats.json").write_text("{not json")
    with pytest.raises(AnalysisInputError, match=r"run_stats\.json.*JSON"):
        analyze(run_dir)
