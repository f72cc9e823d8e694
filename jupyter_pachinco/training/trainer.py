"""``jupyter-pachinco train``: supervised fine-tuning with TRL's `SFTTrainer`.

LoRA (PEFT) by default, full fine-tuning on request. The loss covers the completion only
(TRL's ``completion_only_loss`` on prompt-completion rows). Episodes held out for validation
give the eval loss; checkpoints go to ``OUTPUT/checkpoint-N`` and a run started again on the
same folder resumes from the last one. The finished adapter (or model) and its tokenizer are
saved in ``OUTPUT`` with ``RUN_FILE``, which names the base for ``train export``.

The same function runs unchanged under ``accelerate launch`` (DDP, DeepSpeed, FSDP): the
Trainer reads the launcher's environment, and only the main process writes the final files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .base_model import gguf_source, resolve_base
from .errors import TrainingError
from .examples import Example, load_examples, render_as_text, split_examples, training_rows
from .progress import TokensPerSecond

#: Written beside the adapter: base model, options and the run's figures.
RUN_FILE = "pachinco_train.json"


@dataclass(frozen=True)
class TrainOptions:
    """One run; lengths in tokens, learning rate per optimizer step."""

    base: str
    examples: Path
    output: Path
    full: bool = False
    epochs: float = 1.0
    max_steps: int = -1
    batch_size: int = 4
    gradient_accumulation: int = 1
    learning_rate: float = 2e-4
    lora_rank: int = 8
    lora_alpha: int = 16
    max_length: int = 1024
    validation_fraction: float = 0.1
    save_steps: int = 50
    eval_steps: int = 50
    seed: int = 0
    resume: str | None = None  # a checkpoint folder; None: the last one in `output`, if any
    restart: bool = False  # ignore checkpoints already in `output`
    cache_dir: Path | None = None


@dataclass(frozen=True)
class TrainResult:
    """What a run produced: the folder, its size in steps and tokens, and its losses."""

    output: Path
    steps: int
    train_tokens: int
    train_tokens_per_s: float
    train_loss: float | None
    eval_loss: float | None
    dropped_too_long: int


def _fits(example: Example, tokenizer: Any, max_length: int) -> bool:
    text = render_as_text(example, tokenizer)
    assert isinstance(text.prompt, str)
    assert isinstance(text.completion, str)
    return len(tokenizer(text.prompt + text.completion)["input_ids"]) + 1 <= max_length


def _load(base: str) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    except OSError as exc:
        raise TrainingError(f"cannot load the base model {base!r}: {exc}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def _config(options: TrainOptions, has_validation: bool) -> Any:
    import torch
    from trl import SFTConfig  # type: ignore[attr-defined]

    return SFTConfig(
        output_dir=str(options.output),
        num_train_epochs=options.epochs,
        max_steps=options.max_steps,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=options.batch_size,
        gradient_accumulation_steps=options.gradient_accumulation,
        learning_rate=options.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=0,
        logging_steps=1,
        eval_strategy="steps" if has_validation else "no",
        eval_steps=options.eval_steps,
        save_strategy="steps",
        save_steps=options.save_steps,
        save_total_limit=2,
        seed=options.seed,
        data_seed=options.seed,
        max_length=options.max_length,
        completion_only_loss=True,
        packing=False,
        activation_checkpointing=False,
        include_num_input_tokens_seen="non_padding",
        disable_tqdm=True,
        report_to="none",
        use_cpu=not torch.cuda.is_available(),
        dataloader_pin_memory=torch.cuda.is_available(),
    )


def _checkpoint(options: TrainOptions) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    if options.resume:
        if not Path(options.resume).is_dir():
            raise TrainingError(f"--resume {options.resume!r}: no such checkpoint folder")
        return options.resume
    if options.restart or not options.output.is_dir():
        return None
    last: str | None = get_last_checkpoint(str(options.output))  # type: ignore[no-untyped-call]
    return last


@dataclass
class PreparedRun:
    """A trainer ready to run, with what `run_training` reports afterwards."""

    trainer: Any
    progress: TokensPerSecond
    base_folder: str
    has_validation: bool
    dropped_too_long: int


def prepare_training(options: TrainOptions) -> PreparedRun:
    """Load examples and base, split, and build the `SFTTrainer` (nothing trained yet).

    Raises `TrainingError` for unreadable examples or a missing base.
    """
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import ProgressCallback, set_seed
    from trl import SFTTrainer  # type: ignore[attr-defined]

    examples = load_examples(options.examples)
    set_seed(options.seed)
    if not torch.cuda.is_available():
        torch.set_flush_denormal(True)
    base = resolve_base(options.base, options.cache_dir)
    model, tokenizer = _load(base)
    kept = [e for e in examples if _fits(e, tokenizer, options.max_length)]
    if not kept:
        raise TrainingError(f"every example is longer than --max-length {options.max_length}")
    train, validation = split_examples(kept, options.validation_fraction, options.seed)
    peft_config = None
    if not options.full:
        peft_config = LoraConfig(
            r=options.lora_rank,
            lora_alpha=options.lora_alpha,
            lora_dropout=0.05,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )
    progress = TokensPerSecond()
    trainer = SFTTrainer(
        model=model,
        args=_config(options, bool(validation)),
        train_dataset=Dataset.from_list(training_rows(train, tokenizer)),
        eval_dataset=Dataset.from_list(training_rows(validation, tokenizer))
        if validation
        else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[progress],
    )
    trainer.remove_callback(ProgressCallback)
    return PreparedRun(trainer, progress, base, bool(validation), len(examples) - len(kept))


def run_training(options: TrainOptions) -> TrainResult:
    """Fine-tune `options.base` on `options.examples`; see the module docstring.

    Raises `TrainingError` for unreadable examples, a missing base or checkpoint.
    """
    checkpoint = _checkpoint(options)
    run = prepare_training(options)
    trainer = run.trainer
    output = trainer.train(resume_from_checkpoint=checkpoint)
    eval_loss = trainer.evaluate()["eval_loss"] if run.has_validation else None
    trainer.save_model(str(options.output))
    result = TrainResult(
        output=options.output,
        steps=trainer.state.global_step,
        train_tokens=run.progress.tokens,
        train_tokens_per_s=run.progress.tokens_per_s,
        train_loss=float(output.training_loss) if output.training_loss is not None else None,
        eval_loss=float(eval_loss) if eval_loss is not None else None,
        dropped_too_long=run.dropped_too_long,
    )
    if trainer.is_world_process_zero():
        _write_run_file(options, run.base_folder, result)
    # Under `accelerate launch` every process waits for the run file, then leaves the process
    # group: a process that exits with its gloo group alive can abort in teardown
    # ("terminate called without an active exception"). Without a group both calls do nothing.
    trainer.accelerator.wait_for_everyone()
    trainer.accelerator.end_training()
    return result


def _write_run_file(options: TrainOptions, base: str, result: TrainResult) -> None:
    source = gguf_source(Path(base)) if Path(base).is_dir() else None
    record = {
        "base": options.base,
        "base_folder": base,
        "base_gguf": str(source) if source else None,
        "full": options.full,
        "result": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()},
    }
    (options.output / RUN_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")


def read_run_file(folder: Path) -> dict[str, Any]:
    """The `RUN_FILE` of a finished run; raises `TrainingError` when `folder` holds none."""
    path = folder / RUN_FILE
    if not path.is_file():
        raise TrainingError(f"{folder}: not a finished 'jupyter-pachinco train' run ({RUN_FILE})")
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record
