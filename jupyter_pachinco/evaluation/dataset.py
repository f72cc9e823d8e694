"""Reading ARCADE dataset and predictions files (formats in ``arcade/FORMAT.md``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DatasetError


@dataclass(frozen=True)
class DatasetTurn:
    """One problem: an intent, the code before it and the reference solution."""

    intent: str
    reference: str
    code_context: str
    output_variables: tuple[str, ...]


@dataclass(frozen=True)
class Episode:
    """One notebook: turns that run in order in ``work_dir``."""

    notebook_name: str
    work_dir: str
    turns: tuple[DatasetTurn, ...]


@dataclass(frozen=True)
class PredictedEpisode:
    """An episode with the hypotheses a model wrote for each of its turns."""

    episode: Episode
    predictions: tuple[tuple[str, ...], ...]


def read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc})") from exc


def load_dataset(path: Path) -> list[Episode]:
    return parse_dataset(read_json(path), source=str(path))


def parse_dataset(data: Any, source: str = "dataset") -> list[Episode]:
    episodes = _expect_list(data, f"{source}: a dataset is a JSON list of episodes")
    return [parse_episode(episode, f"{source}[{i}]") for i, episode in enumerate(episodes)]


def parse_episode(data: Any, where: str) -> Episode:
    episode = _expect_mapping(data, f"{where}: an episode is a JSON object")
    turns = _expect_list(episode.get("turns"), f"{where}: 'turns' must be a list")
    return Episode(
        notebook_name=_expect_str(episode, "notebook_name", where),
        work_dir=_expect_str(episode, "work_dir", where),
        turns=tuple(parse_turn(turn, f"{where}.turns[{i}]") for i, turn in enumerate(turns)),
    )


def parse_turn(data: Any, where: str) -> DatasetTurn:
    example = _expect_mapping(data, f"{where}: a turn is a JSON object")
    turn = _expect_mapping(example.get("turn"), f"{where}: missing 'turn'")
    intent = _expect_mapping(turn.get("intent"), f"{where}.turn: missing 'intent'")
    code = _expect_mapping(turn.get("code"), f"{where}.turn: missing 'code'")
    names = intent.get("output_variables") or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise DatasetError(f"{where}.turn.intent: 'output_variables' must be a list of names")
    return DatasetTurn(
        intent=_expect_str(intent, "value", f"{where}.turn.intent"),
        reference=_expect_str(code, "value", f"{where}.turn.code"),
        code_context=_expect_str(turn, "code_context", f"{where}.turn"),
        output_variables=tuple(names),
    )


def load_predictions(path: Path) -> list[PredictedEpisode]:
    return parse_predictions(read_json(path), source=str(path))


def parse_predictions(data: Any, source: str = "predictions") -> list[PredictedEpisode]:
    entries = _expect_list(data, f"{source}: predictions are a JSON list of episodes")
    return [_parse_predicted_episode(entry, f"{source}[{i}]") for i, entry in enumerate(entries)]


def _parse_predicted_episode(data: Any, where: str) -> PredictedEpisode:
    entry = _expect_mapping(data, f"{where}: an episode is a JSON object")
    metadata = _expect_mapping(entry.get("metadata"), f"{where}: missing 'metadata'")
    turns = _expect_list(entry.get("turns"), f"{where}: 'turns' must be a list")
    parsed_turns: list[DatasetTurn] = []
    predictions: list[tuple[str, ...]] = []
    for i, turn in enumerate(turns):
        turn_where = f"{where}.turns[{i}]"
        turn_entry = _expect_mapping(turn, f"{turn_where}: a turn is a JSON object")
        turn_metadata = _expect_mapping(turn_entry.get("metadata"), f"{turn_where}: no metadata")
        parsed_turns.append(parse_turn(turn_metadata.get("example"), f"{turn_where}.example"))
        hypotheses = turn_entry.get("predictions")
        if not isinstance(hypotheses, list) or not all(isinstance(h, str) for h in hypotheses):
            raise DatasetError(f"{turn_where}: 'predictions' must be a list of strings")
        predictions.append(tuple(hypotheses))
    episode = Episode(
        notebook_name=_expect_str(metadata, "notebook_name", f"{where}.metadata"),
        work_dir=_expect_str(metadata, "work_dir", f"{where}.metadata"),
        turns=tuple(parsed_turns),
    )
    return PredictedEpisode(episode=episode, predictions=tuple(predictions))


def check_predictions_match_dataset(
    dataset: Sequence[Episode], predictions: Sequence[PredictedEpisode]
) -> None:
    """Refuse predictions whose notebooks or turns are not those of the dataset."""
    known = {episode.notebook_name: episode for episode in dataset}
    for predicted in predictions:
        name = predicted.episode.notebook_name
        episode = known.get(name)
        if episode is None:
            raise DatasetError(f"predictions for {name!r}, which the dataset does not contain")
        for i, turn in enumerate(predicted.episode.turns):
            if i >= len(episode.turns) or episode.turns[i].reference != turn.reference:
                raise DatasetError(
                    f"{name!r} turn {i}: the predictions file's turn is not the dataset's"
                )


def _expect_list(value: Any, message: str) -> list[Any]:
    if not isinstance(value, list):
        raise DatasetError(message)
    return value


def _expect_mapping(value: Any, message: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DatasetError(message)
    return value


def _expect_str(mapping: Mapping[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str):
        raise DatasetError(f"{where}: {key!r} must be a string")
    return value
