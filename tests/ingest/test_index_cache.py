"""The same-event index cache: a hit answers exactly as a cold build; any change to the
evidence, a corrupt file or --no-cache falls back to building."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np
import pytest

from tracker.cli import main
from tracker.ingest import (
    SimilarityIndex,
    extract_file,
    find_same_event,
    similarity_index,
    suggest,
)
from tracker.ingest.index_cache import cache_path, index_key, read_cached, write_cached
from tracker.ingest.similar import COLUMN_TYPES, EVENT_COLUMNS, PackedShingles, PackedTerms
from tracker.store import load_project

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = sorted(FIXTURES.glob("*.txt"))
HOUR_AGO = time.time() - 3600


def _age(root: Path) -> None:
    """Files written by a test are "racy" (modified this very second); age them an hour."""
    for path in (root / "evidence").rglob("*"):
        os.utime(path, (HOUR_AGO, HOUR_AGO))


@pytest.fixture
def project_root(bundled: Path) -> Path:
    """The bundled evidence (with archived texts) plus two fixture articles as evidence."""
    for name, event in (("dev-009", "passports"), ("dev-026", "passports")):
        article = extract_file(FIXTURES / f"{name}.txt")
        text = article.text + "\n"
        digest = hashlib.sha256(text.encode()).hexdigest()
        item_id = f"2025-09-01-{name}"
        quote = " ".join(article.text[:200].split()[:-1]).replace('"', "'").replace("\\", "")
        toml = (
            f'id = "{item_id}"\ntitle = "{name}"\ndate = 2025-09-01\nevent = "{event}"\n\n'
            f'[source]\npublisher = "Outlet"\nreliability = "B"\ncredibility = 2\n'
            f'quote = "{quote}"\narchive_sha256 = "{digest}"\n'
        )
        if article.url:
            toml += f'url = "{article.url}"\n'
        toml += (
            '\n[[assessment]]\nrecommendation = "open-belarus"\nimpact = 1\n'
            'confidence = "low"\nrationale = "r"\n'
        )
        folder = bundled / "evidence" / "2025"
        (folder / f"{item_id}.toml").write_text(toml, "utf-8")
        (folder / f"{item_id}.txt").write_text(text, "utf-8")
    _age(bundled)
    return bundled


def _answers(root: Path, index: SimilarityIndex) -> list:
    project = load_project(root)
    out = []
    for path in ARTICLES:
        article = extract_file(path)
        out.append(find_same_event(article, project.items, index))
        out.append(suggest(article, project.nodes, project.items, index=index))
    return out


def test_a_cache_hit_answers_exactly_as_a_cold_build(project_root: Path):
    project = load_project(project_root)
    assert not project.errors, project.errors
    cold = similarity_index(project_root, project, use_cache=False)
    assert not cache_path(project_root).exists()  # --no-cache writes nothing either
    similarity_index(project_root, project)  # builds and stores
    assert cache_path(project_root).is_file()
    key, _ = index_key(project_root, project)
    warm = read_cached(project_root, key)
    assert warm is not None
    assert isinstance(warm.term_postings, PackedTerms)
    assert isinstance(warm.shingle_postings, PackedShingles)
    # the same index, column by column and field by field ...
    for name in COLUMN_TYPES:
        assert np.array_equal(warm.columns[name], cold.columns[name]), name
    assert list(warm.ids) == list(cold.ids) and list(warm.dates) == list(cold.dates)
    assert warm.norms.tolist() == cold.norms.tolist()
    assert dict(warm.term_postings) == dict(cold.term_postings)
    assert dict(warm.shingle_postings) == dict(cold.shingle_postings)
    assert dict(warm.urls) == dict(cold.urls) and dict(warm.df) == dict(cold.df)
    assert dict(warm.events) == dict(cold.events)
    assert list(warm.event_of) == list(cold.event_of)
    assert list(warm.assessed) == list(cold.assessed)
    assert warm.shingle_counts.tolist() == cold.shingle_counts.tolist()
    # ... so the same candidates and suggestions, with their reasons and scores
    answers = _answers(project_root, cold)
    assert any(answers[0::2]) and any(answers[1::2])  # the comparison is not vacuous
    assert _answers(project_root, warm) == answers
    assert _answers(project_root, similarity_index(project_root, project)) == answers


def test_a_changed_evidence_file_invalidates_the_cache(project_root: Path):
    project = load_project(project_root)
    similarity_index(project_root, project)
    old_key, _ = index_key(project_root, project)
    path = project_root / "evidence" / "2025" / "2025-09-01-dev-009.toml"
    path.write_text(path.read_text("utf-8").replace('title = "dev-009"', 'title = "Kherson'))
    path.write_text(
        path.read_text("utf-8").replace('title = "Kherson', 'title = "Kherson Zanzibar"')
    )
    _age(project_root)
    changed = load_project(project_root)
    new_key, _ = index_key(project_root, changed)
    assert new_key != old_key
    assert read_cached(project_root, new_key) is None  # the stored index is for the old files
    index = similarity_index(project_root, changed)
    assert "zanzibar" in index.term_postings
    assert read_cached(project_root, new_key) is not None  # rebuilt and stored anew
    assert read_cached(project_root, old_key) is None


def test_a_changed_archived_text_invalidates_the_cache(project_root: Path):
    project = load_project(project_root)
    before = similarity_index(project_root, project)
    old_key, _ = index_key(project_root, project)
    text = project_root / "evidence" / "2025" / "2025-09-01-dev-026.txt"
    text.write_text(text.read_text("utf-8") + "Zanzibar Quagga Kherson 9876.\n", "utf-8")
    _age(project_root)
    project = load_project(project_root)  # an index is of the project as loaded
    new_key, _ = index_key(project_root, project)
    assert new_key != old_key
    after = similarity_index(project_root, project)
    assert "zanzibar" in after.term_postings and "zanzibar" not in before.term_postings


def test_a_just_modified_archive_is_not_stored(project_root: Path):
    """Size and time may not change on a second edit within the same second: no caching yet."""
    text = project_root / "evidence" / "2025" / "2025-09-01-dev-026.txt"
    text.write_text(text.read_text("utf-8") + "More.\n", "utf-8")
    project = load_project(project_root)
    similarity_index(project_root, project)
    assert not cache_path(project_root).exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # truncated
        lambda raw: raw[:-200] + os.urandom(200),  # garbage at the end
        lambda raw: b"\x80\x05not a pickle at all",  # foreign
        lambda raw: raw.replace(b"similarity v", b"similarity w", 1),  # another version
        lambda raw: b"",
    ],
)
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rebuilt(project_root: Path, damage):
    project = load_project(project_root)
    cold = similarity_index(project_root, project, use_cache=False)
    similarity_index(project_root, project)
    path = cache_path(project_root)
    path.write_bytes(damage(path.read_bytes()))
    index = similarity_index(project_root, project)
    assert list(index.ids) == list(cold.ids)
    assert dict(index.term_postings) == dict(cold.term_postings)
    assert _answers(project_root, index) == _answers(project_root, cold)
    key, _ = index_key(project_root, project)
    assert read_cached(project_root, key) is not None  # a good cache replaced the damaged one


def _stored(project_root: Path):
    """The project, its index built afresh, and the key under which the same index is stored."""
    project = load_project(project_root)
    cold = similarity_index(project_root, project, use_cache=False)
    similarity_index(project_root, project)  # builds and stores
    key, _ = index_key(project_root, project)
    return project, cold, key


def _flip(raw: bytes, at: int) -> bytes:
    return raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1 :]


def test_a_damaged_column_or_table_of_contents_is_never_trusted(project_root: Path):
    project, cold, key = _stored(project_root)
    path = cache_path(project_root)
    good = path.read_bytes()
    header_end = good.index(key.encode()) + len(key) + 1
    # a byte of the table of contents, of the first column, of one in the middle, of the last
    for at in (header_end + 20, header_end + 400, len(good) // 2, len(good) - 3):
        path.write_bytes(_flip(good, at))
        assert read_cached(project_root, key) is None, at
    path.write_bytes(good)
    assert read_cached(project_root, key) is not None
    index = similarity_index(project_root, project)
    assert _answers(project_root, index) == _answers(project_root, cold)


def test_well_checksummed_columns_that_do_not_fit_together_are_ignored(project_root: Path):
    project = load_project(project_root)
    key, _ = index_key(project_root, project)
    for name, bad in (
        ("norms", lambda a: a[:-1]),
        ("term_offsets", lambda a: a[::-1].copy()),
        ("term_positions", lambda a: a + 10_000),
        ("assessed_slots", lambda a: a + 1_000),
        ("event_slots", lambda a: a - 5),
        ("ids_offsets", lambda a: a * 2),
        ("shingle_counts", lambda a: a[:-1]),
    ):
        index = similarity_index(project_root, project, use_cache=False)
        index.columns[name] = bad(index.columns[name])
        write_cached(project_root, key, index)
        assert read_cached(project_root, key) is None, name


def test_a_suggestion_reads_only_its_columns_and_the_rest_on_demand(project_root: Path):
    project, cold, key = _stored(project_root)
    lean = read_cached(project_root, key, same_event=False)
    assert lean is not None
    assert not set(EVENT_COLUMNS) & set(lean.columns)
    article = extract_file(FIXTURES / "seed-004.txt")
    assert suggest(article, project.nodes, (), index=lean) == suggest(
        article, project.nodes, (), index=cold
    )
    # an import with that index reads the same-event columns when it first needs them
    assert find_same_event(article, [], lean) == find_same_event(article, [], cold)
    assert set(EVENT_COLUMNS) <= set(lean.columns)


def test_same_event_columns_read_late_are_checked_too(project_root: Path):
    project = load_project(project_root)
    similarity_index(project_root, project)
    key, _ = index_key(project_root, project)
    path = cache_path(project_root)
    lean = read_cached(project_root, key, same_event=False)
    assert lean is not None
    path.write_bytes(_flip(path.read_bytes(), path.stat().st_size - 3))  # in a same-event column
    with pytest.raises(ValueError, match="damaged"):
        lean.shingle_postings  # noqa: B018


def test_an_empty_project_indexes_and_caches(bundled: Path):
    for path in (bundled / "evidence").rglob("*"):
        if path.is_file():
            path.unlink()
    project = load_project(bundled)
    index = similarity_index(bundled, project, use_cache=False)
    assert len(index.ids) == 0
    article = extract_file(FIXTURES / "seed-004.txt")
    assert find_same_event(article, [], index) == []
    assert suggest(article, project.nodes, (), index=index) == suggest(article, project.nodes, ())
    key, _ = index_key(bundled, project)
    write_cached(bundled, key, index)
    again = read_cached(bundled, key)
    assert again is not None and len(again.ids) == 0


def test_cli_warm_run_prints_what_a_cold_run_prints(project_root: Path, capsys):
    article = str(FIXTURES / "seed-004.txt")
    root = str(project_root)
    outputs = []
    for extra in (["--no-cache"], [], [], ["--no-cache"]):
        for command in ("suggest", "import"):
            argv = [command, article, "-C", root, "--format", "json", *extra]
            if command == "import":
                argv.append("--dry-run")
            assert main(argv) == 0
            outputs.append(capsys.readouterr().out)
        if extra == ["--no-cache"] and len(outputs) == 2:
            assert not cache_path(project_root).exists()
    assert cache_path(project_root).is_file()
    assert outputs[0:2] == outputs[2:4] == outputs[4:6] == outputs[6:8]
    assert "2025-09-15-kherson-occupation-head-minsk" in outputs[1]


def test_a_warm_suggestion_reads_no_evidence_item(project_root: Path):
    cold_project = load_project(project_root, use_cache=False)
    cold = similarity_index(project_root, cold_project, use_cache=False)
    load_project(project_root)  # fills the snapshot
    similarity_index(project_root, load_project(project_root))  # stores the index
    warm_project = load_project(project_root)
    index = similarity_index(project_root, warm_project)
    for path in ARTICLES:
        article = extract_file(path)
        expected = suggest(article, cold_project.nodes, cold_project.items, index=cold)
        assert suggest(article, warm_project.nodes, (), index=index) == expected
    assert not warm_project.evidence_loaded


def test_the_stemmed_paper_is_kept_and_a_bad_copy_ignored(project_root: Path):
    from tracker.ingest.index_cache import NODES_FILE, node_index
    from tracker.ingest.suggest import NodeIndex

    project = load_project(project_root)
    cold = NodeIndex.build(project.nodes)
    path = project_root / ".tracker-cache" / NODES_FILE
    node_index(project_root, project, use_cache=False)
    assert not path.exists()
    first = node_index(project_root, project)
    assert path.is_file()
    good = path.read_bytes()
    articles = [extract_file(p) for p in ARTICLES]

    def answers(node_index_: NodeIndex) -> list:
        return [suggest(a, project.nodes, (), node_index=node_index_) for a in articles]

    expected = answers(cold)
    assert first.phrases == cold.phrases and answers(first) == expected
    assert answers(node_index(project_root, project)) == expected  # read from the file
    for damage in (
        good[: len(good) // 2],
        good.replace(b"diplomat", b"diplomaX", 1),  # valid JSON, wrong checksum
        good.replace(b"corpus v", b"corpus w", 1),
        b"",
    ):
        path.write_bytes(damage)
        again = node_index(project_root, project)
        assert again.phrases == cold.phrases and answers(again) == expected
        assert path.read_bytes() == good  # rewritten


def test_a_term_run_damaged_after_opening_is_refused_and_the_cli_rebuilds(
    project_root: Path, capsys
):
    from tracker.ingest.similar import DamagedIndex

    project, cold, key = _stored(project_root)
    path = cache_path(project_root)
    good = path.read_bytes()
    article = extract_file(FIXTURES / "seed-004.txt")
    expected = suggest(article, project.nodes, (), index=cold)
    # the postings of every term, damaged in place after the table of contents was checked
    lean = read_cached(project_root, key, same_event=False)
    assert lean is not None
    start = good.index(cold.columns["term_values"].tobytes()[:64])
    with open(path, "r+b") as handle:
        handle.seek(start)
        handle.write(bytes(len(cold.columns["term_values"]) * 8))
    with pytest.raises(DamagedIndex):
        suggest(article, project.nodes, (), index=lean)
    # the command line drops the damaged file, rebuilds, and answers as a cold build
    argv = ["suggest", str(FIXTURES / "seed-004.txt"), "-C", str(project_root)]
    assert main([*argv, "--format", "json"]) == 0
    damaged_run = capsys.readouterr().out
    assert main([*argv, "--format", "json", "--no-cache"]) == 0
    assert damaged_run == capsys.readouterr().out
    assert expected  # not vacuous
    assert read_cached(project_root, key) is not None
