"""Tool results as MCP content: compact JSON text, bounded, and figures as images.

Pure functions over what our HTTP API answered. Text is at most `MAX_TEXT_CHARS` characters
(long lists lose their last entries first, each cut said in ``"omitted"``), so no answer
overflows a model's context. A scratch step's figures come back as at most `MAX_IMAGES` image
blocks, each a PNG the scratch rendered within its own size bound (``execution.figure_capture``)
and checked here again (a PNG, at most `MAX_IMAGE_BYTES`); the JSON keeps each figure's
description, with ``"image": true`` for the figures shown, never the base64 text.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from mcp_types import ContentBlock, ImageContent, TextContent

from .jupyter_api import ToolFailure

MAX_TEXT_CHARS = 60_000
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 512 * 1024


def json_text(value: Mapping[str, Any]) -> TextContent:
    """``value`` as one JSON text block of at most `MAX_TEXT_CHARS` characters."""
    data = dict(value)
    text = _dumps(data)
    omitted: dict[str, int] = {}
    while len(text) > MAX_TEXT_CHARS:
        name = _longest_list(data)
        if name is None:
            text = text[: MAX_TEXT_CHARS - 20] + ' ... (cut)"}'
            break
        items = data[name]
        keep = max(0, len(items) * 3 // 4 if len(items) > 1 else 0)
        omitted[name] = omitted.get(name, 0) + len(items) - keep
        data[name] = items[:keep]
        data["omitted"] = omitted
        text = _dumps(data)
    return TextContent(type="text", text=text)


def trial_result(answer: Mapping[str, Any]) -> list[ContentBlock]:
    """A trial run's ranking as JSON (trial children describe values, they draw nothing)."""
    return [json_text(answer)]


def scratch_result(answer: Mapping[str, Any]) -> list[ContentBlock]:
    """A scratch step's answer as JSON, its figures' PNGs moved into image blocks."""
    observation = answer.get("observation")
    figures = observation.get("figures") if isinstance(observation, Mapping) else None
    if not isinstance(observation, Mapping) or not isinstance(figures, list):
        return [json_text(answer)]
    images: list[ContentBlock] = []
    described = []
    for figure in figures:
        if not isinstance(figure, Mapping):
            continue
        image = png_image(figure.get("png")) if len(images) < MAX_IMAGES else None
        if image is not None:
            images.append(image)
        described.append({**{k: v for k, v in figure.items() if k != "png"},
                          "image": image is not None})  # fmt: skip
    return [json_text({**answer, "observation": {**observation, "figures": described}}), *images]


def ask_result(lines: Iterable[Mapping[str, Any]]) -> list[ContentBlock]:
    """The generate stream read for an agent: the chosen answer's steps and cells, the other
    candidates' code, the vote; an ``error`` line is a `ToolFailure`."""
    answers: dict[int, Mapping[str, Any]] = {}
    ranking: Mapping[str, Any] | None = None
    notice = None
    for line in lines:
        kind = line.get("type")
        if kind == "error":
            raise ToolFailure(str(line.get("message") or "The assistant failed."))
        if kind == "answer":
            answers[int(line["index"])] = line
        elif kind == "ranking":
            ranking = line
        elif kind == "context":
            notice = line.get("notice")
    if not answers:
        raise ToolFailure("The assistant gave no answer.")
    order = list(ranking["order"]) if ranking else sorted(answers)
    chosen = answers[order[0]]
    result = {
        "steps": chosen["candidate"].get("steps", []),
        "cells": chosen.get("cells", []),
        "code": chosen["candidate"].get("code", ""),
        "finish_reason": chosen.get("finish_reason"),
        "vote": None
        if ranking is None
        else {
            "summary": ranking.get("summary"),
            "notice": ranking.get("notice"),
            "candidates": ranking.get("candidates", []),
        },
        "others": [answers[i]["candidate"].get("code", "") for i in order[1:] if i in answers],
        "notice": notice,
    }
    return [json_text(result)]


def png_image(data: object) -> ImageContent | None:
    """A base64 PNG as image content, or None when it is missing, not a PNG or too large."""
    if not isinstance(data, str) or len(data) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    return ImageContent(type="image", data=data, mime_type="image/png")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _longest_list(data: Mapping[str, Any]) -> str | None:
    lists = [(len(_dumps(v)), k) for k, v in data.items() if isinstance(v, list) and v]
    return max(lists)[1] if lists else None
