"""Time tracker's everyday commands as whole processes, beside floors measured in the same run.

Floors: `python -c pass` (interpreter start), reading every data file's bytes (the TOML files
and their archived .txt copies), and reading and parsing every TOML file with the fastest TOML
parser available. The second also brings every data file into the page cache, so the commands
find them all as warm as the parse floor finds the TOML files. Each command is timed cold (no
load cache) and warm (cache filled), best of N runs, with its peak resident memory: "RSS MB"
the largest of the command and its worker processes (a forked worker counts the pages it
shares with the command), "own MB" the command's own. The table shows seconds and ratios to
the floors; "x parse" divides by the parse floor measured beside the command (the best of a
floor run before each of its runs), as the host's speed may drift during a long run.
tracker's modules are byte-compiled first, as an install does. The workbench's as-of change, a
keystroke rather than a process, is timed inside the app by bench/tui.py (the median of five
changes).

    python bench/generate.py 10000 /tmp/bench-10k
    python bench/run.py /tmp/bench-10k
    python bench/run.py /tmp/bench-10k --only status,check --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TODAY = "2033-01-01"  # the generated data runs to the end of 2032

# Every data file: the TOML files and the archived .txt copies beside them, which `check`
# reads too (hidden folders, such as the cache, are not data).
READ_FLOOR = """
import os, sys
total = 0
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith('.')]
    for name in files:
        if name.endswith(('.toml', '.txt')):
            with open(os.path.join(folder, name), 'rb') as f:
                total += len(f.read())
"""

PARSE_FLOOR = """
import os, sys
try:
    import tomli as toml
except ImportError:
    import tomllib as toml
for folder, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith('.toml'):
            with open(os.path.join(folder, name), 'rb') as f:
                toml.loads(f.read().decode())
"""


OWN_RSS: dict[tuple[str, ...], float] = {}  # a command's own peak, without its workers


@dataclass
class Timing:
    name: str
    seconds: float
    rss_mb: float
    note: str = ""


def measure(
    argv: list[str], cwd: Path, env: dict[str, str], repeat: int
) -> tuple[float, float, str]:
    """Best wall time of `repeat` runs, and the peak RSS (MB) of the runs."""
    best = float("inf")
    peak = own = 0.0
    output = ""
    rss_file = Path(tempfile.mkstemp(prefix="bench-rss-")[1])
    env = {**env, "BENCH_RSS_FILE": str(rss_file)}
    for _ in range(repeat):
        # Output to a file, not a pipe: a full pipe would stall a child that nobody reads
        # while wait4 waits for it.
        with tempfile.TemporaryFile() as sink:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            sink.seek(0)
            output = sink.read().decode(errors="replace")
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{output[-2000:]}")
        best = min(best, elapsed)
        peak = max(peak, usage.ru_maxrss / 1024)
        text = rss_file.read_text().strip()
        own = max(own, int(text) / 1024 if text else 0.0)
    rss_file.unlink(missing_ok=True)
    OWN_RSS[tuple(argv)] = own
    return best, peak, output


def measure_beside(
    argv: list[str], floor: list[str], cwd: Path, env: dict[str, str], repeat: int
) -> tuple[float, float, str, float]:
    """`measure(argv)`, each run right after a run of the parse floor: on a machine whose
    speed drifts (a shared host), a ratio to a floor measured minutes earlier drifts with it.
    Returns the command's best time, peak RSS and output, and the floor's best beside it."""
    best = best_floor = float("inf")
    peak = 0.0
    output = ""
    own = 0.0
    for _ in range(repeat):
        best_floor = min(best_floor, measure(floor, cwd, env, 1)[0])
        seconds, rss, output = measure(argv, cwd, env, 1)
        best, peak = min(best, seconds), max(peak, rss)
        own = max(own, OWN_RSS.get(tuple(argv), 0.0))
    OWN_RSS[tuple(argv)] = own
    return best, peak, output, best_floor


def _own(argv: list[str]) -> str:
    own = OWN_RSS.get(tuple(argv), 0.0)
    return f"{own:.0f}" if own else "-"


def tracker(*args: str) -> list[str]:
    return [sys.executable, str(HERE / "own_rss.py"), *args]


def first_ids(root: Path) -> tuple[str, str]:
    import tomllib

    nodes = tomllib.loads((root / "recommendations.toml").read_text("utf-8"))["node"]
    parents = {n.get("parent") for n in nodes}
    rec = next(n["id"] for n in nodes if n["kind"] == "recommendation" and n["id"] in parents)
    return rec, next(n["id"] for n in nodes if n.get("parent") == rec)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path, help="a project made by bench/generate.py")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="comma-separated names of the timings to run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    root = args.root.resolve()
    env = {**os.environ, "TRACKER_TODAY": TODAY, "NO_COLOR": "1", "COLUMNS": "120"}
    # tracker's modules compiled once, as `pip install` does: with an editable install and
    # PYTHONDONTWRITEBYTECODE set, every run would otherwise compile them anew (~65 ms).
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("tracker")
    if spec is not None and spec.origin:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)
    rec, measure_id = first_ids(root)
    article = next((HERE.parent.parent / "shared" / "dev-articles").glob("008-*.txt"), None)
    article = article or HERE / "README.md"
    count = sum(1 for _ in (root / "evidence").rglob("*.toml"))

    floors = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "read every file": [sys.executable, "-c", READ_FLOOR, str(root)],
        "read+parse every file": [sys.executable, "-c", PARSE_FLOOR, str(root)],
    }
    commands = {
        "--help": (tracker("--help"), False),
        "check": (tracker("check", "-q"), True),
        "status": (tracker("status"), True),
        "explain": (tracker("explain", rec), True),
        "history": (
            tracker(
                "history",
                measure_id,
                "--step",
                "month",
                "--from",
                "2023-01-01",
                "--to",
                "2032-12-31",
            ),
            True,
        ),
        "changes": (tracker("changes", "--since", "2032-01-01"), True),
        "suggest": (tracker("suggest", str(article)), True),
        "tui start-up": ([sys.executable, str(HERE / "tui.py"), str(root), "--ready-only"], True),
    }
    wanted = set(args.only.split(",")) if args.only else None
    results: list[dict] = []

    print(f"{count} evidence files in {root}; best of {args.repeat} runs\n")
    floor_times: dict[str, float] = {}
    for name, argv in floors.items():
        seconds, rss, _ = measure(argv, root, env, args.repeat)
        floor_times[name] = seconds
        results.append({"name": name, "kind": "floor", "seconds": seconds, "rss_mb": rss})
    start_floor = floor_times["python -c pass"]
    parse_floor = floor_times["read+parse every file"]

    header = f"{'what':<26}{'seconds':>9}{'x start':>9}{'x parse':>9}{'RSS MB':>9}{'own MB':>9}"
    print(header)
    print("-" * len(header))
    for row in results:
        print(
            f"{row['name']:<26}{row['seconds']:>9.3f}{row['seconds'] / start_floor:>9.1f}"
            f"{row['seconds'] / parse_floor:>9.2f}{row['rss_mb']:>9.0f}{'-':>9}"
        )
    for name, (argv, uses_data) in commands.items():
        if wanted and name not in wanted:
            continue
        modes = ["cold", "warm"] if uses_data else [""]
        for mode in modes:
            run_argv = list(argv)
            if mode == "cold":
                shutil.rmtree(root / ".tracker-cache", ignore_errors=True)
                if run_argv[1] == str(HERE / "own_rss.py"):
                    run_argv.insert(3, "--no-cache")
                else:
                    run_argv.append("--no-cache")
            try:
                if mode == "warm":
                    measure(argv, root, env, 1)  # fill the cache
                seconds, rss, output, beside = measure_beside(
                    run_argv, floors["read+parse every file"], root, env, args.repeat
                )
            except SystemExit as err:  # a failing command is reported; the others still run
                print(f"{name} {mode}: {err}")
                continue
            parse_here = beside
            label = f"{name} {mode}".strip()
            extra = ""
            if name == "tui start-up":
                extra = "  " + output.strip().splitlines()[-1] if output.strip() else ""
            results.append(
                {
                    "name": label,
                    "kind": "command",
                    "seconds": seconds,
                    "rss_mb": rss,
                    "own_rss_mb": OWN_RSS.get(tuple(run_argv), 0.0),
                    "parse_floor_beside": beside,
                    "probe": extra.strip(),
                }
            )
            print(
                f"{label:<26}{seconds:>9.3f}{seconds / start_floor:>9.1f}"
                f"{seconds / parse_here:>9.2f}{rss:>9.0f}{_own(run_argv):>9}{extra}"
            )
    if not wanted or "tui as-of change" in wanted:
        # An as-of change is a keystroke, not a process: bench/tui.py times it in the app
        # (median of five changes, until the new scores are on screen).
        argv = [sys.executable, str(HERE / "tui.py"), str(root)]
        try:
            _, rss, output = measure(argv, root, env, 1)
        except SystemExit as err:
            print(f"tui as-of change: {err}")
        else:
            line = next(x for x in output.splitlines() if x.startswith("as-of change, scores"))
            seconds = float(line.split("median ")[1].split(" ms")[0]) / 1000
            results.append(
                {"name": "tui as-of change", "kind": "command", "seconds": seconds, "rss_mb": rss}
            )
            print(
                f"{'tui as-of change':<26}{seconds:>9.3f}{seconds / start_floor:>9.1f}"
                f"{seconds / parse_floor:>9.2f}{rss:>9.0f}{'-':>9}  in-app: {line.strip()}"
            )
    if args.json:
        args.json.write_text(json.dumps({"files": count, "results": results}, indent=2))


if __name__ == "__main__":
    main()
