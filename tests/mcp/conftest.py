"""Fixtures of the MCP tests: a real Jupyter server with the extension and jupyter-server-mcp
(on a free port), answered by the scripted OpenAI-compatible model server, and notebooks whose
kernels (real IPython kernels, started through a session as JupyterLab does) hold data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.mcp.servings import jupyter_url
from tests.support.fake_openai import Behaviour, FakeOpenAIServer, answered_by, serving_on
from tests.support.user_kernel import ready_client

ANSWER = (
    "1. Add up the fares.\n",
    "2. Show the total.\n\n",
    "```python\n",
    "total_fare = fares['fare'].sum()\n",
    "total_fare\n",
    "```\n",
)
SETUP = (
    "import pandas as pd\n"
    "fares = pd.DataFrame({'pclass': [1, 3, 3], 'fare': [71.0, 7.5, 8.0]})\n"
    "total = 0"
)
# The user's variables, by digest, read with a silent execute (no history, no count).
DIGEST = (
    "__import__('hashlib').sha256(__import__('pickle').dumps("
    "(fares.to_dict('list'), list(fares.dtypes.astype(str)), total))).hexdigest()"
)


@pytest.fixture
def fake_openai(jp_asyncio_loop: asyncio.AbstractEventLoop) -> Iterator[FakeOpenAIServer]:
    with serving_on(jp_asyncio_loop, FakeOpenAIServer([Behaviour(words=ANSWER)])) as server:
        yield server


@pytest.fixture
def jp_server_config(fake_openai: FakeOpenAIServer) -> dict[str, Any]:
    return answered_by(
        fake_openai, extensions={"jupyter_server_mcp": True}, MCPExtensionApp={"mcp_port": 0}
    )


@pytest.fixture
def url(http_server_client: Any, jp_http_port: int, jp_base_url: str) -> str:
    """The test server's URL; asking for it makes the server listen (http_server_client)."""
    return jupyter_url(jp_http_port, jp_base_url)


def write_notebook(root: Path, path: str, sources: list[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, root / path)


@asynccontextmanager
async def notebook_session(
    jp_serverapp: Any, path: str, cells: list[str]
) -> AsyncIterator[tuple[str, Any]]:
    """The notebook ``path`` (written with ``cells``) open with a kernel session, as JupyterLab
    opens it, after running ``cells``: its kernel id and a client of the kernel."""
    write_notebook(Path(jp_serverapp.root_dir), path, cells)
    sessions = jp_serverapp.session_manager
    session = await sessions.create_session(
        path=path, name=path, type="notebook", kernel_name="python3"
    )
    kernel_id = session["kernel"]["id"]
    client = await ready_client(jp_serverapp.kernel_manager, kernel_id, cells)
    try:
        yield kernel_id, client
    finally:
        client.stop_channels()
        await sessions.delete_session(session["id"])
