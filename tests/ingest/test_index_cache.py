"""The similarity index kept between runs: SQLite in the user cache folder, updated per file,
never trusted over the files it stands for, never read from inside the project."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.conftest import MINI_RECOMMENDATIONS
from tracker.cli import main
from tracker.ingest import extract_file, extract_text
from tracker.ingest.index_cache import similarity_index
from tracker.ingest.similar import find_same_event
from tracker.speed.similarity import DB_FILE, FORMAT, SimilarityStore, db_path
from tracker.workspace import open_workspace

ARTICLES = Path(__file__).parent / "articles"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "user-cache"
    monkeypatch.setenv("TRACKER_CACHE_DIR", str(home))
    return home


@pytest.fixture
def project(tmp_path) -> Path:
    """A project whose evidence holds the English Belavia report and the Lithuania report."""
    root = tmp_path / "project"
    (root / "evidence").mkdir(parents=True)
    paper = MINI_RECOMMENDATIONS.replace(
        'language = "en"\n',
        'language = "en"\nsubject_terms = ["Belarus", "Belarusian", "Minsk", "Lukashenko", '
        '"Беларусь", "Минск", "Лукашенко", "Мінск", "Лукашэнка"]\n',
        1,
    )
    (root / "recommendations.toml").write_text(paper, "utf-8")
    for name, node in (
        ("104-us-lifts-belavia-sanctions-en.txt", "balance-west"),
        ("107-lithuania-closes-border-en.txt", "balance"),
    ):
        write_item(root, name, node)
    return root


def write_item(root: Path, name: str, node: str) -> Path:
    from tracker.domain.model import EvidenceItem
    from tracker.store.toml_read import sha256_bytes
    from tracker.store.toml_write import evidence_to_toml

    article = extract_file(ARTICLES / name)
    text = article.text if article.text.endswith("\n") else article.text + "\n"
    item = EvidenceItem.model_validate(
        {
            "id": name[:3] + "-item",
            "title": article.title,
            "date": article.published,
            "date_precision": article.date_precision,
            "source": {
                "url": article.url,
                "publisher": "Outlet",
                "reliability": "B",
                "credibility": 2,
                "quote": text.split("\n")[0][:100],
                "archive_sha256": sha256_bytes(text.encode()),
            },
            "assessment": [
                {"recommendation": node, "impact": 1, "confidence": "low", "rationale": "r"}
            ],
        }
    )
    path = root / "evidence" / str(item.date.year) / f"{item.id}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(evidence_to_toml(item), "utf-8")
    path.with_suffix(".txt").write_text(text, "utf-8")
    settle(path, path.with_suffix(".txt"))
    return path


def settle(*paths: Path, when: int = 1_700_000_000) -> None:
    """Date files in the past: a file changed in the last seconds is re-read on every run
    (a second edit in the same clock tick could hide from its size and time)."""
    for path in paths:
        os.utime(path, ns=(when * 10**9, when * 10**9))


def same_event(root: Path, name: str) -> list[str]:
    index = similarity_index(open_workspace(root))
    try:
        return [c.evidence_id for c in find_same_event(extract_file(ARTICLES / name), index=index)]
    finally:
        index.store.close()


def rows(root: Path) -> dict[str, tuple[int, str]]:
    conn = sqlite3.connect(db_path(root))
    try:
        return {p: (i, ident) for i, p, ident in conn.execute("SELECT id, path, identity FROM doc")}
    finally:
        conn.close()


def test_the_index_lives_in_the_user_cache_folder_and_answers(project, cache_home):
    assert same_event(project, "105-us-lifts-belavia-sanctions-ru.txt") == ["104-item"]
    assert db_path(project).is_file() and cache_home in db_path(project).parents
    inside = [p.name for p in project.rglob("*") if "simil" in p.name or "nodes" in p.name]
    assert inside == []
    assert set(rows(project)) == {"evidence/2025/104-item.toml", "evidence/2025/107-item.toml"}


def test_an_edit_rewrites_only_that_files_rows(project):
    same_event(project, "105-us-lifts-belavia-sanctions-ru.txt")
    before = rows(project)
    edited = project / "evidence/2025/107-item.toml"
    edited.write_text(edited.read_text("utf-8").replace("Outlet", "Another outlet"), "utf-8")
    settle(edited, when=1_700_000_100)
    write_item(project, "106-lithuania-closes-border-be.txt", "balance")
    assert same_event(project, "105-us-lifts-belavia-sanctions-ru.txt") == ["104-item"]
    after = rows(project)
    assert after["evidence/2025/104-item.toml"] == before["evidence/2025/104-item.toml"]
    assert after["evidence/2025/107-item.toml"] != before["evidence/2025/107-item.toml"]
    assert "evidence/2025/106-item.toml" in after
    (project / "evidence/2025/106-item.toml").unlink()
    (project / "evidence/2025/106-item.txt").unlink()
    same_event(project, "105-us-lifts-belavia-sanctions-ru.txt")
    assert "evidence/2025/106-item.toml" not in rows(project)


def test_a_draft_is_a_candidate_and_the_same_file_again_is_not_a_second_draft(project, capsys):
    def run(*argv: str) -> dict:
        assert main([*argv, "--format", "json", "-C", str(project)]) == 0
        return json.loads(capsys.readouterr().out)

    first = run("import", str(ARTICLES / "106-lithuania-closes-border-be.txt"))
    assert first["already"] is None and first["draft"] == f"drafts/{first['draft_id']}.toml"
    retold = run("import", str(ARTICLES / "110-prisoners-pardoned-be.txt"), "--dry-run")
    assert all(c["id"] != first["draft_id"] for c in retold["same_event"])
    again = run("import", str(ARTICLES / "106-lithuania-closes-border-be.txt"))
    assert again["already"]["id"] == first["draft_id"] and again["already"]["draft"] is True
    assert "already imported as draft" in again["already"]["reason"]
    assert again["draft"] is None
    assert sorted(p.name for p in (project / "drafts").iterdir()) == [
        f"{first['draft_id']}.toml",
        f"{first['draft_id']}.txt",
    ]
    other = run("import", str(ARTICLES / "107-lithuania-closes-border-en.txt"), "--dry-run")
    drafts = [c for c in other["same_event"] if c.get("draft")]
    assert [c["id"] for c in drafts] == [first["draft_id"]]
    assert set(drafts[0]) >= {"id", "similarity", "reason", "draft"}
    assert [p for p in rows(project) if p.startswith("drafts/")]


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "foreign", "bad-row"],
)
def test_a_damaged_cache_costs_time_never_a_wrong_answer(project, damage):
    expected = same_event(project, "105-us-lifts-belavia-sanctions-ru.txt")
    path = db_path(project)
    if damage == "garbage":
        path.write_bytes(b"\x00not a database at all" * 100)
    elif damage == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif damage == "foreign":
        path.unlink()
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE meta(key TEXT, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('format', 'something else')")
        conn.commit()
        conn.close()
    else:
        conn = sqlite3.connect(path)
        conn.execute("UPDATE doc SET norm = norm * 10")
        conn.commit()
        conn.close()
    if damage == "bad-row":
        from tracker.speed.similarity import DamagedIndex

        with pytest.raises(DamagedIndex):
            same_event(project, "105-us-lifts-belavia-sanctions-ru.txt")
        from tracker.ingest.index_cache import drop_cached

        drop_cached(project)
    assert same_event(project, "105-us-lifts-belavia-sanctions-ru.txt") == expected


def test_the_cli_rebuilds_when_a_row_fails_its_check(project, capsys):
    args = [
        "import",
        str(ARTICLES / "105-us-lifts-belavia-sanctions-ru.txt"),
        "--dry-run",
        "--format",
        "json",
        "-C",
        str(project),
    ]
    assert main(args) == 0
    expected = json.loads(capsys.readouterr().out)["same_event"]
    conn = sqlite3.connect(db_path(project))
    conn.execute("UPDATE doc SET vector = '[]'")
    conn.commit()
    conn.close()
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["same_event"] == expected


def test_a_locked_or_read_only_cache_is_worked_around(project, cache_home):
    expected = same_event(project, "105-us-lifts-belavia-sanctions-ru.txt")
    write_item(project, "106-lithuania-closes-border-be.txt", "balance")  # the cache must change
    holder = sqlite3.connect(db_path(project), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert same_event(project, "105-us-lifts-belavia-sanctions-ru.txt") == expected
        assert same_event(project, "107-lithuania-closes-border-en.txt") == ["107-item", "106-item"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    if os.geteuid() == 0:
        return  # root writes through permission bits
    folder = db_path(project).parent
    for p in folder.iterdir():
        p.chmod(stat.S_IRUSR)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert same_event(project, "107-lithuania-closes-border-en.txt") == ["107-item", "106-item"]
    finally:
        folder.chmod(stat.S_IRWXU)


def test_an_unwritable_cache_home_still_answers(project, cache_home):
    cache_home.write_text("a file where the cache folder should be")
    assert same_event(project, "105-us-lifts-belavia-sanctions-ru.txt") == ["104-item"]


def test_nothing_in_the_project_folder_is_unpickled(project, capsys, tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    planted = project / ".tracker-cache"
    planted.mkdir()
    for name in ("similarity.pickle", "nodes.json", "similarity.sqlite3", DB_FILE):
        (planted / name).write_bytes(pickle.dumps(Payload()))
    assert main(["import", str(FIXTURES / "seed-004.txt"), "--dry-run", "-C", str(project)]) == 0
    assert main(["suggest", str(FIXTURES / "seed-004.txt"), "-C", str(project)]) == 0
    capsys.readouterr()
    assert not marker.exists()


def test_a_store_of_another_format_is_replaced(tmp_path):
    path = tmp_path / "c" / DB_FILE
    store = SimilarityStore.open(path)
    store.set_meta("format", "tracker-similarity 0")
    store.close()
    reopened = SimilarityStore.open(path)
    assert reopened.meta("format") == FORMAT and len(reopened) == 0
    reopened.close()
    shutil.rmtree(tmp_path / "c")


def test_an_index_built_by_workers_equals_one_built_in_memory(tmp_path):
    """Thousands of items are indexed by worker processes (a first import after a clone):
    the same rows, and the same answers, as the index built in this process."""
    import subprocess
    import sys

    from tests.conftest import REPO
    from tracker.speed.parallel import PARALLEL_FROM

    root = tmp_path / "many"
    subprocess.run(
        [sys.executable, str(REPO / "bench/generate.py"), str(PARALLEL_FROM + 100), str(root)],
        capture_output=True,
        timeout=300,
        check=True,
    )
    built = subprocess.run(  # a process of its own: workers are not forked from a threaded one
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from tracker.workspace import open_workspace;"
            "from tracker.ingest.index_cache import similarity_index;"
            "similarity_index(open_workspace(Path(sys.argv[1]))).store.close()",
            str(root),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "TRACKER_TODAY": "2033-01-01"},
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    ws = open_workspace(root, cache=False)
    in_memory = similarity_index(ws)
    stored = SimilarityStore.open(db_path(root))
    try:
        assert stored.identities() == in_memory.store.identities()
        assert len(stored.identities()) == ws.evidence_count
        answered = 0
        for record in ws.records[:: max(1, ws.evidence_count // 25)]:
            item = ws.read(record.path).item
            article = extract_text(f"{item.title}\n\n{item.source.quote}")
            cached = similarity_index(open_workspace(root))
            try:
                expected = [
                    (c.evidence_id, round(c.similarity, 9))
                    for c in find_same_event(article, index=in_memory)
                ]
                assert [
                    (c.evidence_id, round(c.similarity, 9))
                    for c in find_same_event(article, index=cached)
                ] == expected
                answered += bool(expected)
            finally:
                cached.store.close()
        assert answered >= 5  # reports of the same events are found, not only nothing
    finally:
        stored.close()


def test_rows_kept_in_memory_are_forgotten_when_another_process_writes(project):
    """A checked row is kept decoded for the next question, but a write by another tracker
    (another connection to the same file) makes this one read the rows again."""
    import dataclasses

    same_event(project, "105-us-lifts-belavia-sanctions-ru.txt")
    reader = SimilarityStore.open(db_path(project))
    writer = SimilarityStore.open(db_path(project))
    try:
        rowid = rows(project)["evidence/2025/104-item.toml"][0]
        first = reader.documents([rowid])[rowid]
        assert reader.documents([rowid])[rowid] is first  # kept: not decoded again
        version = reader.version
        record = first.record
        writer.replace([record.path], [dataclasses.replace(record, identity="changed")])
        assert reader.version != version
        assert rowid not in reader.documents([rowid])  # gone: its path has a new row
        assert [s.record.identity for s in reader.where("url", record.url)] == ["changed"]
        fresh = rows(project)["evidence/2025/104-item.toml"][0]
        assert reader.documents([fresh])[fresh].record.identity == "changed"
    finally:
        reader.close()
        writer.close()
