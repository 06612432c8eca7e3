"""`tracker import`, `tracker suggest`, `tracker draft`: through the real CLI, on real files."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tracker.cli import main

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def finish_draft(
    path: Path, *, quote: str, recommendation: str = "reboot", date: str | None = None
) -> None:
    text = path.read_text("utf-8")
    text = text.replace('reliability = ""', 'reliability = "B"')
    text = text.replace("credibility = 0", "credibility = 3")
    text = text.replace('quote = ""', f'quote = "{quote}"')
    text = text.replace('publisher = ""', 'publisher = "Outlet"')
    if date:
        text = text.replace("date_precision =", f"date = {date}\ndate_precision =", 1)
    text += (
        f'\n[[assessment]]\nrecommendation = "{recommendation}"\nimpact = -2\n'
        'confidence = "moderate"\nrationale = "Because."\n'
    )
    path.write_text(text, "utf-8")


def test_import_writes_a_draft_that_check_ignores(mini, capsys):
    code, out, _ = run(capsys, "import", str(FIXTURES / "seed-001.txt"), "-C", str(mini))
    assert code == 0
    drafts = sorted((mini / "drafts").iterdir())
    assert [p.suffix for p in drafts] == [".toml", ".txt"]
    assert drafts[0].stem.startswith("2025-09-24-lukashenko-regime-bets")
    assert "Wrote drafts/" in out and "tracker draft promote" in out
    assert "Legal Disclaimer" not in drafts[1].read_text("utf-8")
    code, out, _ = run(capsys, "check", "-C", str(mini))
    assert code == 0, out


def test_dry_run_writes_nothing_and_json_has_the_keys(mini, capsys):
    code, out, _ = run(
        capsys,
        "import",
        str(FIXTURES / "dev-026.txt"),
        "--dry-run",
        "--format",
        "json",
        "-C",
        str(mini),
    )
    assert code == 0
    data = json.loads(out)
    assert data["dry_run"] is True and data["draft"] is None
    assert data["same_event"] == []
    assert (
        data["article"]["title"] == "Belarus Stops Embassies Issuing Passports In Threat To Exiles"
    )
    assert data["article"]["published"] == "2023-09-06"
    assert not (mini / "drafts").exists()


def test_seed_004_after_seed_001_reports_001_as_the_same_event(mini, capsys):
    assert run(capsys, "import", str(FIXTURES / "seed-001.txt"), "-C", str(mini))[0] == 0
    draft = next((mini / "drafts").glob("*.toml"))
    finish_draft(draft, quote="have made Belarus a toxic partner for most markets.")
    code, out, err = run(capsys, "draft", "promote", draft.stem, "-C", str(mini))
    assert code == 0, err
    assert (mini / "evidence" / "2025" / f"{draft.stem}.toml").is_file()
    assert (mini / "evidence" / "2025" / f"{draft.stem}.txt").is_file()
    assert not list((mini / "drafts").iterdir())
    assert run(capsys, "check", "-C", str(mini))[0] == 0

    code, out, _ = run(
        capsys, "import", str(FIXTURES / "seed-004.txt"), "--format", "json", "-C", str(mini)
    )
    assert code == 0
    same = json.loads(out)["same_event"]
    assert [c["id"] for c in same] == [draft.stem]
    assert same[0]["similarity"] > 0.3 and same[0]["reason"].startswith("shares ")
    code, out, _ = run(
        capsys, "import", str(FIXTURES / "seed-004.txt"), "--dry-run", "-C", str(mini)
    )
    assert "Possibly the same as existing evidence" in out and draft.stem in out
    # the second draft records the candidate for the analyst
    toml = next(p for p in (mini / "drafts").glob("*.toml")).read_text("utf-8")
    assert "[[same_event]]" in toml and draft.stem in toml


def test_promote_refuses_an_unfinished_draft_and_names_what_is_missing(mini, capsys):
    run(capsys, "import", str(FIXTURES / "seed-004.txt"), "-C", str(mini))
    draft = next((mini / "drafts").glob("*.toml"))
    code, _, err = run(capsys, "draft", "promote", draft.stem, "-C", str(mini))
    assert code == 1
    assert "date" in err and "reliability" in err and "assessment" in err
    assert draft.exists()
    finish_draft(draft, quote="not in the article at all", date="2025-09-15")
    code, _, err = run(capsys, "draft", "promote", draft.stem, "-C", str(mini))
    assert code == 1 and "the quote does not occur" in err
    code, out, _ = run(capsys, "draft", "list", "-C", str(mini))
    assert out.strip() == draft.stem
    assert run(capsys, "draft", "promote", "no-such-draft", "-C", str(mini))[0] == 1
    assert run(capsys, "draft", "promote", "-C", str(mini))[0] == 2


def test_suggest_json_is_a_ranked_list_and_empty_for_none(mini, capsys):
    code, out, _ = run(
        capsys, "suggest", str(FIXTURES / "dev-029.txt"), "--format", "json", "-C", str(mini)
    )
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(capsys, "suggest", str(FIXTURES / "dev-029.txt"), "-C", str(mini))
    assert "Bears on none of the recommendations" in out


def test_suggest_from_standard_input_in_russian(mini, capsys, monkeypatch):
    paste = (
        "Освобождение политзаключенных\n\nВ Минске освободили политзаключенных; "
        "политзаключенные вышли на свободу после переговоров с США."
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(paste.encode("utf-8"))))
    code, out, _ = run(capsys, "suggest", "-", "--format", "json", "-C", str(mini))
    assert code == 0
    data = json.loads(out)
    assert data[0]["id"] == "reboot"
    assert {"id", "score", "matched"} <= set(data[0])
    assert [d["score"] for d in data] == sorted((d["score"] for d in data), reverse=True)


@pytest.mark.parametrize(
    ("paste", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(300), "binary"),
        (b"%PDF-1.5\n" + bytes(range(256)), "PDF"),
    ],
)
def test_bad_pastes_exit_1_with_one_line(mini, capsys, monkeypatch, paste, message):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(paste)))
    code, _out, err = run(capsys, "import", "-", "-C", str(mini))
    assert code == 1
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (mini / "drafts").exists()


def test_missing_file_is_a_usage_error(mini, capsys):
    code, _, err = run(capsys, "import", str(mini / "nope.txt"), "-C", str(mini))
    assert code == 2 and "no such file" in err


def test_terminal_escapes_are_shown_escaped_and_stored_clean(mini, capsys, tmp_path):
    evil = tmp_path / "evil.txt"
    evil.write_bytes(
        b"Evil \x1b[31mred\x1b[0m [bold]title[/bold]\n\n"
        b"The embassy \x1b]0;owned\x07reopened in Minsk, the ministry said; "
        b"consular services resume.\n"
    )
    code, out, _ = run(capsys, "import", str(evil), "-C", str(mini))
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil red [bold]title[/bold]" in out
    stored = next((mini / "drafts").glob("*.txt")).read_text("utf-8")
    assert "\x1b" not in stored and "owned" not in stored
    assert run(capsys, "check", "-C", str(mini))[0] == 0


def test_import_from_a_url(mini, capsys):
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(FIXTURES), **kwargs)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        code, out, _ = run(
            capsys, "import", f"{base}/article.html", "--format", "json", "-C", str(mini)
        )
        assert code == 0
        data = json.loads(out)
        assert data["article"]["url"] == f"{base}/article.html"
        assert data["article"]["author"] == "Jane Reporter"
        code, _, err = run(capsys, "import", f"{base}/missing.html", "-C", str(mini))
        assert code == 1 and "HTTP 404" in err
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_promote_checks_what_check_checks(mini, capsys):
    """A draft that `tracker check` would reject as evidence is never promoted: a date in the
    future, a recommendation the paper does not have."""
    from tracker.store.toml_read import sha256_bytes

    drafts = mini / "drafts"
    drafts.mkdir()
    text = "Something happened.\n"
    (drafts / "later.txt").write_text(text)
    (drafts / "later.toml").write_text(
        'id = "later"\ntitle = "T"\ndate = 2027-01-01\nimported = 2026-11-24\n\n[source]\n'
        'publisher = "P"\nreliability = "B"\ncredibility = 2\nquote = "Something happened."\n'
        f'archive_sha256 = "{sha256_bytes(text.encode())}"\n\n[[assessment]]\n'
        'recommendation = "nowhere"\nimpact = 1\nconfidence = "high"\nrationale = "r"\n'
    )
    code = main(["draft", "promote", "later", "-C", str(mini)])
    err = capsys.readouterr().err
    assert code == 1
    assert "future" in err and "unknown recommendation 'nowhere'" in err
    assert not (mini / "evidence" / "2027").exists()
    assert (drafts / "later.toml").exists()


def test_a_month_from_the_url_dates_the_event_but_claims_no_day(mini, capsys, tmp_path):
    """A URL's `/2024/06/` says the month only: JSON's `published` stays null (a first of
    June would be a wrong date), the span is given apart, the draft dates the event to the
    month and leaves source.published for the analyst, and promote asks for it."""
    paste = tmp_path / "minister.txt"
    paste.write_text(
        "Belarus names a new foreign minister\n"
        "https://example.org/world/2024/06/belarus-names-new-foreign-minister/\n\n"
        "Belarus President Alexander Lukashenko on Thursday named a new foreign minister "
        "and reshuffled other senior officials in Minsk, observers said.\n",
        "utf-8",
    )
    code, out, _ = run(
        capsys, "import", str(paste), "--dry-run", "--format", "json", "-C", str(mini)
    )
    assert code == 0
    article = json.loads(out)["article"]
    assert article["published"] is None
    assert (article["date_precision"], article["period_start"]) == ("month", "2024-06-01")
    code, out, _ = run(capsys, "import", str(paste), "-C", str(mini))
    assert code == 0 and "not known to the day: 2024-06 (month)" in out
    draft = next((mini / "drafts").glob("*.toml"))
    text = draft.read_text("utf-8")
    assert "date = 2024-06-01" in text and 'date_precision = "month"' in text
    assert "\npublished =" not in text
    assert "dates itself only to 2024-06" in text
    code, out, err = run(capsys, "draft", "promote", draft.stem, "-C", str(mini))
    assert code == 1 and "source.published is empty" in out + err
    finish_draft(draft, quote="named a new foreign minister")
    code, out, err = run(capsys, "draft", "promote", draft.stem, "-C", str(mini))
    assert code == 0, out + err
    promoted = next((mini / "evidence/2024").glob("*.toml")).read_text("utf-8")
    assert 'date_precision = "month"' in promoted and "\npublished =" not in promoted
    assert run(capsys, "check", "-C", str(mini))[0] == 0
