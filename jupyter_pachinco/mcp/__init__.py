"""Pachinco's context and safe trial runs as MCP tools, for the agents people already use.

- `tools`: the tools themselves (one implementation), their schemas, descriptions and
  annotations, with the scratch-session tools in `scratch`;
- `specs`: what a tool is (`ToolSpec`, its annotations) and `bind`, which makes a tool the
  plain function a server registers;
- `results`: what they answer, as bounded MCP content (JSON text, figures as images);
- `jupyter_api`: how they reach the assistant: our HTTP API on the Jupyter server, with the
  caller's Jupyter credential on every call;
- `standalone`, `cli`: ``jupyter-pachinco mcp``, on the official ``mcp`` SDK (stdio and
  streamable HTTP);
- `hosted`: the same tools registered for ``jupyter-server-mcp`` through its entry points.

Nothing here imports the server extension's handlers or the pipeline: the HTTP API is the one
way in, so both ways of serving reach the very services the sidebar uses.
"""
