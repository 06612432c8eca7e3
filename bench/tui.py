"""Time the workbench on a generated project: ready, selection to detail, as-of change.

    python bench/generate.py 10000 /tmp/bench-10k
    python bench/tui.py /tmp/bench-10k            # warm (load cache filled by a first run)
    python bench/tui.py /tmp/bench-10k --no-cache # cold

"Ready" is from creating the App to the tree shown with its first node selected and detailed,
headless at 120x36. The floor is `open_workspace` plus one `Workspace.scores`, the work the
workbench cannot avoid before it can show a score.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

PROCESS_START = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TRACKER_TODAY", "2033-01-01")


def floor(root: Path, use_cache: bool, collect: bool = True) -> float:
    """The workspace opened and scored, the work the workbench cannot avoid before it can
    show a score. `collect=False`: the load runs with the cyclic GC off, as the workbench
    loads."""
    import gc

    from tracker.workspace import open_workspace

    start = time.perf_counter()
    if not collect:
        gc.disable()
    try:
        ws = open_workspace(root, cache=use_cache)
    finally:
        gc.enable()
    ws.scores(ws.today, detail=())  # as the workbench scores: no item read
    return time.perf_counter() - start


async def ready_only(root: Path, use_cache: bool) -> None:
    """Start the app as `tracker tui` does (the project loaded while Textual is imported) and
    stop as soon as the tree is shown: timed as a whole process."""
    from tracker.cli.commands.tui import preloaded_session

    session = preloaded_session(root.resolve(), use_cache=use_cache)
    from tracker.tui.app import WorkbenchApp

    app = WorkbenchApp(root, session=session)
    async with app.run_test(size=(120, 36)) as pilot:
        while app.session.project is None or not app.main.query_one("#tree").root.children:
            await asyncio.sleep(0.005)
        await pilot.pause()
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"interactive after {time.perf_counter() - PROCESS_START:.3f} s in-process, "
            f"own peak {peak:.0f} MB"
        )
        app.exit()


async def measure(root: Path, use_cache: bool) -> dict[str, float]:
    from tracker.tui.app import WorkbenchApp
    from tracker.tui.session import shift_months

    start = time.perf_counter()
    app = WorkbenchApp(root, use_cache=use_cache)
    async with app.run_test(size=(120, 36)) as pilot:
        while app.session.project is None or not app.main.query_one("#tree").root.children:
            await asyncio.sleep(0.005)
        await pilot.pause()
        ready = time.perf_counter() - start
        while app.session.scores is None or app.main.scoring:
            await asyncio.sleep(0.005)
        scored = time.perf_counter() - start
        main = app.main
        nodes = [n.id for n in app.session.project.nodes]
        times = []
        for node_id in nodes[:40]:
            t = time.perf_counter()
            main.current = node_id
            main.show_detail()
            await pilot.pause()
            times.append(time.perf_counter() - t)
        as_of, timelines = [], []
        for months in (-1, -3, 1, 3, -12):
            t = time.perf_counter()
            main.set_as_of(shift_months(main.session.as_of, months))
            await pilot.pause()
            timelines.append(time.perf_counter() - t)
            while main.scoring:
                await asyncio.sleep(0.005)
            await pilot.pause()
            as_of.append(time.perf_counter() - t)
        running = [w for w in app.workers if not w.is_finished]
        await asyncio.gather(*(w.wait() for w in running), return_exceptions=True)
    return {
        "ready": ready,
        "scored": scored,
        "timelines": statistics.median(timelines),
        "select_median": statistics.median(times),
        "select_max": max(times),
        "as_of_median": statistics.median(as_of),
        "as_of_max": max(as_of),
        "items": app.session.project.evidence_count,
        "nodes": len(nodes),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument(
        "--ready-only",
        action="store_true",
        help="start, wait until interactive, exit (for whole-process timing)",
    )
    args = parser.parse_args()
    use_cache = not args.no_cache
    if args.ready_only:
        asyncio.run(ready_only(args.root, use_cache))
        return
    if use_cache:
        floor(args.root, True)  # fill the cache
    base = floor(args.root, use_cache)
    base_quiet = floor(args.root, use_cache, collect=False)
    result = asyncio.run(measure(args.root, use_cache))
    print(
        f"{result['items']} evidence items, {result['nodes']} nodes, "
        f"{'warm' if use_cache else 'cold'} load cache"
    )
    print(f"floor (open_workspace + scores): {base:.3f} s")
    print(f"floor, cyclic GC off during the load (as the workbench loads): {base_quiet:.3f} s")
    print(f"ready (tree shown, first node detailed): {result['ready']:.3f} s")
    print(f"scores shown: {result['scored']:.3f} s")
    print(f"as-of change, timelines redrawn: median {result['timelines'] * 1000:.1f} ms")
    print(
        f"selection to detail: median {result['select_median'] * 1000:.1f} ms, "
        f"max {result['select_max'] * 1000:.1f} ms"
    )
    print(
        f"as-of change, scores redrawn: median {result['as_of_median'] * 1000:.1f} ms, "
        f"max {result['as_of_max'] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
