"""``python -m cortexsim.analysis RUN_DIR [--out DIR] [--reference CSV] [--t-start MS]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import AnalysisInputError, analyze


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cortexsim.analysis", description=__doc__)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--reference", type=Path, default=None, help="reference rates CSV")
    ap.add_argument("--t-start", type=float, default=None, help="transient to skip (ms)")
    args = ap.parse_args(argv)
    try:
        stats = analyze(args.run_dir, args.out, args.reference, args.t_start)
    except AnalysisInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, p in stats["populations"].items():
        print(f"{name:>8s} rate {p['rate_hz']} Hz  CV {p['cv_isi']}  sync {p['synchrony']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
