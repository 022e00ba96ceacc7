# cortexsim workflow: build -> run -> analyze.  `snakemake --cores 2` runs the default (config.yaml).
import sys
from pathlib import Path

configfile: "config.yaml"

MODEL = config["model"]
NAME = config.get("name") or Path(MODEL).stem
OUT = f"output/{NAME}"
RANKS = int(config["ranks"])
if RANKS < 1:
    raise ValueError(f"config.yaml: field 'ranks' = {RANKS}: must be >= 1")
SCALE = "" if config.get("scale") in (None, "null") else f"--scale {config['scale']}"
MODEL_ARGS = f"-- {config['model_args']}" if config.get("model_args") else ""
# the MPI launcher installed with the Python environment (PyPI 'mpich'), else the one on PATH
from cortexsim.workflow.launcher import mpi_launcher

MPIEXEC = config.get("mpiexec") or mpi_launcher()
CORTEXSIM = f"{sys.executable} -m cortexsim"


rule all:
    input:
        f"{OUT}/run/analysis/report.html",


rule build:
    input:
        model=MODEL,
    output:
        config=f"{OUT}/network/simulation_config.json",
    log:
        f"{OUT}/logs/build.log",
    params:  # every setting as a parameter, so that changing it re-runs the rule
        out=f"{OUT}/network",
        partitions=RANKS,
        partitioner=config["partitioner"],
        seed=config["seed"],
        t_stop=config["t_stop"],
        scale=SCALE,
        model_args=MODEL_ARGS,
    shell:
        "{CORTEXSIM} build {input.model} --out {params.out} --partitions {params.partitions} "
        "--partitioner {params.partitioner} --seed {params.seed} --t-stop {params.t_stop} "
        "{params.scale} {params.model_args} 2> {log}"


rule run:
    input:
        config=rules.build.output.config,
    output:
        spikes=f"{OUT}/run/spikes.h5",
        stats=f"{OUT}/run/run_stats.json",
    log:
        f"{OUT}/logs/run.log",
    threads: RANKS * int(config["threads"])
    params:
        out=f"{OUT}/run",
        ranks=RANKS,
        threads_per_rank=config["threads"],
        hardware=f"--hardware {config['hardware']}" if config.get("hardware") else "",
    shell:
        "{MPIEXEC} -n {params.ranks} {CORTEXSIM} run {input.config} --out {params.out} "
        "--threads {params.threads_per_rank} {params.hardware} 2> {log}"


rule analyze:
    input:
        spikes=rules.run.output.spikes,
        stats=rules.run.output.stats,
    output:
        report=report(f"{OUT}/run/analysis/report.html", category="Report"),
        stats=f"{OUT}/run/analysis/stats.json",
        raster=report(f"{OUT}/run/analysis/raster.png", category="Figures"),
        rates=report(f"{OUT}/run/analysis/rates.png", category="Figures"),
        cv_sync=report(f"{OUT}/run/analysis/cv_sync.png", category="Figures"),
    log:
        f"{OUT}/logs/analyze.log",
    params:
        run=f"{OUT}/run",
    shell:
        "{CORTEXSIM} analyze {params.run} 2> {log}"


# ---------------------------------------------------------------------------------------- sweep
SWEEP = config["sweep"]
SW = "output/sweep"
SWEEP_CASES = {"ideal": ("ideal", None)}
SWEEP_CASES.update({f"{p}_x{a:g}": (p, a) for p in SWEEP["profiles"] for a in map(float, SWEEP["accelerations"])})
SWEEP_ARGS = f"-- {SWEEP['model_args']}" if SWEEP.get("model_args") else ""


rule sweep:
    input:
        f"{SW}/comparison.png",
        f"{SW}/comparison.md",


rule sweep_build:
    input:
        model=SWEEP["model"],
    output:
        config=f"{SW}/network/simulation_config.json",
    log:
        f"{SW}/logs/build.log",
    shell:
        "{CORTEXSIM} build {input.model} --out {SW}/network --partitions {SWEEP[partitions]} "
        "--scale {SWEEP[scale]} --t-stop {SWEEP[t_stop]} --seed {config[seed]} {SWEEP_ARGS} 2> {log}"


rule sweep_run:
    input:
        config=rules.sweep_build.output.config,
    output:
        spikes=f"{SW}/runs/{{case}}/spikes.h5",
        stats=f"{SW}/runs/{{case}}/run_stats.json",
    log:
        f"{SW}/logs/run_{{case}}.log",
    threads: int(SWEEP["ranks"])
    params:
        hardware=lambda w: SWEEP_CASES[w.case][0],
        acceleration=lambda w: "" if SWEEP_CASES[w.case][1] is None else f"--acceleration {SWEEP_CASES[w.case][1]:g}",
    shell:
        "{MPIEXEC} -n {SWEEP[ranks]} {CORTEXSIM} run {input.config} --out {SW}/runs/{wildcards.case} "
        "--hardware {params.hardware} {params.acceleration} 2> {log}"


rule sweep_analyze:
    input:
        stats=f"{SW}/runs/{{case}}/run_stats.json",
    output:
        f"{SW}/runs/{{case}}/analysis/stats.json",
    log:
        f"{SW}/logs/analyze_{{case}}.log",
    shell:
        "{CORTEXSIM} analyze {SW}/runs/{wildcards.case} 2> {log}"


rule sweep_compare:
    input:
        expand(f"{SW}/runs/{{case}}/analysis/stats.json", case=list(SWEEP_CASES)),
    output:
        figure=report(f"{SW}/comparison.png", category="Sweep"),
        table=f"{SW}/comparison.md",
    log:
        f"{SW}/logs/compare.log",
    params:
        runs=" ".join(f"{SW}/runs/{case}" for case in SWEEP_CASES),
    shell:
        "{CORTEXSIM} compare {params.runs} --out {SW} 2> {log}"
