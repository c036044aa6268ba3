"""Security: stateless form tokens, the same-origin check on posts, and the headers on every response."""

from widget.security import headers


def init_app(app):
    headers.init_app(app)
