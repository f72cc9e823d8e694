"""The leak check's n-gram overlap."""

from __future__ import annotations

from jupyter_pachinco.training.leakage import code_tokens, ngram_overlap


def test_tokens_drop_comments_and_keep_strings() -> None:
    assert code_tokens("df['a b'].mean()  # average\nx = 1.5") == [
        "df", "[", "'a b'", "]", ".", "mean", "(", ")", "x", "=", "1.5",
    ]  # fmt: skip


def test_overlap_counts_shared_ngrams_per_reference() -> None:
    training = ["a = df.groupby('x')['y'].sum()\nprint(a)"]
    copied = "a = df.groupby('x')['y'].sum()"
    half = "df.groupby('x')['y'].sum().reset_index().rename(columns={'y': 'z'})"
    unrelated = "chipo.item_name.value_counts().head(10)"
    result = ngram_overlap(training, [copied, unrelated, half, "# only a comment"], n=4)
    assert result.references == 3
    assert result.fully_contained == 1
    assert result.max == 1.0
    half_share = (result.mean * 3) - 1.0
    assert 0.2 < half_share < 0.8


def test_short_references_count_when_contained_whole() -> None:
    assert ngram_overlap(["x = df.head()"], ["df.head()"], n=8).mean == 1.0
    assert ngram_overlap(["x = df.head()"], ["df.tail()"], n=8).mean == 0.0
    assert ngram_overlap([], []).references == 0
