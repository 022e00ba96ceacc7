# cortexsim workflow: build -> run -> analyze.  `snakemake --cores 2` runs the default (config.yaml).
import shutil
import sys
from pathlib import Path

configfile: "config.yaml"

MODEL = config["model"]
NAME = config.get("name") or Path(MODEL).stem
OUT = f"output/{NAME}"
RANKS = int(config["ranks"])
SCALE = "" if config.get("scale") in (None, "null") else f"--scale {config['scale']}"
MODEL_ARGS = f"-- {config['model_args']}" if config.get("model_args") else ""
# the MPI launcher installed with the Python environment (PyPI 'mpich'), else the one on PATH
MPIEXEC = config.get("mpiexec") or (
    str(Path(sys.executable).with_name("mpiexec")) if Path(sys.executable).with_name("mpiexec").exists()
    else (shutil.which("mpiexec") or "mpiexec"))
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
    params:
        out=f"{OUT}/network",
    shell:
        "{CORTEXSIM} build {input.model} --out {params.out} --partitions {RANKS} "
        "--partitioner {config[partitioner]} --seed {config[seed]} --t-stop {config[t_stop]} "
        "{SCALE} {MODEL_ARGS} 2> {log}"


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
    shell:
        "{MPIEXEC} -n {RANKS} {CORTEXSIM} run {input.config} --out {params.out} "
        "--threads {config[threads]} 2> {log}"


rule analyze:
    input:
        spikes=rules.run.output.spikes,
        stats=rules.run.output.stats,
    output:
        report=report(f"{OUT}/run/analysis/report.html", category="Report"),
        stats=f"{OUT}/run/analysis/stats.json",
        raster=report(f"{OUT}/run/analysis/raster.png", category="Figures"),
        rates=report(f"{OUT}/run/analysis/rates.png", category="Figures"),
    log:
        f"{OUT}/logs/analyze.log",
    params:
        run=f"{OUT}/run",
    shell:
        "{CORTEXSIM} analyze {params.run} 2> {log}"
