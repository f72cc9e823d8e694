"""``/pachinco/history``: the earlier turns kept in a saved notebook's metadata.

``GET`` reads ``metadata.pachinco.turns`` of the saved file; ``POST`` stores one turn (in place
of the entry with its ``request_id``, else appended) through
the contents manager, for clients that do not hold the notebook open (the sidebar writes turns
into the open notebook's model and saves it instead).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..context import load_turns, make_turn, save_turn
from .handlers import PachincoHandler
from .validation import BadRequest, notebook_path, read_history_body


class HistoryHandler(PachincoHandler):
    """Earlier turns of one notebook."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        try:
            path = notebook_path(self.get_query_argument("path", None))
        except BadRequest as error:
            self.refuse(error)
            return
        try:
            turns = await load_turns(self.contents_manager, path)
        except web.HTTPError as error:
            self.refuse(_unreadable(path, error))
            return
        self.answer({"turns": [dict(turn) for turn in turns]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        try:
            entry = read_history_body(self.request.body)
        except BadRequest as error:
            self.refuse(error)
            return
        turn = make_turn(entry.intent, entry.code, entry.explanation)
        turn.update(entry.extra)  # type: ignore[typeddict-item]
        try:
            turns = await save_turn(self.contents_manager, entry.path, turn)
        except web.HTTPError as error:
            self.refuse(_unreadable(entry.path, error))
            return
        self.answer({"turns": [dict(t) for t in turns]})


def _unreadable(path: str, error: web.HTTPError) -> BadRequest:
    """The contents manager's refusal (404 missing, 400 not a notebook) as our JSON error."""
    status = error.status_code if 400 <= error.status_code < 500 else 409
    reason = error.log_message or error.reason or "it could not be read"
    return BadRequest(f"The notebook {path} cannot be used for history: {reason}", status=status)


history_handlers: list[tuple[str, type[PachincoHandler]]] = [
    (r"/pachinco/history", HistoryHandler),
]
