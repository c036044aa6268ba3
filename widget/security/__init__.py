"""Security: stateless form tokens, the same-origin check on posts, and the headers on every response."""

from widget.embedding.origins import refuse_a_host_that_is_no_address
from widget.security import headers


def init_app(app):
    app.before_request(refuse_a_host_that_is_no_address)
    headers.init_app(app)
