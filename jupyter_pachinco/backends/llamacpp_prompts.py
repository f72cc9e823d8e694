"""Prompt token ids for a GGUF model in llama.cpp: control tokens only from the product.

Raw prompts: the BOS llama.cpp adds for the model, then text parts plain (``special=False``)
and `ControlToken` parts as their tokens, so a FIM prompt is a real fill-in-the-middle request.
Chat: the GGUF's own template (``tokenizer.chat_template``, rendered by llama-cpp-python's
`Jinja2ChatFormatter`) by the rules of `chat_template`, tokenized by `control_tokens`; a base
model without a template gets a plain ``Role: text`` transcript.
"""

from __future__ import annotations

from typing import Any

from .chat_template import TEMPLATE_ERRORS, encode_with_template, template_error, transcript
from .control_tokens import ControlPattern, EncodedPrompt, Message, encode_parts
from .protocol import GenerationRequest
from .reasoning import opens_reasoning


class GGUFVocabulary:
    """A `control_tokens.Vocabulary` over a llama.cpp model: its control (and unknown)
    tokens are those that llama.cpp's special-token parsing produces."""

    def __init__(self, llama: Any) -> None:
        import llama_cpp

        self.llama = llama
        vocab = llama._model.vocab
        special = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN
        self.controls: dict[str, int] = {}
        for token in range(llama.n_vocab()):
            if llama_cpp.llama_vocab_get_attr(vocab, token) & special:
                text = llama_cpp.llama_vocab_get_text(vocab, token) or b""
                self.controls.setdefault(text.decode("utf-8", "replace"), token)
        self.pattern = ControlPattern.of(self.controls)
        self.prefix = list(llama.tokenize(b"", add_bos=True, special=False))

    def plain(self, text: str) -> list[int]:
        return list(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def parsed(self, text: str) -> list[int]:
        return list(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def encode_gguf_prompt(
    vocabulary: GGUFVocabulary, request: GenerationRequest, model: str
) -> EncodedPrompt:
    """The prompt of ``request`` for the GGUF behind ``vocabulary`` (``model`` names it in
    errors: `ChatTemplateError` when its template cannot render the chat)."""
    if request.messages is None:
        ids = encode_parts(request.prompt_parts, vocabulary, vocabulary.prefix)
        return EncodedPrompt(ids, request.prompt_text)
    messages = [{"role": m.role, "content": m.content} for m in request.messages]
    llama = vocabulary.llama
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:  # a base model: a plain transcript is the best it can follow
        text = transcript(messages)
        return EncodedPrompt(encode_parts([text], vocabulary, vocabulary.prefix), text)
    render = _renderer(llama, template, model)
    ids, text = encode_with_template(
        render, messages, vocabulary, model, pattern=vocabulary.pattern
    )
    return EncodedPrompt(ids, text, opens_reasoning(text))


def _renderer(llama: Any, template: str, model: str) -> Any:
    """The GGUF's template as a function of the messages (it writes BOS itself)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    model_handle = llama._model
    eos, bos = llama.token_eos(), llama.token_bos()
    try:
        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=model_handle.token_get_text(eos) if eos != -1 else "",
            bos_token=model_handle.token_get_text(bos) if bos != -1 else "",
        )
    except TEMPLATE_ERRORS as exc:  # the template does not even compile
        raise template_error(model, exc) from exc

    def render(chat: list[Message]) -> str:
        messages: Any = chat
        return str(formatter(messages=messages).prompt)

    return render
