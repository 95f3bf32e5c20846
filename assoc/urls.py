"""Public addresses printed on paper (QR codes of vouchers and member cards).

They come from the `PUBLIC_BASE_URL` setting (e.g. https://khuyenhoc.example.vn), never from the
request's Host header, which a client can set to anything."""

from __future__ import annotations

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + url_for(endpoint, _external=False, **values)
