"""``jupyter-pachinco train`` on the tiny model: LoRA and full runs, answer-only loss, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.cli import main
from jupyter_pachinco.training.trainer import RUN_FILE, TrainOptions, prepare_training

from .conftest import example_rows


def train(base: Path | str, examples: Path, output: Path, *extra: str) -> int:
    return main(
        [
            "train",
            "--base",
            str(base),
            "--examples",
            str(examples),
            "--output",
            str(output),
            "--batch-size",
            "2",
            "--validation-fraction",
            "0.25",
            "--save-steps",
            "1",
            "--eval-steps",
            "2",
            *extra,
        ]
    )


@pytest.mark.timeout(600)  # real training on 2 shared cores
def test_loss_covers_the_answer_never_the_prompt(
    tiny_model_dir: Path, completion_examples: Path, tmp_path: Path
) -> None:
    run = prepare_training(TrainOptions(str(tiny_model_dir), completion_examples, tmp_path))
    trainer = run.trainer
    tokenizer = trainer.processing_class
    answers = {r["completion"] + tokenizer.eos_token for r in example_rows("completion")}
    rows = [trainer.train_dataset[i] for i in range(2)]
    batch = trainer.data_collator(rows)
    for row, labels in zip(rows, batch["labels"].tolist(), strict=True):
        ids = row["input_ids"]
        prompt_length = len(tokenizer(row["prompt"])["input_ids"])
        assert 0 < prompt_length < len(ids)
        assert labels[: len(ids)] == [-100] * prompt_length + ids[prompt_length:]
        assert set(labels[len(ids) :]) <= {-100}  # padding is never learned
        assert tokenizer.decode([t for t in labels if t != -100]) in answers
    assert run.has_validation
    assert len(trainer.eval_dataset) == 3


@pytest.mark.timeout(600)  # real training on 2 shared cores
def test_a_lora_run_checkpoints_and_an_interrupted_run_resumes(
    tiny_model_dir: Path,
    completion_examples: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "run"
    assert train(tiny_model_dir, completion_examples, output, "--max-steps", "2") == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["steps"] == 2
    assert first["train_tokens"] > 0
    assert first["eval_loss"] > 0
    assert (output / "checkpoint-2").is_dir()
    assert (output / "adapter_config.json").is_file()
    assert (output / "adapter_model.safetensors").is_file()
    # "Interrupted": asked for 4 steps, the run goes on from checkpoint-2.
    assert train(tiny_model_dir, completion_examples, output, "--max-steps", "4") == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.strip().splitlines()[-1])["steps"] == 4
    assert "step 4/4" in captured.err
    assert "tok/s" in captured.err
    assert "ETA" in captured.err
    assert "step 1/4" not in captured.err
    assert "step 2/4" not in captured.err
    record = json.loads((output / RUN_FILE).read_text())
    assert record["base_folder"] == str(tiny_model_dir)
    assert record["full"] is False


@pytest.mark.timeout(600)  # real training on 2 shared cores
def test_full_fine_tuning_on_chat_examples_saves_a_whole_model(
    tiny_model_dir: Path, chat_examples: Path, tmp_path: Path
) -> None:
    output = tmp_path / "full"
    assert train(tiny_model_dir, chat_examples, output, "--full", "--max-steps", "1") == 0
    assert (output / "model.safetensors").is_file()
    assert (output / "config.json").is_file()
    assert not (output / "adapter_config.json").exists()
    assert (output / "tokenizer.json").is_file()


def test_bad_inputs_are_reported_without_a_traceback(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--base", str(tiny_model_dir)]) == 1
    assert "missing --examples, --output" in capsys.readouterr().err
    examples = tmp_path / "e.jsonl"
    examples.write_text('{"prompt": "x"}\n')
    assert train(tiny_model_dir, examples, tmp_path / "o") == 1
    assert f"{examples}:1: completion form needs" in capsys.readouterr().err
    examples.write_text('{"prompt": "x", "completion": "y"}\n')
    assert train(tmp_path / "absent.gguf", examples, tmp_path / "o") == 1
    assert "no such GGUF file" in capsys.readouterr().err
    assert main(["train", "export", "--adapter", str(tmp_path / "nope"), "--output", "x.gguf"]) == 1
    assert "no such folder" in capsys.readouterr().err
