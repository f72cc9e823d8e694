"""Training examples: both TRL forms, clear errors, an episode-wise validation split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.training import TrainingError
from jupyter_pachinco.training.examples import (
    load_examples,
    render_as_text,
    split_examples,
    training_rows,
)

COMPLETION = {"prompt": "df = x\n# In[ ]:\n", "completion": "df.head()", "episode": "a", "turn": 0}
CHAT = {
    "prompt": [{"role": "user", "content": "Show the first rows of df"}],
    "completion": [{"role": "assistant", "content": "df.head()"}],
    "episode": "b",
    "turn": 0,
    "form": "chat",
}


class ChatTemplateTokenizer:
    """Stands in for a tokenizer's `apply_chat_template` (the real one is tested in the loop)."""

    def apply_chat_template(self, messages: list[dict[str, str]], **kwargs: object) -> str:
        text = "".join(f"<{m['role']}>{m['content']}</s>" for m in messages)
        return text + ("<assistant>" if kwargs.get("add_generation_prompt") else "")


def write_lines(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    return path


def test_both_forms_load_as_trl_rows(tmp_path: Path) -> None:
    examples = load_examples(write_lines(tmp_path / "e.jsonl", [COMPLETION, CHAT]))
    assert [e.form for e in examples] == ["completion", "chat"]
    assert examples[0].record() == {"prompt": COMPLETION["prompt"], "completion": "df.head()"}
    assert examples[1].record() == {"prompt": CHAT["prompt"], "completion": CHAT["completion"]}


def test_a_mixed_file_trains_as_text_through_the_chat_template(tmp_path: Path) -> None:
    examples = load_examples(write_lines(tmp_path / "e.jsonl", [COMPLETION, CHAT]))
    rows = training_rows(examples, ChatTemplateTokenizer())
    assert rows[1] == {
        "prompt": "<user>Show the first rows of df</s><assistant>",
        "completion": "df.head()</s>",
    }
    assert rows[0] == examples[0].record()
    only_chat = training_rows([examples[1]], ChatTemplateTokenizer())
    assert only_chat == [examples[1].record()]  # one form: TRL applies the template itself
    assert render_as_text(examples[0], ChatTemplateTokenizer()) is examples[0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([1, 2], "JSON object"),
        ({"prompt": "x"}, "string prompt and completion"),
        ({"prompt": "x", "completion": ""}, "string prompt and completion"),
        ({**CHAT, "prompt": []}, "non-empty list"),
        ({**CHAT, "prompt": [{"role": "user"}]}, "'role' and 'content'"),
        ({**CHAT, "completion": [{"role": "user", "content": "x"}]}, "one assistant message"),
        ({**COMPLETION, "form": "fim"}, "unknown form 'fim'"),
    ],
)
def test_malformed_lines_are_named_with_their_line_number(
    tmp_path: Path, row: object, message: str
) -> None:
    path = write_lines(tmp_path / "e.jsonl", [COMPLETION, row])
    with pytest.raises(TrainingError, match=message) as caught:
        load_examples(path)
    assert f"{path}:2" in str(caught.value)


def test_unreadable_empty_and_non_json_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="cannot read examples"):
        load_examples(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(TrainingError, match="no training examples"):
        load_examples(tmp_path / "empty.jsonl")
    (tmp_path / "bad.jsonl").write_text("{nope\n")
    with pytest.raises(TrainingError, match=r"bad.jsonl:1: not JSON"):
        load_examples(tmp_path / "bad.jsonl")


def test_the_validation_split_never_shares_an_episode(tmp_path: Path) -> None:
    rows = [{**COMPLETION, "episode": f"nb{i % 5}", "turn": i} for i in range(20)]
    examples = load_examples(write_lines(tmp_path / "e.jsonl", rows))
    train, validation = split_examples(examples, 0.2, seed=1)
    assert len(train) + len(validation) == 20
    assert {e.episode for e in train}.isdisjoint({e.episode for e in validation})
    assert len({e.episode for e in validation}) == 1
    assert split_examples(examples, 0.2, seed=1) == (train, validation)  # seeded
    assert split_examples(examples, 0.0, seed=1) == (examples, [])
    one_episode = [e for e in examples if e.episode == "nb0"]
    assert split_examples(one_episode, 0.5, seed=1) == (one_episode, [])
