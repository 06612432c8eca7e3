"""Words to comparable forms, from any thread."""

from __future__ import annotations


def test_words_are_stemmed_alike_from_many_threads_at_once():
    """The workbench imports and fetches in threads: the stemmer must not be shared."""
    import threading

    from tracker.ingest import tokens

    words = [f"appointments{n}" for n in range(3000)] + ["appointed", "reshuffled"] * 500
    expected = [tokens._english_stem(w) for w in words]
    failures: list[BaseException] = []

    def stem_all() -> None:
        try:
            assert [tokens._english_stem(w) for w in words] == expected
        except BaseException as err:
            failures.append(err)

    threads = [threading.Thread(target=stem_all) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
