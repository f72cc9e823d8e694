"""Prompt token ids for a Hugging Face tokenizer: control tokens only from the product.

Raw prompts: text parts plain (``split_special_tokens=True``), `ControlToken` parts as their
tokens, after the BOS the tokenizer adds. Chat: the tokenizer's own chat template
(``apply_chat_template``) by the rules of `chat_template`, tokenized by `control_tokens`; a
model without a template gets a plain ``Role: text`` transcript.
"""

from __future__ import annotations

from typing import Any

from .chat_template import encode_with_template, transcript
from .control_tokens import ControlPattern, EncodedPrompt, Message, encode_parts
from .protocol import GenerationRequest
from .reasoning import opens_reasoning


class HFVocabulary:
    """A `control_tokens.Vocabulary` over a transformers tokenizer (special added tokens are
    its control tokens)."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        decoder = getattr(tokenizer, "added_tokens_decoder", {}) or {}
        self.controls = {
            str(token.content): int(token_id)
            for token_id, token in decoder.items()
            if getattr(token, "special", False)
        }
        self.pattern = ControlPattern.of(self.controls)
        bos = getattr(tokenizer, "bos_token_id", None)
        added = list(tokenizer("")["input_ids"])  # what the tokenizer puts around any text
        self.prefix = [bos] if bos is not None and added[:1] == [bos] else []

    def plain(self, text: str) -> list[int]:
        encoded = self.tokenizer(text, add_special_tokens=False, split_special_tokens=True)
        return list(encoded["input_ids"])

    def parsed(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def encode_hf_prompt(
    vocabulary: HFVocabulary, request: GenerationRequest, model: str
) -> EncodedPrompt:
    """The prompt of ``request`` for the tokenizer behind ``vocabulary`` (``model`` names it in
    errors: `ChatTemplateError` when its template cannot render the chat)."""
    if request.messages is None:
        ids = encode_parts(request.prompt_parts, vocabulary, vocabulary.prefix)
        return EncodedPrompt(ids, request.prompt_text)
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    tokenizer = vocabulary.tokenizer
    if not getattr(tokenizer, "chat_template", None):
        text = transcript(messages)
        return EncodedPrompt(encode_parts([text], vocabulary, vocabulary.prefix), text)

    def render(chat: list[Message]) -> str:
        text = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        return str(text)

    ids, text = encode_with_template(
        render, messages, vocabulary, model, pattern=vocabulary.pattern
    )
    return EncodedPrompt(ids, text, opens_reasoning(text))
