"""Tool results stay bounded whatever the API answered: long lists are cut (and the cut said),
images are PNGs within their size bound or left out, and the JSON never carries their base64."""

from __future__ import annotations

import base64
import json

from jupyter_pachinco.mcp.results import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    MAX_TEXT_CHARS,
    json_text,
    png_image,
    scratch_result,
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()


def test_a_long_answer_loses_its_last_entries_and_says_how_many() -> None:
    answer = {
        "kernel_id": "k",
        "variables": [{"name": f"v{i}", "preview": "x" * 500} for i in range(1_000)],
    }
    text = json_text(answer).text
    assert len(text) <= MAX_TEXT_CHARS
    kept = json.loads(text)
    assert kept["variables"][0]["name"] == "v0"
    assert len(kept["variables"]) + kept["omitted"]["variables"] == 1_000


def test_only_pngs_within_the_bound_become_images() -> None:
    assert png_image(PNG) is not None
    assert png_image(base64.b64encode(b"GIF89a" + b"\0" * 64).decode()) is None
    assert png_image("not base64 at all!") is None
    assert png_image(None) is None
    too_big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES).decode()
    assert png_image(too_big) is None


def test_a_steps_figures_become_images_and_leave_the_json() -> None:
    figures = [{"kind": "bar", "png": PNG} for _ in range(MAX_IMAGES + 2)] + [{"kind": "line"}]
    blocks = scratch_result({"observation": {"status": "ok", "figures": figures}})
    text, images = blocks[0], blocks[1:]
    assert len(images) == MAX_IMAGES
    assert all(image.mime_type == "image/png" for image in images)
    described = json.loads(text.text)["observation"]["figures"]
    assert [f["image"] for f in described] == [True] * MAX_IMAGES + [False, False, False]
    assert PNG not in text.text
