"""The Jupyter server extension: settings, handlers and kernel inspection (no business logic)."""
