"""`tracker import`, `tracker suggest`, `tracker draft`: from an article to evidence.

Import writes a draft (drafts/ID.toml and its text in drafts/ID.txt), never evidence: the
analyst judges reliability, picks the quote and assesses, then `tracker draft promote ID`
validates the draft as evidence and moves it into evidence/YYYY/.
"""

from __future__ import annotations

import argparse
import json
import sys

from tracker.cli import DataError, Exit, UsageError, add_command, load, project_root

STDIN_LIMIT = 5_000_000


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument(
        "source",
        metavar="SOURCE",
        help="a file (.txt, .md, .html), '-' for standard input (a paste), or an http(s) URL",
    )
    source.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default) or json on stdout",
    )
    source.add_argument(
        "--top",
        type=int,
        default=5,
        metavar="K",
        help="at most K suggested recommendations (default 5)",
    )
    source.add_argument(
        "--timeout",
        type=float,
        default=15,
        metavar="SECONDS",
        help="for a URL: give up after this long (default 15)",
    )

    parser = add_command(
        subparsers,
        "import",
        "Import an article as an evidence draft: metadata, same-event check, suggestions.",
        parents=[common, source],
        details="Extracts the title, date, publisher, author and main text (site furniture\n"
        "removed), reports existing evidence about the same event or with the same text or\n"
        "URL, suggests the recommendations it bears on, and writes drafts/ID.toml with the\n"
        "text in drafts/ID.txt. Drafts are outside evidence/: they never affect scores or\n"
        "'tracker check'. Finish the draft in an editor, then: tracker draft promote ID.\n"
        "Exit status: 0 imported, 1 the article could not be read, 2 wrong usage.",
        examples=[
            "tracker import article.txt",
            "tracker import https://example.org/news/belarus-embassy --dry-run",
            "pbpaste | tracker import -            # a paste from the clipboard",
            "tracker import saved-page.html --format json",
        ],
    )
    parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    parser.set_defaults(run=run_import)

    parser = add_command(
        subparsers,
        "suggest",
        "Rank the recommendations an article bears on, with the words that matched.",
        parents=[common, source],
        details="Uses the paper's wording, the analysts' search terms (any language) and the\n"
        "evidence already assessed. Prints nothing ranked when the article bears on none.",
        examples=[
            "tracker suggest article.txt",
            "tracker suggest - --top 3 --format json < paste.txt",
        ],
    )
    parser.set_defaults(run=run_suggest)

    parser = add_command(
        subparsers,
        "draft",
        "List imported drafts, or promote a finished draft to evidence.",
        parents=[common],
        details="A draft becomes evidence once it has a date, a publisher, reliability,\n"
        "credibility, a quote found in its text, and at least one [[assessment]].",
        examples=[
            "tracker draft list",
            "tracker draft promote 2025-09-24-lukashenko-regime-bets-on-trade",
        ],
    )
    parser.add_argument("action", choices=["list", "promote"])
    parser.add_argument("id", nargs="?", help="the draft's id (for promote)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.set_defaults(run=run_draft)


# --- reading the source ------------------------------------------------------------------


def read_article(args: argparse.Namespace):
    from pathlib import Path

    from tracker.ingest import IngestError, extract_bytes, extract_file, fetch_url

    try:
        if args.source == "-":
            data = sys.stdin.buffer.read(STDIN_LIMIT + 1)
            cut = len(data) > STDIN_LIMIT
            article = extract_bytes(data[:STDIN_LIMIT], kind="paste")
            if cut:
                article = article.model_copy(
                    update={
                        "notes": [
                            *article.notes,
                            f"the paste was cut at {STDIN_LIMIT // 1_000_000} MB",
                        ]
                    }
                )
            return article
        if args.source.lower().startswith(("http://", "https://")):
            if args.timeout <= 0:
                raise UsageError("--timeout must be more than 0 seconds")
            return fetch_url(args.source, timeout=args.timeout)
        path = Path(args.source)
        if not path.exists():
            raise UsageError(f"{args.source}: no such file (give a file, '-' or an http(s) URL)")
        return extract_file(path)
    except IngestError as err:
        raise DataError(f"cannot import {args.source}: {err}") from None


def _project_for_import(args: argparse.Namespace, *, same_event: bool = True):
    """The project and its same-event index (kept in the user cache folder unless --no-cache);
    `same_event=False` when only suggestions are wanted: less of the cache is read."""
    project = load(args)
    from tracker.ingest import similarity_index

    use_cache = not getattr(args, "no_cache", False)
    index = similarity_index(project.root, project, use_cache=use_cache, same_event=same_event)
    return project, index


def _suggestion_json(suggestions, nodes) -> list[dict]:
    titles = {n.id: n.title for n in nodes}
    out = []
    for s in suggestions:
        entry = {
            "id": s.node_id,
            "score": round(s.score, 4),
            "matched": s.matched,
            "title": titles.get(s.node_id, ""),
        }
        if s.parent:
            entry["parent"] = s.parent
            entry["parent_title"] = titles.get(s.parent, "")
        out.append(entry)
    return out


def _candidate_json(c) -> dict:
    entry = {"id": c.evidence_id, "similarity": c.similarity, "reason": c.reason, "kind": c.kind}
    if c.draft:
        entry["draft"] = True
    if c.already:
        entry["already"] = True
    return entry


def _print_suggestions(suggestions, nodes) -> None:
    from tracker.textclean import visible_controls

    titles = {n.id: n.title for n in nodes}
    if not suggestions:
        print(
            "Bears on none of the recommendations: no analyst search term and too little "
            "of the paper's vocabulary in the article."
        )
        return
    print("Suggested recommendations (best first):")
    for rank, s in enumerate(suggestions, start=1):
        print(f"  {rank}. {s.node_id}  {s.score:.3f}  {titles.get(s.node_id, '')}")
        if s.parent:
            print(f"     under: {s.parent}  {titles.get(s.parent, '')}")
        if s.matched:
            print(f"     matched: {visible_controls(', '.join(s.matched))}")


# --- commands ------------------------------------------------------------------------------


def run_suggest(args: argparse.Namespace) -> int:
    import sqlite3

    from tracker.ingest import similarity_index, suggest
    from tracker.ingest.index_cache import drop_cached, node_index
    from tracker.ingest.similar import DamagedIndex

    if args.top < 1:
        raise UsageError("--top must be at least 1")
    article = read_article(args)
    project, index = _project_for_import(args, same_event=False)
    use_cache = not getattr(args, "no_cache", False)
    nodes = node_index(project.root, project, use_cache=use_cache)
    try:
        suggestions = suggest(
            article, project.nodes, (), top=args.top, index=index, node_index=nodes
        )
    except (DamagedIndex, sqlite3.DatabaseError):  # a stored row failed its check: rebuild
        drop_cached(project.root)
        index = similarity_index(project.root, project, use_cache=False)
        suggestions = suggest(
            article, project.nodes, (), top=args.top, index=index, node_index=nodes
        )
    if args.format == "json":
        print(
            json.dumps(_suggestion_json(suggestions, project.nodes), ensure_ascii=False, indent=2)
        )
    else:
        _print_suggestions(suggestions, project.nodes)
    return Exit.OK


def run_import(args: argparse.Namespace) -> int:
    import sqlite3

    from tracker.ingest import find_same_event, make_draft, save_draft, similarity_index, suggest
    from tracker.ingest.index_cache import drop_cached, node_index
    from tracker.ingest.similar import DamagedIndex
    from tracker.store import FileChangedError
    from tracker.textclean import visible_controls

    if args.top < 1:
        raise UsageError("--top must be at least 1")
    article = read_article(args)
    project, index = _project_for_import(args)
    use_cache = not getattr(args, "no_cache", False)
    nodes = node_index(project.root, project, use_cache=use_cache)
    # The index holds what both need of the items: none is read.
    try:
        candidates = find_same_event(article, (), index)
        suggestions = suggest(
            article, project.nodes, (), top=args.top, index=index, node_index=nodes
        )
    except (DamagedIndex, sqlite3.DatabaseError):  # a stored row failed its check: rebuild
        drop_cached(project.root)
        index = similarity_index(project.root, project, use_cache=False)
        candidates = find_same_event(article, (), index)
        suggestions = suggest(
            article, project.nodes, (), top=args.top, index=index, node_index=nodes
        )
    draft = make_draft(article, suggestions, candidates, root=project.root)
    already = next((c for c in candidates if c.already), None)
    written = None
    if not args.dry_run and already is None:
        try:
            written = save_draft(project.root, draft)
        except FileChangedError as err:
            raise DataError(str(err)) from None
    rel = written.relative_to(project.root).as_posix() if written else None

    if args.format == "json":
        print(
            json.dumps(
                {
                    "version": 1,
                    "article": article.model_dump(mode="json", exclude={"text"})
                    | {"characters": len(article.text)},
                    "same_event": [_candidate_json(c) for c in candidates],
                    "already": _candidate_json(already) if already else None,
                    "suggestions": _suggestion_json(suggestions, project.nodes),
                    "draft": rel,
                    "draft_id": draft.id,
                    "dry_run": args.dry_run,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return Exit.OK

    show = visible_controls
    print(f"Title:     {show(article.title)}")
    print(
        f"Published: {article.published.isoformat() if article.published else 'unknown'}"
        + (f" ({article.date_precision})" if article.date_precision != "day" else "")
    )
    print(f"Publisher: {show(article.publisher or 'unknown')}")
    if article.author:
        print(f"Author:    {show(article.author)}")
    if article.url:
        print(f"URL:       {show(article.url)}")
    print(f"Text:      {len(article.text):,} characters, language {article.language}")
    for note in article.notes:
        print(f"Note:      {show(note)}")
    print()
    if candidates:
        print("Possibly the same as existing evidence or drafts (you decide):")
        for c in candidates:
            where = "draft " if c.draft else ""
            print(
                f"  {where}{c.evidence_id}  {c.kind.replace('_', ' ')}  {c.similarity:.2f}  "
                f"{show(c.reason)}"
            )
    else:
        print("No evidence or draft reports the same event, text or URL.")
    print()
    _print_suggestions(suggestions, project.nodes)
    print()
    if written:
        print(f"Wrote {rel} and {rel[:-5]}.txt; finish it, then: tracker draft promote {draft.id}")
    elif already is not None:
        where = "draft" if already.draft else "evidence"
        print(
            f"Already imported ({show(already.reason)}): nothing written; "
            f"open that {where} instead."
        )
    else:
        print("Dry run: nothing written.")
    return Exit.OK


def run_draft(args: argparse.Namespace) -> int:
    from tracker.ingest import DraftError, list_drafts, promote_draft
    from tracker.store import FileChangedError

    root = project_root(args)
    if args.action == "list":
        drafts = list_drafts(root)
        if args.format == "json":
            print(json.dumps({"version": 1, "drafts": drafts}, indent=2))
        elif drafts:
            print("\n".join(drafts))
        else:
            print("No drafts: import an article with 'tracker import SOURCE'.")
        return Exit.OK
    if not args.id:
        raise UsageError("draft promote needs the draft's id (see 'tracker draft list')")
    project = load(args)
    try:
        saved = promote_draft(root, args.id, known_nodes={n.id for n in project.nodes})
    except DraftError as err:
        if args.format == "json":
            print(
                json.dumps(
                    {
                        "version": 1,
                        "ok": False,
                        "message": str(err),
                        "problems": [p.model_dump() for p in err.problems],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return Exit.DATA
        for problem in err.problems:
            print(problem.render(), file=sys.stderr)
        raise DataError(str(err)) from None
    except FileChangedError as err:
        raise DataError(str(err)) from None
    if args.format == "json":
        print(json.dumps({"version": 1, "ok": True, "path": saved.path}, indent=2))
    else:
        print(f"Promoted {args.id} to {saved.path}")
    return Exit.OK
