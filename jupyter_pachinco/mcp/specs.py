"""What a tool is, apart from what it does: `ToolSpec` (the function, its title, the
description a model reads, its annotations), `hints` (the four MCP annotations, in the order
readOnly, destructive, idempotent, openWorld) and `bind`, which turns a tool into the plain
function a server registers, with the `JupyterAPI` resolved per call and `ToolFailure` raised
as that server's tool error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp_types import ContentBlock, ToolAnnotations

from .jupyter_api import JupyterAPI, ToolFailure

ToolFunction = Callable[..., Awaitable[list[ContentBlock]]]


@dataclass(frozen=True)
class ToolSpec:
    """A tool as MCP lists it: the function, its name, description and annotations."""

    function: ToolFunction
    title: str
    description: str
    annotations: ToolAnnotations

    @property
    def name(self) -> str:
        return self.function.__name__


def hints(
    read_only: bool, destructive: bool, idempotent: bool, open_world: bool
) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )


Resolver = Callable[[], Awaitable[JupyterAPI]]


def bind(spec: ToolSpec, resolve: Resolver, error: type[Exception]) -> ToolFunction:
    """``spec.function`` as a server registers it: without its ``api`` parameter (resolved
    per call by ``resolve``), named and described, failures raised as ``error``."""
    function = spec.function
    signature = inspect.signature(function, eval_str=True)
    parameters = list(signature.parameters.values())[1:]

    @functools.wraps(function)
    async def tool(**arguments: Any) -> list[ContentBlock]:
        try:
            return await function(await resolve(), **arguments)
        except ToolFailure as exc:
            raise error(str(exc)) from None

    tool.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    tool.__annotations__ = {p.name: p.annotation for p in parameters} | {
        "return": signature.return_annotation
    }
    tool.__doc__ = spec.description
    del tool.__wrapped__
    return tool
