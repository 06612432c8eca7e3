"""`tracker import`, `tracker suggest`, `tracker draft`: from an article to evidence.

Import writes a draft (drafts/ID.toml and its text in drafts/ID.txt), never evidence: the
analyst judges reliability, picks the quote and assesses, then `tracker draft promote ID`
validates the draft as evidence and moves it into evidence/YYYY/.
"""

from __future__ import annotations

import argparse
import json
import sys

from tracker.cli import DataError, Exit, UsageError, add_command, open_project, project_root, say

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


def _suggestion_json(suggestions, nodes) -> list[dict]:
    titles = {n.id: n.title for n in nodes}
    out = []
    for s in suggestions:
        entry = {
            "id": s.node_id,
            "score": round(s.score, 4),
            "matched": list(s.matched),
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
        if s.matched:
            print(f"     matched: {visible_controls(', '.join(s.matched))}")
        if s.parent:
            print(f"     under: {s.parent}  {titles.get(s.parent, '')}")


# --- commands ------------------------------------------------------------------------------


def run_suggest(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise UsageError("--top must be at least 1")
    article = read_article(args)
    ws = open_project(args, facts=False)
    suggestions = ws.suggest(article, top=args.top)
    if args.format == "json":
        print(json.dumps(_suggestion_json(suggestions, ws.nodes), ensure_ascii=False, indent=2))
    else:
        _print_suggestions(suggestions, ws.nodes)
    return Exit.OK


def _article_json(article) -> dict:
    """The article as JSON: `published` is the day it appeared or null; a date known only to
    a month or a week gives `period_start` (the span's first day) and `date_precision`."""
    out = article.model_dump(mode="json", exclude={"text"})
    day = article.publication_day
    out["published"] = day.isoformat() if day else None
    if article.span:
        out["period_start"] = article.published.isoformat()
    out["characters"] = len(article.text)
    return out


def run_import(args: argparse.Namespace) -> int:
    from tracker.textclean import visible_controls

    if args.top < 1:
        raise UsageError("--top must be at least 1")
    article = read_article(args)
    ws = open_project(args, facts=False)
    found = ws.import_article(article, top=args.top, dry_run=args.dry_run)
    candidates, suggestions, draft = found.candidates, found.suggestions, found.draft
    if args.format == "json":
        print(
            json.dumps(
                {
                    "version": 1,
                    "article": _article_json(article),
                    "same_event": [_candidate_json(c) for c in candidates],
                    "already": _candidate_json(found.already) if found.already else None,
                    "suggestions": _suggestion_json(suggestions, ws.nodes),
                    "draft": found.path,
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
    published = article.published.isoformat() if article.published else "not found"
    if article.span:
        published = f"not known to the day: {article.span} ({article.date_precision})"
    source = getattr(article, "date_source", None)
    if article.published and source:
        snippet = getattr(article, "date_snippet", None)
        published += f" (from the {source}" + (f": {show(snippet)!r}" if snippet else "") + ")"
    print(f"Published: {published}")
    print(f"Publisher: {show(article.publisher or 'not found')}")
    if article.author:
        print(f"Author:    {show(article.author)}")
    if article.url:
        print(f"URL:       {show(article.url)}")
    print(f"Text:      {len(article.text):,} characters, language {article.language}")
    for note in draft.notes:
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
    _print_suggestions(suggestions, ws.nodes)
    print()
    if found.already:
        already = found.already
        then = (
            f"finish it, then: tracker draft promote {already.evidence_id}"
            if already.draft
            else f"it is {getattr(ws.record(already.evidence_id), 'path', already.evidence_id)}"
        )
        print(f"Already imported ({show(already.reason)}): nothing written; {then}")
    elif found.path:
        print(
            f"Wrote {found.path} and {found.path[:-5]}.txt; finish it, then: "
            f"tracker draft promote {draft.id}"
        )
    else:
        print("Dry run: nothing written.")
    return Exit.OK


def run_draft(args: argparse.Namespace) -> int:
    from tracker.ingest.drafts import DraftError, list_drafts, orphan_texts

    root = project_root(args)
    if args.action == "list":
        drafts = list_drafts(root)
        orphans = orphan_texts(root)
        if args.format == "json":
            print(json.dumps({"version": 1, "drafts": drafts, "texts_alone": orphans}, indent=2))
            return Exit.OK
        for name in drafts:
            print(name)
        for name in orphans:
            print(
                f"{name}  (only drafts/{name}.txt: an import was stopped; import the article "
                f"again, or delete drafts/{name}.txt)"
            )
        if not drafts and not orphans:
            print("No drafts: import an article with 'tracker import SOURCE'.")
        return Exit.OK
    if not args.id:
        raise UsageError("draft promote needs the draft's id (see 'tracker draft list')")
    ws = open_project(args)
    try:
        saved, warnings = ws.promote(args.id)
    except DraftError as err:
        if args.format == "json":
            print(
                json.dumps(
                    {
                        "version": 1,
                        "ok": False,
                        "message": str(err),
                        "problems": [p.as_dict() for p in err.problems],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return Exit.DATA
        from tracker.textclean import visible_controls

        for problem in err.problems:
            print(visible_controls(problem.render()), file=sys.stderr)
        raise
    if args.format == "json":
        print(
            json.dumps(
                {
                    "version": 1,
                    "ok": True,
                    "path": saved.path,
                    "id": saved.item.id,
                    "warnings": [p.as_dict() for p in warnings],
                },
                indent=2,
            )
        )
    else:
        for problem in warnings:
            say(problem.render())
        print(f"Promoted {args.id} to {saved.path}")
    return Exit.OK
