"""Every endpoint needs a token; bad bodies get a 4xx JSON error with a message, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jupyter_pachinco.server.validation import MAX_BODY_BYTES

from .conftest import CELLS, Fetch, generate_body, post_json

ENDPOINTS = [
    ("GET", ("pachinco", "status")),
    ("GET", ("pachinco", "openapi.json")),
    ("GET", ("pachinco", "history")),
    ("POST", ("pachinco", "history")),
    ("POST", ("pachinco", "generate")),
    ("POST", ("pachinco", "generate", "cancel")),
    ("POST", ("pachinco", "prompt")),
    ("POST", ("pachinco", "agent")),
    ("POST", ("pachinco", "agent", "cancel")),
    ("GET", ("pachinco", "variables")),
    ("POST", ("pachinco", "context")),
    ("POST", ("pachinco", "trial")),
    ("GET", ("pachinco", "cells")),
    ("POST", ("pachinco", "cells")),
    ("POST", ("pachinco", "scratches")),
    ("POST", ("pachinco", "scratches", "run")),
    ("GET", ("pachinco", "scratches", "variables")),
    ("POST", ("pachinco", "scratches", "close")),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_every_endpoint_is_forbidden_without_a_token(
    jp_fetch: Fetch, method: str, path: tuple[str, ...]
) -> None:
    body = json.dumps(generate_body()) if method == "POST" else None
    response = await jp_fetch(
        *path,
        method=method,
        body=body,
        params={"path": "x.ipynb"} if method == "GET" else {},
        headers={"Authorization": ""},
        raise_error=False,
    )
    assert response.code == 403
    assert "sk-" not in response.body.decode()


async def assert_refused(response: Any, status: int, words: str) -> None:
    assert response.code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    message = json.loads(response.body)["message"]
    assert words in message


@pytest.mark.parametrize("path", [("generate",), ("prompt",)])
async def test_invalid_json_is_a_400(jp_fetch: Fetch, path: tuple[str, ...]) -> None:
    response = await post_json(jp_fetch, "pachinco", *path, body='{"intent": "x",')
    await assert_refused(response, 400, "not valid JSON")


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"intent": 3}, "`intent` is required and must be a string"),
        ({"intent": ""}, "`intent` must have 1 to 10000 characters"),
        ({"intent": "   "}, "`intent` is empty"),
        ({"intent": "x" * 10_001}, "`intent` must have 1 to 10000 characters"),
        ({"request_id": None}, "`request_id` is required"),
        ({"cells": "a cell"}, "`cells` must be a list"),
        ({"cells": [{"cell_type": "code", "source": 7}]}, "`cells[0]`.source must be a string"),
        ({"cells": [{"cell_type": "picture", "source": ""}]}, "`cells[0]`.cell_type"),
        ({"cells": [5]}, "`cells[0]` must be an object"),
        ({"active_cell_index": "2"}, "`active_cell_index` must be an integer or null"),
        ({"active_cell_index": 3}, "`active_cell_index` is 3 but there are 3 cells"),
        ({"active_cell_index": True}, "`active_cell_index` must be an integer"),
        ({"kernel_id": 12}, "`kernel_id` must be a string or null"),
        ({"notebook_path": ["a"]}, "`notebook_path` must be a string or null"),
        ({"options": []}, "`options` must be an object"),
        ({"options": {"n": 0}}, "`options.n` must be an integer from 1 to 8"),
        ({"options": {"n": 9}}, "`options.n` must be an integer from 1 to 8"),
        ({"options": {"n": 2.0}}, "`options.n` must be an integer"),
        ({"options": {"style": "poem"}}, "`options.style` must be one of"),
        ({"options": {"layout": "slides"}}, "`options.layout` must be one of"),
        ({"options": {"include_outputs": "yes"}}, "`options.include_outputs` must be true"),
        ({"options": {"max_new_tokens": 4096}}, "`options.max_new_tokens` must be an integer"),
        ({"options": {"temperature": 2.5}}, "`options.temperature` must be a number"),
        ({"options": {"temperature": "hot"}}, "`options.temperature` must be a number"),
        ({"options": {"top_k": 3}}, "Unknown field(s) `options.top_k`"),
        ({"model": "gpt"}, "Unknown field(s) `model`"),
    ],
)
async def test_wrong_types_and_ranges_are_a_400_naming_the_field(
    jp_fetch: Fetch, fields: dict[str, Any], words: str
) -> None:
    response = await post_json(jp_fetch, "pachinco", "generate", body=generate_body(**fields))
    await assert_refused(response, 400, words)


async def test_a_body_that_is_not_an_object_is_a_400(jp_fetch: Fetch) -> None:
    response = await post_json(jp_fetch, "pachinco", "generate", body="[1, 2]")
    await assert_refused(response, 400, "must be a JSON object")


async def test_a_body_that_is_not_utf8_is_a_400(jp_fetch: Fetch) -> None:
    response = await post_json(jp_fetch, "pachinco", "generate", body=b'{"intent": "\xff"}')
    await assert_refused(response, 400, "not UTF-8")


async def test_a_10_mb_notebook_is_a_413(jp_fetch: Fetch) -> None:
    big_cell = {"cell_type": "code", "source": "x = 1\n" * 175_000, "outputs": []}
    body = generate_body(cells=[big_cell] * 10, active_cell_index=None)
    assert len(json.dumps(body)) > 10_000_000 > MAX_BODY_BYTES
    response = await post_json(jp_fetch, "pachinco", "generate", body=body)
    await assert_refused(response, 413, "at most 4 MiB")


async def test_5000_cells_are_a_413(jp_fetch: Fetch) -> None:
    cells = [{"cell_type": "code", "source": f"x{k} = {k}"} for k in range(5000)]
    response = await post_json(
        jp_fetch, "pachinco", "generate", body=generate_body(cells=cells, active_cell_index=None)
    )
    await assert_refused(response, 413, "5000 cells; at most 2000")


@pytest.mark.parametrize(
    "body",
    [{}, {"request_id": 5}, {"request_id": "a", "extra": 1}],
)
async def test_bad_cancel_bodies_are_a_400(jp_fetch: Fetch, body: dict[str, Any]) -> None:
    response = await post_json(jp_fetch, "pachinco", "generate", "cancel", body=body)
    assert response.code == 400
    assert json.loads(response.body)["message"]


async def test_bad_prompt_bodies_are_refused_like_generate_bodies(jp_fetch: Fetch) -> None:
    response = await post_json(
        jp_fetch, "pachinco", "prompt", body=generate_body(cells=CELLS * 700)
    )
    await assert_refused(response, 413, "at most 2000")


CODE_CELL = {"cell_type": "code", "source": "1"}


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        (("trial",), {"candidates": ["1"]}, 400, "Give `kernel_id`"),
        (("trial",), {"kernel_id": "k", "candidates": "1"}, 400, "`candidates` must be a list"),
        (("trial",), {"kernel_id": "k", "candidates": ["1"] * 9}, 413, "at most 8"),
        (("context",), {"intent": "x", "notebook_path": "../x.ipynb"}, 403, "outside"),
        (("context",), {"intent": "x", "notebook_path": "a/" * 600}, 400, "at most 1000"),
        (("cells",), {"path": "b" * 1001, "cells": [CODE_CELL]}, 400, "at most 1000"),
        (("cells",), {"path": "a.ipynb", "cells": []}, 400, "cells"),
        (("scratches",), {"kernel_id": "nope"}, 404, "No running kernel has the id"),
        (("scratches", "run"), {"scratch_id": "s"}, 400, "`code` must be a string"),
        (("scratches", "run"), {"scratch_id": "s", "code": "1"}, 404, "No open scratch session"),
        (("scratches", "close"), {"scratch_id": 5}, 400, "`scratch_id` must be"),
        (("scratches", "close"), {"scratch_id": "s", "code": "1"}, 400, "Unknown field"),
    ],
)
async def test_the_tool_endpoints_refuse_bad_bodies_saying_why(
    jp_fetch: Fetch, path: tuple[str, ...], body: dict[str, Any], status: int, words: str
) -> None:
    response = await post_json(jp_fetch, "pachinco", *path, body=body)
    await assert_refused(response, status, words)
