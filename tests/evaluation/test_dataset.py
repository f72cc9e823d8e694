"""Loading ARCADE files, and clear errors for files that are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_pachinco.evaluation.dataset import (
    check_predictions_match_dataset,
    load_dataset,
    load_predictions,
    parse_dataset,
)
from jupyter_pachinco.evaluation.errors import DatasetError


def test_loads_the_real_dataset_and_predictions(real_dir: Path) -> None:
    dataset = load_dataset(real_dir / "dataset.json")
    predictions = load_predictions(real_dir / "predictions_mixed.json")
    check_predictions_match_dataset(dataset, predictions)
    [episode] = dataset
    assert episode.work_dir == "dataset_student_data/notebook_0"
    assert len(episode.turns) == 11
    assert episode.turns[0].intent == "rename the first column to city_id"
    assert "read_csv('california_cities_data.csv')" in episode.turns[0].code_context
    assert [len(p) for p in predictions[0].predictions] == [5] * 11


def test_output_variables_are_read(demo_dir: Path) -> None:
    dataset = load_dataset(demo_dir / "dataset.json")
    by_name = {episode.notebook_name: episode for episode in dataset}
    turn = by_name["employees/notebook.ipynb"].turns[0]
    assert turn.output_variables == ("num_male_students", "num_female_students")
    assert by_name["olympics/notebook.ipynb"].turns[0].output_variables == ()


def test_broken_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file"):
        load_dataset(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(DatasetError, match="not valid JSON"):
        load_dataset(broken)
    with pytest.raises(DatasetError, match=r"\[0\]: 'work_dir' must be a string"):
        parse_dataset([{"notebook_name": "a", "turns": []}])


def test_turns_that_differ_from_the_dataset_are_refused(real_dir: Path, tmp_path: Path) -> None:
    data = json.loads((real_dir / "predictions_reference.json").read_text())
    data[0]["turns"][3]["metadata"]["example"]["turn"]["code"]["value"] = "other()"
    changed = tmp_path / "p.json"
    changed.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match="turn 3: the predictions file's turn is not"):
        check_predictions_match_dataset(
            load_dataset(real_dir / "dataset.json"), load_predictions(changed)
        )
