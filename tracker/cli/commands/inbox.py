"""`tracker inbox`: new articles from the feeds the team follows, triaged against the paper.

`tracker inbox fetch` reads the feeds of `[[inbox.feed]]` in tracker.toml (or the URLs given),
`tracker inbox` lists what is new, one row per story, best first; `draft N` makes an import
draft of a row, `dismiss N` puts it away for good. The inbox is the analyst's own, kept in
their state folder (docs/inbox.md says why); the feeds are the team's.
"""

from __future__ import annotations

import argparse
import json
import sys

from tracker.cli import DataError, Exit, UsageError, add_command, project_root, say

LIST_LIMIT = 40  # rows a text listing shows unless --limit says otherwise


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        subparsers,
        "inbox",
        "New articles from the feeds you follow, triaged against the paper, best first.",
        parents=[common],
        details="Each row is a story (one event, from one or more outlets) with the\n"
        "recommendations it may bear on and the evidence that may report it already.\n"
        "Rows about nothing in the paper sink to a 'bears on none' group.\n"
        "Feeds: [[inbox.feed]] in tracker.toml (url, and optionally name and language).\n"
        "The inbox is yours alone: it lives in your state folder, not in the project.\n"
        "Exit status: 0 done, 1 a feed failed or an operation was refused, 2 wrong usage.",
        examples=[
            "tracker inbox fetch                 # the feeds listed in tracker.toml",
            "tracker inbox fetch https://example.org/rss.xml",
            "tracker inbox                       # new rows, best first",
            "tracker inbox --format json",
            "tracker inbox show 12",
            "tracker inbox draft 12              # an import draft, as tracker import makes",
            "tracker inbox dismiss 14 15         # never shown again",
        ],
    )
    _listing_options(parser, suppress=False)
    actions = parser.add_subparsers(dest="inbox_action", metavar="ACTION", title="actions")
    sub_common = _sub_common()

    fetch = actions.add_parser(
        "fetch",
        help="fetch the feeds and triage what is new",
        description="Fetch the feeds (conditional requests: a feed with nothing new costs one\n"
        "request), triage each new entry (date, suggestions, same event) and add it\n"
        "to the inbox. A feed that fails is one line on stderr; the others go on.",
        parents=[sub_common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fetch.add_argument(
        "urls", nargs="*", metavar="URL", help="feeds to read instead of tracker.toml's"
    )
    fetch.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="for each feed, redirects and body included (default: [inbox] timeout, 20)",
    )
    fetch.add_argument("--jobs", type=int, metavar="N", help="feeds fetched at once (default 4)")
    fetch.add_argument(
        "--pages",
        type=int,
        metavar="N",
        help="at most N article pages fetched for short summaries (default 200)",
    )
    _format(fetch)

    show = actions.add_parser(
        "show",
        help="one row in full: its sources, suggestions, same event, text",
        parents=[sub_common],
    )
    show.add_argument("n", type=int, metavar="N", help="the row's number")
    _format(show)

    draft = actions.add_parser(
        "draft",
        help="make an import draft of a row (as 'tracker import' would)",
        description="Fetch the article's page if it was never fetched, and write\n"
        "drafts/ID.toml with its text, suggestions and same-event candidates.",
        parents=[sub_common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    draft.add_argument("n", type=int, metavar="N", help="the row's number")
    draft.add_argument(
        "--source", type=int, metavar="K", help="draft the row's K-th source instead of its first"
    )
    _format(draft)

    dismiss = actions.add_parser(
        "dismiss",
        help="put rows away for good (new reports of them stay away too)",
        parents=[sub_common],
    )
    dismiss.add_argument("n", type=int, nargs="+", metavar="N", help="the rows' numbers")

    restore = actions.add_parser(
        "restore", help="make dismissed or drafted rows new again", parents=[sub_common]
    )
    restore.add_argument("n", type=int, nargs="+", metavar="N", help="the rows' numbers")

    feeds = actions.add_parser(
        "feeds", help="the feeds and how their last fetch went", parents=[sub_common]
    )
    _format(feeds)
    parser.set_defaults(run=run)


def _listing_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--state",
        choices=["new", "drafted", "dismissed", "all"],
        default="new",
        help="which rows to list (default: new)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help=f"list at most N rows (default {LIST_LIMIT} as text, all as json; 0: all)",
    )
    _format(parser, suppress=suppress)


def _format(parser: argparse.ArgumentParser, *, suppress: bool = True) -> None:
    # A sub-action's default must not overwrite a --format given before it.
    parser.add_argument(
        "--format",
        choices=["text", "json"],
        default=argparse.SUPPRESS if suppress else "text",
        help="text (default) or json on stdout",
    )


def _sub_common() -> argparse.ArgumentParser:
    """-C/--root after the action too, without overwriting one given before it."""
    sub = argparse.ArgumentParser(add_help=False)
    sub.add_argument(
        "-C",
        "--root",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the tracking project (default: found from the current folder)",
    )
    sub.add_argument(
        "--no-cache",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read every evidence file afresh, bypassing the load cache",
    )
    return sub


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "inbox_action", None) or "list"
    return {
        "list": run_list,
        "fetch": run_fetch,
        "show": run_show,
        "draft": run_draft,
        "dismiss": run_dismiss,
        "restore": run_restore,
        "feeds": run_feeds,
    }[action](args)


def _open_inbox(args: argparse.Namespace):
    from tracker.inbox import Inbox

    return Inbox.open(project_root(args))


def _json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _is_json(args: argparse.Namespace) -> bool:
    return getattr(args, "format", "text") == "json"


# --- listing ------------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    from tracker.inbox.store import STATES

    states = STATES if args.state == "all" else (args.state,)
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be 0 (all) or more")
    with _open_inbox(args) as inbox:
        rows = inbox.rows(states)
        counts = inbox.counts()
        fed = bool(inbox.store.feed_states())
    limit = args.limit if args.limit is not None else (0 if _is_json(args) else LIST_LIMIT)
    shown = rows[:limit] if limit else rows
    if _is_json(args):
        _json(
            {
                "version": 1,
                "state": args.state,
                "counts": counts,
                "total": len(rows),
                "rows": [row_json(row) for row in shown],
            }
        )
        return Exit.OK
    _print_rows(shown, len(rows), counts, args.state, fed)
    return Exit.OK


def row_json(row) -> dict:
    return {
        "n": row.n,
        "title": row.title,
        "url": row.url,
        "published": row.published.isoformat() if row.published else None,
        "source": row.source,
        "relevance": row.relevance,
        "bears_on_none": row.bears_on_none,
        "suggestions": [s.id for s in row.suggestions],
        "same_event": [c.id for c in row.same_event],
        "state": row.state,
        "draft": row.draft,
        "why": row.why,
        "sources": [
            {
                "source": s.source,
                "title": s.title,
                "url": s.url,
                "published": s.published.isoformat() if s.published else None,
                "feed": s.feed,
            }
            for s in row.sources
        ],
    }


def _print_rows(rows, total: int, counts: dict, state: str, fed: bool) -> None:
    from tracker.textclean import terminal_line

    show = terminal_line
    if not total:
        if not fed:
            print(
                "The inbox is empty: list feeds as [[inbox.feed]] in tracker.toml, then run "
                "'tracker inbox fetch' (or: tracker inbox fetch URL)."
            )
        else:
            which = "" if state == "all" else f"{state} "
            print(f"No {which}rows in the inbox. Fetch again later: tracker inbox fetch")
        return
    bearing = [r for r in rows if not r.bears_on_none]
    none = [r for r in rows if r.bears_on_none]
    label = "rows" if state == "all" else f"{state} rows"
    print(
        f"Inbox: {total} {label} "
        f"({counts.get('new', 0)} new, {counts.get('drafted', 0)} drafted, "
        f"{counts.get('dismissed', 0)} dismissed in all). Best first:"
    )
    for row in bearing:
        print()
        _print_row(row, show)
    if none:
        print()
        print("Bears on none of the recommendations:")
        for row in none:
            _print_row(row, show, short=True)
    if total > len(rows):
        print(f"\n… and {total - len(rows)} more (--limit 0 lists all)")
    print("\nNext: tracker inbox show N · tracker inbox draft N · tracker inbox dismiss N")


def _print_row(row, show, *, short: bool = False) -> None:
    date = row.published.isoformat() if row.published else "no date   "
    relevance = f"{row.relevance:.2f}" if not row.bears_on_none else "  – "
    outlets = len({s.feed for s in row.sources})
    source = show(row.source)[:24] + (f" +{outlets - 1}" if outlets > 1 else "")
    state = "" if row.state == "new" else f" [{row.state}{': ' + row.draft if row.draft else ''}]"
    print(f"  #{row.n:<5} {relevance}  {date}  {source}  {show(row.title)[:110]}{show(state)}")
    if short:
        return
    if row.suggestions:
        print(f"         bears on {', '.join(s.id for s in row.suggestions[:4])}")
    if row.same_event:
        kinds = []
        for c in row.same_event[:3]:
            what = "draft" if c.draft else "evidence"
            kinds.append(f"{c.id} ({what}, {c.kind.replace('_', ' ')})")
        print(f"         may be known: {show(', '.join(kinds))}")
    if row.url:
        print(f"         {show(row.url)[:160]}")


# --- one row ------------------------------------------------------------------------------------


def run_show(args: argparse.Namespace) -> int:
    from tracker.textclean import terminal_line, visible_controls

    root = project_root(args)
    from tracker.inbox import Inbox

    with Inbox.open(root) as inbox:
        row = inbox.row(args.n)
    titles = _node_titles(root)
    if _is_json(args):
        data = row_json(row)
        data["suggestions"] = [
            {"id": s.id, "score": s.score, "matched": list(s.matched), "title": titles.get(s.id)}
            for s in row.suggestions
        ]
        data["same_event"] = [c.__dict__ for c in row.same_event]
        data["text"] = row.lead.best_text
        data["text_is"] = "page" if row.lead.page == "fetched" else "feed summary"
        data["notes"] = row.lead.notes
        _json(data)
        return Exit.OK
    show = terminal_line
    print(f"#{row.n}  {show(row.title)}")
    print(f"State:     {row.state}" + (f" ({show(row.draft)})" if row.draft else ""))
    print(f"Relevance: {row.relevance:.2f}  ({show(row.why)})")
    print("Sources:")
    for k, (source, entry) in enumerate(zip(row.sources, row.entries, strict=True), start=1):
        date = source.published.isoformat() if source.published else "no date"
        where = f" (from the {entry.date_source})" if entry.date_source else ""
        print(f"  {k}. {show(source.source)}  {date}{where}  {show(source.title)[:100]}")
        if source.url:
            print(f"     {show(source.url)}")
    if row.suggestions:
        print("Suggested recommendations (best first):")
        for s in row.suggestions:
            print(f"  {s.id}  {s.score:.3f}  {show(titles.get(s.id, ''))}")
            if s.matched:
                print(f"     matched: {show(', '.join(s.matched))}")
    else:
        print("Bears on none of the recommendations.")
    if row.same_event:
        print("Possibly the same as (you decide):")
        for c in row.same_event:
            mark = " (draft)" if c.draft else ""
            print(
                f"  {c.id}{mark}  {c.kind.replace('_', ' ')}  {c.similarity:.2f}  {show(c.reason)}"
            )
    for note in row.lead.notes:
        print(f"Note: {show(note)}")
    text = row.lead.best_text
    what = "the article's page" if row.lead.page == "fetched" else "the feed's summary"
    print(f"\nText ({what}, {len(text):,} characters):")
    print(visible_controls(text[:2000]) + ("…" if len(text) > 2000 else ""))
    return Exit.OK


def _node_titles(root) -> dict[str, str]:
    from tracker.store import reader

    try:
        return {n.id: n.title for n in reader.read_paper(root).nodes}
    except Exception:  # the paper cannot be read: ids alone
        return {}


# --- decisions ----------------------------------------------------------------------------------


def run_draft(args: argparse.Namespace) -> int:
    from tracker.cli import open_project
    from tracker.net import Cancel
    from tracker.textclean import terminal_line

    root = project_root(args)
    from tracker.inbox import Inbox

    cancel = Cancel()
    with Inbox.open(root) as inbox:
        row = inbox.row(args.n)
        if row.state == "drafted":
            raise DataError(
                f"row {args.n} was drafted already as {row.draft}: finish it, then "
                f"'tracker draft promote {row.draft}' (or 'tracker inbox restore {args.n}')"
            )
        ws = open_project(args, facts=False)
        try:
            result = inbox.draft(args.n, ws, source=args.source, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
            raise
    draft = result.draft
    if _is_json(args):
        _json(
            {
                "version": 1,
                "n": args.n,
                "draft": result.path,
                "draft_id": draft.id,
                "already_imported": result.already,
                "suggestions": [s.node_id for s in result.suggestions],
                "same_event": [c.evidence_id for c in result.candidates],
            }
        )
        return Exit.OK
    show = terminal_line
    for note in draft.notes:
        print(f"Note: {show(note)}")
    if result.already:
        print(
            f"Already imported as drafts/{result.already}.toml: nothing written; row {args.n} "
            f"is marked drafted (finish it, then: tracker draft promote {result.already})"
        )
    else:
        print(
            f"Wrote {result.path} and {result.path[:-5]}.txt from row {args.n}; finish it, then: "
            f"tracker draft promote {draft.id}"
        )
    return Exit.OK


def run_dismiss(args: argparse.Namespace) -> int:
    with _open_inbox(args) as inbox:
        for n in dict.fromkeys(args.n):
            inbox.row(n)  # every number checked before any is changed
        for n in dict.fromkeys(args.n):
            inbox.dismiss(n)
    print(f"Dismissed {_numbers(args.n)}: not shown again, nor new reports of the same event.")
    return Exit.OK


def run_restore(args: argparse.Namespace) -> int:
    with _open_inbox(args) as inbox:
        for n in dict.fromkeys(args.n):
            inbox.row(n)
        for n in dict.fromkeys(args.n):
            inbox.restore(n)
    print(f"Restored {_numbers(args.n)}: new again.")
    return Exit.OK


def _numbers(numbers: list[int]) -> str:
    unique = list(dict.fromkeys(numbers))
    return ("row " if len(unique) == 1 else "rows ") + ", ".join(f"#{n}" for n in unique)


# --- feeds --------------------------------------------------------------------------------------


def configured_feeds(root, urls: list[str] | None = None):
    """The feeds to fetch: the URLs given (checked as tracker.toml's are), else tracker.toml's;
    the settings; and how many configured entries were left out for their findings."""
    from tracker.inbox.config import FeedSpec, feed_url_problem, read_settings, settings_problems
    from tracker.store.reader import read_config

    config = read_config(root)
    settings = read_settings(config.data)
    skipped = len([p for p in settings_problems(config.data, lambda loc: None) if p.is_error])
    if urls:
        specs = []
        for url in dict.fromkeys(urls):
            why = feed_url_problem(url)
            if why is not None:
                raise UsageError(f"{url[:80]}: {why}")
            specs.append(FeedSpec(url.strip()))
        return specs, settings, 0
    return list(settings.feeds), settings, skipped


def run_feeds(args: argparse.Namespace) -> int:
    from tracker.textclean import terminal_line

    root = project_root(args)
    specs, _, skipped = configured_feeds(root)
    with _open_inbox(args) as inbox:
        states = {s.url: s for s in inbox.store.feed_states()}
    rows = []
    for spec in specs:
        state = states.get(spec.url)
        rows.append(
            {
                "url": spec.url,
                "name": spec.name or (state.title if state else None),
                "language": spec.language,
                "checked": state.checked if state else None,
                "changed": state.changed if state else None,
                "failure": state.failure if state else None,
                "requests": state.requests if state else 0,
            }
        )
    if _is_json(args):
        _json({"version": 1, "feeds": rows, "skipped": skipped})
        return Exit.OK
    if not rows:
        print('No feeds: list them as [[inbox.feed]] in tracker.toml (url = "https://…").')
    for row in rows:
        if not row["checked"]:
            status = "never fetched"
        elif row["failure"]:
            status = f"failed: {row['failure']}"
        else:
            status = f"ok, last new {row['changed'] or '–'}"
        name = row["name"] or ""
        shown = f"{terminal_line(name)[:30]:<30}  {terminal_line(row['url'])[:70]}"
        print(f"{shown}  {terminal_line(status)}")
    if skipped:
        say(
            f"{skipped} feed entr{'y' if skipped == 1 else 'ies'} in tracker.toml left out: "
            "tracker check says why"
        )
    return Exit.OK


# --- fetching -----------------------------------------------------------------------------------


def run_fetch(args: argparse.Namespace) -> int:
    from tracker.cli import open_project
    from tracker.net import Cancel
    from tracker.speed.parallel import workers

    root = project_root(args)
    specs, settings, skipped = configured_feeds(root, args.urls)
    if skipped:
        say(
            f"{skipped} feed entr{'y' if skipped == 1 else 'ies'} in tracker.toml left out: "
            "tracker check says why"
        )
    if not specs:
        raise UsageError(
            "no feeds to fetch: list them as [[inbox.feed]] in tracker.toml "
            '(url = "https://…"), or give their URLs: tracker inbox fetch URL'
        )
    timeout = args.timeout if args.timeout is not None else settings.timeout
    jobs = args.jobs if args.jobs is not None else settings.jobs
    pages = args.pages if args.pages is not None else settings.pages
    if timeout <= 0:
        raise UsageError("--timeout must be more than 0 seconds")
    if not 1 <= jobs <= 32:
        raise UsageError("--jobs must be 1 to 32")
    if pages < 0:
        raise UsageError("--pages must be 0 or more")
    from tracker.inbox import Inbox

    bar = FetchProgress()
    cancel = Cancel()
    try:
        with Inbox.open(root) as inbox:
            report = inbox.fetch(
                specs,
                workspace=lambda: _workspace(args, bar, open_project),
                jobs=jobs,
                timeout=timeout,
                pages=pages,
                processes=workers(),
                cancel=cancel,
                progress=bar,
            )
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    finally:
        bar.close()
    for outcome in report.failed:
        say(f"feed {outcome.name} ({outcome.spec.url}): {outcome.failure}")
    if _is_json(args):
        _json(report_json(report))
    else:
        _print_report(report)
    return Exit.DATA if report.failed else Exit.OK


def _workspace(args, bar, open_project):
    bar.pause()  # the load draws its own bar
    try:
        return open_project(args, facts=False)  # triage needs identities, not facts
    finally:
        bar.resume()


def report_json(report) -> dict:
    return {
        "version": 1,
        "feeds": [
            {
                "url": o.spec.url,
                "name": o.name,
                "status": o.status,
                "entries": len(o.feed.entries) if o.feed else 0,
                "failure": o.failure,
                "notes": list(o.feed.notes) if o.feed else [],
            }
            for o in report.outcomes
        ],
        "new_entries": report.new_entries,
        "duplicates": report.duplicates,
        "new_stories": report.new_stories,
        "joined": report.joined,
        "bears_on_none": report.bears_on_none,
        "pages": {
            "fetched": report.pages_fetched,
            "failed": report.pages_failed,
            "skipped": report.pages_skipped,
        },
        "seconds": report.seconds,
    }


def _print_report(report) -> None:
    from collections import Counter

    from tracker.textclean import terminal_line

    statuses = Counter(o.status for o in report.outcomes)
    parts = []
    if statuses["new"]:
        parts.append(f"{statuses['new']} with something new")
    if statuses["not_modified"] + statuses["unchanged"]:
        parts.append(f"{statuses['not_modified'] + statuses['unchanged']} unchanged")
    if statuses["failed"]:
        parts.append(f"{statuses['failed']} failed (above)")
    count = len(report.outcomes)
    print(f"Fetched {count} feed{'s' * (count != 1)}: {', '.join(parts)}.")
    for outcome in report.outcomes:
        for note in outcome.feed.notes if outcome.feed else ():
            print(f"  {terminal_line(outcome.name)}: {terminal_line(note)}")
    if report.new_entries:
        print(
            f"New: {report.new_entries} entr{'y' if report.new_entries == 1 else 'ies'} in "
            f"{report.new_stories} new stor{'y' if report.new_stories == 1 else 'ies'} "
            f"({report.bears_on_none} bear{'s' * (report.bears_on_none == 1)} on none)"
            + (f"; {report.joined} joined stories already in the inbox" if report.joined else "")
            + "."
        )
    else:
        print("Nothing new.")
    if report.duplicates:
        print(f"Already in the inbox (or twice in a feed): {report.duplicates} entries.")
    if report.pages_fetched or report.pages_failed or report.pages_skipped:
        print(
            f"Article pages for short summaries: {report.pages_fetched} fetched, "
            f"{report.pages_failed} failed, {report.pages_skipped} left for lack of budget."
        )
    if report.new_entries:
        print("Next: tracker inbox")


STAGE_LABELS = {
    "feeds": "fetching feeds",
    "index": "indexing the evidence",
    "triage": "triaging entries",
    "pages": "fetching article pages",
    "saving": "saving the inbox",
}


class FetchProgress:
    """A bar on stderr for a fetch's stages (terminal only): feeds, triage, pages.

    Drawn without rich's refresh thread, so that no thread is running when triage forks its
    worker processes."""

    def __init__(self) -> None:
        self._progress = None
        self._task = None
        self._stage = None
        self._on = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self._on:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
                auto_refresh=False,
            )
            self._progress.start()
        if stage != self._stage:
            if self._task is not None:
                self._progress.remove_task(self._task)
            self._task = self._progress.add_task(
                STAGE_LABELS.get(stage, stage), total=total or None
            )
            self._stage = stage
        self._progress.update(self._task, completed=done, total=total or None)
        self._progress.refresh()

    def pause(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    def resume(self) -> None:
        if self._progress is not None:
            self._progress.start()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
