"""What the magic prints: the effective settings, without secrets."""

from __future__ import annotations

from jupyter_pachinco.backends.settings import public_url
from jupyter_pachinco.magic.printing import public_settings


def test_settings_shown_hold_no_secrets() -> None:
    url = "https://alice:s3cret@example.org:8443/v1?api_key=k3y#frag"
    assert public_url(url) == "https://example.org:8443/v1"
    assert public_url("http://user@[::1]:8000/v1?k=1") == "http://[::1]:8000/v1"
    assert public_url("  ") == ""
    rows = dict(
        public_settings({"backend": "openai", "base_url": url, "api_key_env": "MY_KEY"}, True, [])
    )
    assert rows["api_key_env"] == "MY_KEY (set)"
    assert "s3cret" not in str(rows)
    assert "k3y" not in str(rows)
