"""The one place that sets security headers: a strict CSP on every response, framing by choice."""

import secrets

from flask import g
from flask import request


def init_app(app):
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce():
    """A per-response nonce for the one small `<style>` block that carries a campaign's colours."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow_framing_by(sources):
    """Let this response be framed by these CSP sources (origins, or "*" for any site)."""
    g.frame_ancestors = list(sources)


def content_security_policy(nonce=None, frame_ancestors=None):
    """The policy for a response with this style nonce and these framing sources (none: no framing)."""
    style_sources = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    frame_ancestors = " ".join(frame_ancestors or ["'none'"])
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            f"style-src {style_sources}",
            "img-src 'self' data:",
            "connect-src 'self'",
            # Our own pages (action page, embed-code preview) show our widget in a frame.
            "frame-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


#: The widget needs none of the browser's powerful features; nothing inside it may ask for them.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


#: What every response carries, whatever it is.
EVERY_RESPONSE = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
)
#: What a response no other site may frame carries on top.
NOT_FRAMED = (("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin"))
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def fixed_security_headers(secure):
    """The headers of a response with no inline style and no framing allowed, such as an image,
    for code that answers before Flask does (see widget.graphics.fast)."""
    return [
        ("Content-Security-Policy", content_security_policy()),
        *EVERY_RESPONSE,
        *NOT_FRAMED,
        *((HSTS,) if secure else ()),
    ]


def set_security_headers(response):
    """No inline script, no sniffing, no referrer leaving the site, and framing only as allowed.

    Pages are not stored by browsers or shared caches unless a view says otherwise: widget pages
    carry one-use form tokens and can echo back what a supporter typed.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce"), g.get("frame_ancestors")))
    for name, value in EVERY_RESPONSE:
        headers[name] = value
    if response.mimetype == "text/html" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    if not g.get("frame_ancestors"):
        for name, value in NOT_FRAMED:
            headers[name] = value
    if request.is_secure:
        headers[HSTS[0]] = HSTS[1]
    return response
