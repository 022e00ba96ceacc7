"""The `cortexsim` command: build, run, analyze (and a plain-NEST reference run for validation).

Errors in user input print one line naming the file, field and value and exit with status 2; under
MPI an error on any rank stops every rank at once.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import CortexsimError


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cortexsim", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="run a PyNN model script in build mode and write its SONATA network")
    b.add_argument("model", type=Path, help="model script, e.g. models/microcircuit.py")
    b.add_argument("--out", type=Path, required=True, help="build directory")
    b.add_argument("--partitions", type=int, help="number of partitions (default: the script's, else the ranks of this job)")
    b.add_argument("--partitioner", help="round_robin or blocks (default: the script's setup(), else round_robin)")
    b.add_argument("--seed", type=int, help="override the model's seed")
    b.add_argument("--scale", type=_positive_float, help="passed to the model script as --scale")
    b.add_argument("--t-stop", type=_positive_float, help="simulation time in ms (default: the script's run())")
    b.add_argument("--hardware", help="neuromorphic fabric profile stored with the network (YAML path or preset)")
    b.epilog = "Options after a lone -- are passed to the model script unchanged."

    r = sub.add_parser("run", help="simulate a built network (under mpiexec -n N for N ranks)")
    r.add_argument("config", type=Path, help="simulation_config.json written by `cortexsim build`")
    r.add_argument("--out", type=Path, help="output directory (default: output/ next to the config)")
    r.add_argument("--threads", type=int, default=1, help="NEST threads per rank")
    r.add_argument("--t-stop", type=_positive_float, help="override the simulation time (ms)")
    r.add_argument("--hardware", help="neuromorphic fabric profile: a YAML path or a preset in models/hardware/")
    r.add_argument("--acceleration", type=float, help="override the profile's acceleration factor")

    a = sub.add_parser("analyze", help="statistics, plots and an HTML report of a run")
    a.add_argument("run_dir", type=Path, help="directory holding spikes.h5 and run_stats.json")
    a.add_argument("--out", type=Path, help="report directory (default: RUN_DIR/analysis)")
    a.add_argument("--reference", type=Path, help="CSV of reference rates (default: the model's)")
    a.add_argument("--t-start", type=float, help="ignore spikes before this time (ms)")

    c = sub.add_parser("compare", help="compare analysed runs of one model on several fabrics (a sweep)")
    c.add_argument("runs", type=Path, nargs="+", help="run directories (each analysed)")
    c.add_argument("--out", type=Path, required=True, help="directory for comparison.png/.csv/.md/.html")
    c.add_argument("--baseline", default="ideal", help="profile name of the baseline run (default: ideal)")

    f = sub.add_parser("reference", help="run a built network in one plain pyNN.nest process (validation)")
    f.add_argument("config", type=Path, help="simulation_config.json written by `cortexsim build`")
    f.add_argument("--out", type=Path, required=True, help="output directory for spikes.h5")
    f.add_argument("--hardware", help="apply this fabric profile's latencies to the delays first")
    return parser


def _model_args(args: argparse.Namespace) -> list[str]:
    extra = list(getattr(args, "model_args", []))
    if args.scale is not None:
        extra = ["--scale", repr(args.scale)] + extra
    return extra


def dispatch(args: argparse.Namespace) -> None:
    from ..exchange.comm import world

    if args.command == "build":
        from ..build.builder import build
        if args.scale is not None and not args.scale > 0:
            raise CortexsimError(f"command line: --scale = {args.scale}: must be > 0")
        build(args.model, args.out, world(), args.partitions, args.partitioner, args.seed, args.t_stop,
              _model_args(args), args.hardware)
    elif args.command == "run":
        from ..engine.runner import run_network
        run_network(args.config, world(), args.out, args.threads, args.t_stop, args.hardware, args.acceleration)
    elif args.command == "analyze":
        from ..analysis import analyze
        if world().rank == 0:
            analyze(args.run_dir, args.out, args.reference, args.t_start)
    elif args.command == "compare":
        from ..analysis.sweep import compare_runs
        if world().rank == 0:
            compare_runs(args.runs, args.out, args.baseline)
    elif args.command == "reference":
        from ..validation.pynn_reference import run_reference
        run_reference(args.config, args.out, args.hardware)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    model_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, model_args = argv[:cut], argv[cut + 1:]
    args = make_parser().parse_args(argv)
    args.model_args = model_args
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="cortexsim %(levelname)s: %(message)s")
    try:
        dispatch(args)
    except (CortexsimError, ValueError, NotImplementedError, KeyError) as exc:
        _fail(exc, str(exc) if not isinstance(exc, KeyError) else f"missing key {exc}")
        return 2
    except Exception as exc:  # an unexpected failure on one rank must still stop all ranks
        _fail(exc, f"{type(exc).__name__}: {exc}")
        return 1
    return 0


def _fail(exc: BaseException, message: str) -> None:
    """Report the error; with several MPI ranks, stop them all now (the others may be waiting on us)."""
    import traceback

    rank = ""
    if "mpi4py" in sys.modules:
        from ..exchange.comm import world
        rank = f" (rank {world().rank})" if world().size > 1 else ""
    sys.stderr.write(f"cortexsim: error{rank}: {message}\n")
    if not isinstance(exc, (CortexsimError, ValueError, NotImplementedError, KeyError)):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    sys.stderr.flush()
    if "mpi4py" in sys.modules:
        from ..exchange.comm import world
        if world().size > 1:
            world().abort(2)


if __name__ == "__main__":
    sys.exit(main())
