"""Public JSON and the health check: open to every site, and never anything about a supporter."""

import re

from tests.conftest import sign
from widget.extensions import db
from widget.storage.models import Campaign


def test_a_campaigns_public_numbers(client):
    sign(client, given_name="Distinctive", email="distinctive@example.org", city="Secretville", source="p1")
    response = client.get("/api/v1/campaigns/demo-petition")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert data["slug"] == "demo-petition" and data["kind"] == "petition"
    assert data["count"] == 1 and data["goal"] == 1000 and data["status"] == "live"
    assert data["languages"] == ["es", "en"]
    assert data["title"]["en"] == "End mass arbitrary detention"
    body = response.get_data(as_text=True)
    for personal in ("Distinctive", "distinctive@example.org", "Secretville", "127.0.0.1"):
        assert personal not in body


def test_an_unknown_or_draft_campaign_is_a_json_404(app, client):
    response = client.get("/api/v1/campaigns/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Page not found"}
    with app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-call").one().status = "draft"
        db.session.commit()
    assert client.get("/api/v1/campaigns/demo-call").status_code == 404


def test_health_says_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_every_response_carries_the_security_headers(client):
    for path in ("/embed/demo-petition", "/api/v1/campaigns/demo-petition", "/healthz", "/embed/nope"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "default-src 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_only_widget_pages_may_be_framed(client):
    for path in ("/embed/demo-petition", "/embed/nope"):
        # The 404 too: inside a partner's iframe it must show our message, not the browser's.
        headers = client.get(path).headers
        assert "frame-ancestors *" in headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in headers
    for path in ("/api/v1/campaigns/demo-petition", "/healthz"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"


def test_every_route_carries_the_security_headers_and_hsts_over_https(app, client):
    """Every GET route the app has, with its placeholders filled in: no route is left out."""
    values = {"slug": "demo-petition", "file_format": "csv", "filename": "widget.css"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", values.get(name, "x"), path)
        for scheme in ("http", "https"):
            headers = client.get(path, base_url=f"{scheme}://localhost").headers
            policy = headers["Content-Security-Policy"]
            assert "default-src 'none'" in policy and "unsafe-inline" not in policy, path
            assert "frame-ancestors" in policy and "script-src 'self'" in policy, path
            assert headers["X-Content-Type-Options"] == "nosniff", path
            assert headers["Referrer-Policy"] == "same-origin", path
            assert ("Strict-Transport-Security" in headers) == (scheme == "https"), path
        checked += 1
    assert checked >= 15
