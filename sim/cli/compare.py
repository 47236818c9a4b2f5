"""``outreach compare DIR...``: the command line of sim/report/compare.py.

    outreach compare multirun/2026-01-01/12-00-00            # a sweep folder
    outreach compare outputs/a outputs/b --out figs         # run folders
    outreach compare multirun/... --baseline 2              # differences from the third job
    outreach-compare results/flat_army/sweep --out results/flat_army
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import UserError
from sim.report.compare import compare


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="outreach compare",
        description="Compare run or sweep folders: figures (PNG and SVG) and a markdown table.")
    parser.add_argument("dirs", nargs="+", metavar="DIR", help="run or sweep folders")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write (default: DIR/compare for one DIR, else ./compare)")
    parser.add_argument("--baseline", default=None, metavar="LABEL|INDEX",
                        help="the entry the others are compared with: its label in the table, "
                             "or its index (0 = the first row); default: the first generic_blast "
                             "entry, else the first")
    args = parser.parse_args(argv)
    out = args.out or (Path(args.dirs[0]) / "compare" if len(args.dirs) == 1 else Path("compare"))
    try:
        written = compare(args.dirs, out, say=lambda m: print(m, file=sys.stderr),
                          baseline=args.baseline)
    except UserError as exc:
        print(f"outreach compare: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {out}:")
    for p in written:
        print(f"  {p}")
    return 0


def cli() -> None:
    raise SystemExit(main(sys.argv[1:]))
