"""Every benchmark with its stated target, in one run on this machine: a row per figure, PASS/FAIL.

Run ``python -m bench`` (or ``python bench/run.py``); ``--only ack,paths,burst,memory,exec`` runs a
part. Exits 0 only when every row passes; a row for something not built yet (streams) is not a pass.
Each part starts its own processes on 127.0.0.1 and removes its temporary files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Row, have_wrk

PARTS = ("ack", "paths", "burst", "memory", "exec")


def part(name: str) -> list[Row]:
    if name == "ack":
        from bench.ack_load import ack_rows
        return ack_rows()
    if name == "paths":
        from bench.paths import path_rows
        return path_rows()
    if name == "burst":
        from bench.burst import burst_rows
        return burst_rows()
    if name == "memory":
        from bench.memory import memory_rows
        return memory_rows()
    from bench.ack_load import ack_and_execution_rows
    return ack_and_execution_rows()


USAGE = f"usage: python -m bench [--only {','.join(PARTS)}]"
HELP = ("-h", "--help")


def chosen_parts(argv: list[str]) -> tuple[str, ...] | str:
    """The parts to run, or why the arguments cannot be run (the usage for ``--help``)."""
    if not argv:
        return PARTS
    if argv[0] in HELP:
        return f"{USAGE}\n{__doc__}"
    if argv[0] != "--only" or len(argv) != 2:
        return f"{USAGE}\nnot understood: {' '.join(argv)}"
    names = tuple(name for name in argv[1].split(",") if name)
    unknown = [name for name in names if name not in PARTS]
    if unknown or not names:
        return f"{USAGE}\nno such part: {', '.join(unknown) or '(none given)'}"
    return names


def main(argv: list[str]) -> int:
    chosen = chosen_parts(argv)
    if isinstance(chosen, str):  # asked for help, or nothing to run: no part starts
        print(chosen)
        return 0 if argv[0] in HELP else 2  # a text comes back only for arguments given
    print(f"load generator: {'wrk' if have_wrk() else 'python (install wrk: apt-get install -y wrk)'}")
    rows: list[Row] = []
    for name in chosen:
        started = time.monotonic()
        try:
            found = part(name)
        except Exception as exc:  # one broken part must not hide the others' figures
            found = [Row(name, f"error: {type(exc).__name__}: {exc}", "runs", "FAIL")]
        rows.extend(found)
        for row in found:
            print(f"{row.status:9} {row.name}\n          {row.figure}   target {row.target}", flush=True)
        print(f"          ({name}: {time.monotonic() - started:.0f} s)", flush=True)
    failed = [row for row in rows if row.status != "PASS"]
    print(f"\n{len(rows) - len(failed)}/{len(rows)} rows pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
