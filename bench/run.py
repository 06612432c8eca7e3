"""Time tracker's commands as whole processes, beside floors measured in the same run.

Floors: `python -c pass` (interpreter start), reading every data file's bytes, and reading and
parsing every TOML file with the fastest parser at hand, in one process and in as many
processes as tracker's loader uses (the fair floor for a load that uses them). Each command is
timed as users meet it:

- first: the real first run after a clone, the one that fills the cache (cache emptied);
- no-cache: `--no-cache`, every file read, nothing written;
- warm: nothing changed since the last run;
- after touching, editing or adding one file, and after a pull that changed 1,000 files.

Every figure is the median of `--repeat` runs, with the peak resident memory of the command
itself ("own MB") and of it with its worker processes ("RSS MB"). "x floor" divides by the
parse floor on tracker's processes measured beside the command (the host's speed drifts);
"x warm" divides a run after a change by the warm run measured beside it.

The commands run against a working copy of the data (changed by the scenarios), with the
cache in a folder of the bench's own; `--tracker DIR` times another checkout of tracker (for
a before-and-after in the same conditions).

    python bench/generate.py 10000 /tmp/b-10k
    python bench/run.py /tmp/b-10k
    python bench/run.py /tmp/b-100k --repeat 3 --only status,check
    python bench/run.py /tmp/b-10k --tracker /path/to/older/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TODAY = "2033-01-01"  # the generated data runs to the end of 2032

READ_FLOOR = """
import os, sys
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith('.')]
    for name in files:
        if name.endswith(('.toml', '.txt')):
            with open(os.path.join(folder, name), 'rb') as f:
                f.read()
"""

PARSE_FLOOR = """
import os, sys
try:
    import tomli as toml
except ImportError:
    import tomllib as toml

def parse(paths):
    for path in paths:
        with open(path, 'rb') as f:
            toml.loads(f.read().decode())
    return len(paths)

paths = [os.path.join(d, n) for d, _, fs in os.walk(sys.argv[1]) for n in fs if n.endswith('.toml')]
workers = int(sys.argv[2])
if workers <= 1:
    parse(paths)
else:
    import multiprocessing
    size = max(1, len(paths) // (workers * 8))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    with multiprocessing.get_context('fork').Pool(workers) as pool:
        sum(pool.map(parse, chunks))
"""


@dataclass
class Row:
    name: str
    seconds: float
    rss_mb: float = 0.0
    own_mb: float = 0.0
    floor: float = 0.0  # the parse floor on tracker's processes, beside it
    warm: float = 0.0  # the warm run beside it, for runs after a change
    runs: list[float] = field(default_factory=list)


def workers() -> int:
    try:
        return min(len(os.sched_getaffinity(0)), 8)
    except AttributeError:
        return min(os.cpu_count() or 1, 8)


class Bench:
    def __init__(self, data: Path, tracker: Path, repeat: int) -> None:
        self.repeat = repeat
        self.scratch = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
        self.work = self.scratch / "data"
        print(f"copying {data} to {self.work} …", file=sys.stderr)
        shutil.copytree(data, self.work, ignore=shutil.ignore_patterns(".tracker-cache"))
        self.cache = self.scratch / "cache"
        self.env = {
            **os.environ,
            "TRACKER_TODAY": TODAY,
            "TRACKER_CACHE_DIR": str(self.cache),
            "TRACKER_STATE_DIR": str(self.scratch / "state"),
            "PYTHONPATH": str(tracker),
            "PYTHONDONTWRITEBYTECODE": "",
        }
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(tracker / "tracker")],
            check=False,
            env=self.env,
        )
        self.tracker_cmd = [sys.executable, str(HERE / "own_rss.py")]
        self.rows: list[Row] = []
        self._serial = 0

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    # --- running ------------------------------------------------------------------------------

    def run(self, argv: list[str]) -> tuple[float, float, float, str]:
        """One run: wall seconds, peak RSS with workers, own peak RSS (MB), output."""
        rss_file = self.scratch / "rss"
        rss_file.write_text("")
        env = {**self.env, "BENCH_RSS_FILE": str(rss_file)}
        with tempfile.TemporaryFile() as sink:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, cwd=self.work, env=env, stdout=sink, stderr=sink)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            sink.seek(0)
            output = sink.read().decode(errors="replace")
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{output[-2000:]}")
        text = rss_file.read_text().strip()
        own = int(text) / 1024 if text else usage.ru_maxrss / 1024
        return elapsed, usage.ru_maxrss / 1024, own, output

    def tracker(self, *args: str) -> list[str]:
        return [*self.tracker_cmd, *args]

    def floor(self) -> float:
        return self.run([sys.executable, "-c", PARSE_FLOOR, str(self.work), str(workers())])[0]

    def clear_cache(self) -> None:
        shutil.rmtree(self.cache, ignore_errors=True)
        shutil.rmtree(self.work / ".tracker-cache", ignore_errors=True)

    def record(self, row: Row) -> None:
        self.rows.append(row)
        extra = f"  x floor {row.seconds / row.floor:.2f}" if row.floor else ""
        if row.warm:
            extra += f"  x warm {row.seconds / row.warm:.2f}"
        print(
            f"  {row.name:<34} {row.seconds:7.3f} s  {row.own_mb:6.0f} MB{extra}", file=sys.stderr
        )

    def timed(self, name: str, argv: list[str], *, before=None, beside_warm: bool = False):
        """The median of `repeat` runs of `argv`, each after `before()` (a scenario's change)
        and beside a parse floor (and a warm run, for runs after a change)."""
        times, floors, warms, rss, own = [], [], [], 0.0, 0.0
        for _ in range(self.repeat):
            floors.append(self.floor())
            if beside_warm:
                self.run(argv)  # settle
                warms.append(self.run(argv)[0])
            if before is not None:
                before()
            seconds, peak, mine, _ = self.run(argv)
            times.append(seconds)
            rss, own = max(rss, peak), max(own, mine)
        self.record(
            Row(
                name,
                statistics.median(times),
                rss,
                own,
                statistics.median(floors),
                statistics.median(warms) if warms else 0.0,
                times,
            )
        )

    # --- scenarios ----------------------------------------------------------------------------

    def files(self) -> list[Path]:
        return sorted((self.work / "evidence").glob("*/*.toml"))

    def touch_one(self) -> None:
        self._serial += 1
        target = self.files()[self._serial * 7919 % len(self.files())]
        now = time.time() - 10  # outside the racy window, as an edit minutes ago is
        os.utime(target, (now, now))

    def edit(self, count: int) -> None:
        """Change the first impact of `count` files, as a pull of colleagues' edits does."""
        import re

        files = self.files()
        self._serial += 1
        old = time.time() - 10
        for k in range(count):
            target = files[(self._serial * 104729 + k * 7919) % len(files)]
            text = target.read_text("utf-8")
            found = re.search(r"^impact = (-?\d)$", text, re.M)
            if found:
                value = int(found.group(1))
                text = (
                    text[: found.start(1)]
                    + str(value + 1 if value < 5 else value - 1)
                    + text[found.end(1) :]
                )
                target.write_text(text, "utf-8")
            os.utime(target, (old, old))

    def add_one(self) -> None:
        files = self.files()
        self._serial += 1
        source = files[self._serial * 31 % len(files)]
        text = source.read_text("utf-8")
        old_id = source.stem
        new_id = f"{old_id[:60]}-bench{self._serial}"
        target = source.with_name(f"{new_id}.toml")
        target.write_text(text.replace(f'id = "{old_id}"', f'id = "{new_id}"', 1), "utf-8")
        old = time.time() - 10
        os.utime(target, (old, old))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated: check,status,explain,...")
    parser.add_argument("--tracker", type=Path, default=REPO, help="the checkout to time")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))

    def wanted(name: str) -> bool:
        return not only or name in only

    bench = Bench(args.data.resolve(), args.tracker.resolve(), args.repeat)
    count = len(bench.files())
    print(
        f"{count} evidence files; tracker from {args.tracker}; median of {args.repeat}; "
        f"{workers()} processes",
        file=sys.stderr,
    )
    try:
        start = [bench.run([sys.executable, "-c", "pass"])[0] for _ in range(args.repeat)]
        bench.record(Row("python -c pass", statistics.median(start)))
        reads = [
            bench.run([sys.executable, "-c", READ_FLOOR, str(bench.work)])[0]
            for _ in range(args.repeat)
        ]
        bench.record(Row("read every file", statistics.median(reads)))
        one = [
            bench.run([sys.executable, "-c", PARSE_FLOOR, str(bench.work), "1"])[0]
            for _ in range(args.repeat)
        ]
        bench.record(Row("read+parse, 1 process", statistics.median(one)))
        many = [bench.floor() for _ in range(args.repeat)]
        bench.record(Row(f"read+parse, {workers()} processes", statistics.median(many)))
        bench.timed("--help", bench.tracker("--help"))
        if wanted("check"):
            bench.timed("check first run", bench.tracker("check", "-q"), before=bench.clear_cache)
            bench.timed("check warm", bench.tracker("check", "-q"))
            bench.timed("check --no-cache", bench.tracker("check", "-q", "--no-cache"))
        if wanted("status"):
            status = bench.tracker("status", "--format", "json")
            bench.timed("status first run", status, before=bench.clear_cache)
            bench.timed("status warm", status)
            bench.timed("status --no-cache", [*status, "--no-cache"])
            bench.timed("status after touching 1", status, before=bench.touch_one, beside_warm=True)
            bench.timed(
                "status after editing 1", status, before=lambda: bench.edit(1), beside_warm=True
            )
            bench.timed("status after adding 1", status, before=bench.add_one, beside_warm=True)
            bench.timed(
                "status after a pull of 1,000",
                status,
                before=lambda: bench.edit(min(1000, count)),
                beside_warm=True,
            )
        if wanted("explain"):
            bench.timed("explain warm", bench.tracker("explain", "balance-west-east"))
            bench.timed(
                "explain --all warm", bench.tracker("explain", "balance-west-east", "--all")
            )
        if wanted("history"):
            bench.timed(
                "history ten years warm",
                bench.tracker("history", "--from", "2023-01", "--step", "month"),
            )
        if wanted("changes"):
            changes = bench.tracker("changes", "--since", "2023-01-01")
            bench.timed("changes ten years warm", changes)
            # After an edit the scores are computed again (no remembered answer holds).
            bench.timed(
                "changes after editing 1", changes, before=lambda: bench.edit(1), beside_warm=True
            )
        if wanted("suggest"):
            article = bench.scratch / "article.txt"
            article.write_text(
                "Minsk, 3 March (BelTA). Belarus's foreign ministry announced a rotation of "
                "ambassadors and a new embassy; the opposition calls for releasing political "
                "prisoners before talks with the European Union on sanctions.\n",
                "utf-8",
            )
            bench.timed("suggest warm", bench.tracker("suggest", str(article)))
    finally:
        bench.close()
    rows = bench.rows
    print(
        f"\n{count} evidence files; median of {args.repeat} runs; "
        f"{workers()} processes for the floor"
    )
    print(f"{'what':<34} {'seconds':>8} {'x floor':>8} {'x warm':>7} {'RSS MB':>7} {'own MB':>7}")
    print("-" * 76)
    for row in rows:
        ratio = f"{row.seconds / row.floor:8.2f}" if row.floor else " " * 8
        warm = f"{row.seconds / row.warm:7.2f}" if row.warm else " " * 7
        rss = f"{row.rss_mb:7.0f}" if row.rss_mb else " " * 7
        own = f"{row.own_mb:7.0f}" if row.own_mb else " " * 7
        print(f"{row.name:<34} {row.seconds:8.3f} {ratio} {warm} {rss} {own}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"files": count, "repeat": args.repeat, "results": [asdict(r) for r in rows]},
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
