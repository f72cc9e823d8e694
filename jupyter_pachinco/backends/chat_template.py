"""Chat templates with their own rules: a refused role, strict alternation, a broken template.

Templates are rendered by the model's own machinery (transformers' ``apply_chat_template``,
llama-cpp-python's `Jinja2ChatFormatter`); this module only decides what to do when one
refuses. Some templates refuse a ``system`` message (Gemma: "System role not supported"),
some require user and assistant turns to alternate (Mistral: "Conversation roles must
alternate"), and some drop the system message without a word. Each still gets the product's
instructions: the chat is rendered again with the system message folded into the first user
turn and consecutive turns of one role merged, as llama.cpp does for Gemma. A template that
cannot render even so raises `ChatTemplateError`, saying which model and why.

Pure logic; tokenization is `control_tokens.encode_chat`'s.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from jinja2 import TemplateError

from .control_tokens import ControlPattern, Message, Vocabulary, encode_chat
from .errors import ChatTemplateError

#: What a Jinja chat template raises: its own ``raise_exception`` (ValueError in
#: llama-cpp-python, jinja2's TemplateError in transformers), syntax errors, undefined names.
TEMPLATE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    TemplateError,
)


class _Refused(Exception):
    """The template raised while rendering (its error is the cause)."""


def folded(messages: Sequence[Message]) -> list[Message]:
    """The chat with every system message folded into the first user turn (its text first,
    then a blank line) and consecutive messages of one role joined by a blank line."""
    system = [m["content"] for m in messages if m["role"] == "system"]
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if not rest or rest[0]["role"] != "user":
        rest.insert(0, {"role": "user", "content": ""})
    rest[0]["content"] = "\n\n".join(part for part in [*system, rest[0]["content"]] if part)
    merged: list[Message] = []
    for message in rest:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1]["content"] += "\n\n" + message["content"]
        else:
            merged.append(message)
    return merged


def encode_with_template(
    render: Callable[[list[Message]], str],
    messages: Sequence[Message],
    vocabulary: Vocabulary,
    model: str,
    *,
    pattern: ControlPattern | None = None,
    prefix: Sequence[int] = (),
) -> tuple[list[int], str]:
    """``encode_chat`` through the model's template ``render``, by the rules in the module
    docstring; `ChatTemplateError` names ``model`` when no rendering works."""
    systems = [m["content"].strip() for m in messages if m["role"] == "system"]

    def checked(chat: list[Message]) -> str:
        try:
            text = render(chat)
        except TEMPLATE_ERRORS as exc:
            raise _Refused(str(exc) or type(exc).__name__) from exc
        # A system message the template dropped is one it refused without saying so.
        chat_systems = [m["content"].strip() for m in chat if m["role"] == "system"]
        if any(content and content not in text for content in chat_systems):
            raise _Refused("the template leaves the system message out")
        return text

    try:
        return encode_chat(checked, messages, vocabulary, pattern, prefix)
    except _Refused as first:
        if not systems and _alternates(messages):
            raise template_error(model, first) from first.__cause__
        try:
            return encode_chat(checked, folded(messages), vocabulary, pattern, prefix)
        except _Refused as second:
            raise template_error(model, second) from second.__cause__


def _alternates(messages: Sequence[Message]) -> bool:
    roles = [m["role"] for m in messages]
    return all(a != b for a, b in itertools.pairwise(roles))


def template_error(model: str, reason: object) -> ChatTemplateError:
    """The error for ``model``'s template, which refused to render for ``reason``."""
    return ChatTemplateError(
        f"The chat template of {model!r} cannot render this chat, even with the system "
        f"message folded into the first user turn: {reason}. Use a model whose template "
        "takes user and assistant turns (or fix this one)."
    )


def transcript(messages: Sequence[Message]) -> str:
    """A chat as plain text, for a base model without a chat template."""
    turns = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n".join([*turns, "Assistant:"])
