"""Embedding on partner sites: the loader, partners, framing, oEmbed and the embed-code page."""

import gzip
import json
import logging
import re
from urllib.parse import quote

import brotli
import pytest
from bs4 import BeautifulSoup

from tests.conftest import action_count
from tests.conftest import sign
from widget.embedding import partners
from widget.extensions import db
from widget.storage.models import Campaign
from widget.storage.models import Signature
from widget.theme import contrast_ratio
from widget.theme import parse_hex

LOADER_BUDGET = 1536  # bytes, gzipped, as served (SPEC section 9)


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def frame_ancestors(response):
    policy = response.headers["Content-Security-Policy"]
    return next(part for part in policy.split("; ") if part.startswith("frame-ancestors")).split()[1:]


def restrict(app, origins=("https://allowed.example",)):
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        embedding = {"open_to_any_site": False, "allowed_origins": list(origins)}
        campaign.settings = {**campaign.settings, "embedding": embedding}
        db.session.commit()


@pytest.fixture
def partner(app):
    with app.app_context():
        partners.add_partner("red-sv", "Red Solidaria SV", ["https://red.example.org"], "#ffdd00")
    return "red-sv"


# The loader


def test_the_loader_is_small_cacheable_and_minified(client):
    response = client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) <= LOADER_BUDGET, f"{len(response.data)} bytes gzipped"
    code = gzip.decompress(response.data).decode()
    assert "/*" not in code and "data-megafono" in code and "postMessage" in code
    assert "max-age=3600" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    again = client.get("/widget.js", headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_loader_is_smaller_still_with_brotli(client):
    response = client.get("/widget.js", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    assert len(response.data) < LOADER_BUDGET
    assert b"data-megafono" in brotli.decompress(response.data)


def test_pages_and_their_files_are_compressed(client):
    page = client.get("/embed/demo-petition", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    css = soup(client.get("/embed/demo-petition")).find("link", rel="stylesheet")["href"]
    style = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert style.headers["Content-Encoding"] == "gzip"
    assert b"--accent" in gzip.decompress(style.data)
    assert "max-age=31536000" in style.headers["Cache-Control"]


# What the loader asks before it frames


def test_an_open_campaign_may_be_shown_anywhere(client):
    data = client.get("/api/v1/campaigns/demo-petition?lang=en", headers={"Origin": "https://anyone.example"}).get_json()
    assert data["may_embed"] is True and data["frame_title"] == "End mass arbitrary detention"
    assert "Origin" in client.get("/api/v1/campaigns/demo-petition").headers["Vary"]


def may(client, origin, query=""):
    url = f"/api/v1/campaigns/demo-petition{query}"
    return client.get(url, headers={"Origin": origin}).get_json()["may_embed"]


def test_a_restricted_campaign_may_be_shown_only_where_allowed(app, client, partner):
    restrict(app)
    assert may(client, "https://allowed.example") is True
    assert may(client, "https://ALLOWED.example:443") is True  # the same origin, written differently
    assert may(client, "https://other.example") is False
    assert may(client, "https://red.example.org") is False  # a partner's site counts only with its code
    assert may(client, "https://red.example.org", "?source=red-sv") is True
    assert may(client, "https://other.example", "?source=red-sv") is False
    assert may(client, "http://localhost") is True  # our own pages always may


@pytest.mark.parametrize("origin", ["http://red.example.org:port", "https://red.example.org:999999", "http://[::1",
                                    "null", "", "red.example.org"])
def test_an_origin_that_is_no_address_may_not_embed(app, client, partner, origin):
    restrict(app)
    assert may(client, origin, "?source=red-sv") is False


def test_a_partners_code_works_only_on_its_own_sites_even_on_an_open_campaign(app, client, partner):
    assert may(client, "https://anyone.example") is True
    assert may(client, "https://anyone.example", "?source=red-sv") is False
    assert may(client, "https://red.example.org", "?source=red-sv") is True
    assert may(client, "https://anyone.example", "?source=just-a-sharer") is True


def test_the_api_gives_the_loader_a_first_height(client):
    data = client.get("/api/v1/campaigns/demo-petition").get_json()
    assert data["height"] == 1550


# Framing


def test_framing_follows_the_campaign_and_the_partner(app, client, partner):
    assert frame_ancestors(client.get("/embed/demo-petition")) == ["*"]
    assert frame_ancestors(client.get("/embed/demo-petition?source=someone")) == ["*"]
    # A registered partner's code: only its own sites, so nobody else collects opt-ins in its name.
    assert frame_ancestors(client.get("/embed/demo-petition?source=red-sv")) == ["'self'", "https://red.example.org"]
    restrict(app)
    assert frame_ancestors(client.get("/embed/demo-petition")) == ["'self'", "https://allowed.example"]
    assert frame_ancestors(client.get("/embed/demo-petition?source=red-sv")) == [
        "'self'", "https://allowed.example", "https://red.example.org",
    ]
    assert frame_ancestors(client.get("/embed/demo-petition?source=somebody")) == ["'self'", "https://allowed.example"]
    thanks = client.get("/embed/demo-petition/thanks?source=red-sv")
    assert "https://red.example.org" in frame_ancestors(thanks)


def test_pages_that_are_not_widgets_are_never_framed(client):
    for path in ("/c/demo-petition", "/c/demo-petition/embed", "/api/v1/campaigns/demo-petition", "/healthz"):
        response = client.get(path)
        assert frame_ancestors(response) == ["'none'"], path
        assert response.headers["X-Frame-Options"] == "DENY"


# Partners, their colours and their credit


def page_colors(page):
    return dict(re.findall(r"--([a-z-]+):(#[0-9a-f]{6})", page.get_data(as_text=True)))


def test_a_partners_color_comes_with_readable_text(app, client, partner):
    colors = page_colors(client.get("/embed/demo-petition?source=red-sv"))
    assert colors["accent"] == "#ffdd00"
    assert contrast_ratio(parse_hex(colors["on-accent"]), parse_hex(colors["accent"])) >= 4.5
    assert contrast_ratio(parse_hex(colors["accent-text"]), parse_hex("#ffffff")) >= 4.5


@pytest.mark.parametrize("theme", ["#ffffff", "#000000", "#777777", "#ffdd00", "#00ff00", "#1d4ed8"])
def test_any_snippet_color_keeps_text_readable(client, theme):
    colors = page_colors(client.get(f"/embed/demo-petition?theme={quote(theme)}"))
    assert contrast_ratio(parse_hex(colors["on-accent"]), parse_hex(colors["accent"])) >= 4.5
    assert contrast_ratio(parse_hex(colors["accent-text"]), parse_hex("#ffffff")) >= 4.5


def test_the_snippets_colour_wins_and_stays_through_the_widget(app, client, partner):
    page = client.get("/embed/demo-petition?source=red-sv&theme=%23123456&lang=en")
    assert "--accent:#123456" in page.get_data(as_text=True)
    form_action = soup(page).find("form")["action"]
    assert "theme=%23123456" in form_action and "source=red-sv" in form_action


@pytest.mark.parametrize("theme", ["red", "#12345", "#1234567", "javascript:alert(1)", "#12345g", "%23fff"])
def test_a_malformed_colour_is_ignored(client, theme):
    page = client.get(f"/embed/demo-petition?theme={quote(theme)}").get_data(as_text=True)
    assert "--accent:#0b6e4f" in page


def test_the_opt_in_names_the_partner_whose_page_it_is(app, client, partner):
    label = soup(client.get("/embed/demo-petition?source=red-sv&lang=es")).find("label", attrs={"for": "opt_in"})
    assert label.get_text() == "Quiero recibir novedades de Red Solidaria SV"


def test_a_name_with_markup_in_it_shows_as_typed_on_the_opt_in(app, client):
    with app.app_context():
        partners.add_partner("tom", 'Tom <img src=x> & "Jerry"', ["http://localhost"])
    response = client.get("/embed/demo-petition?source=tom&lang=en")
    assert "<img src=x>" not in response.get_data(as_text=True)
    label = soup(response).find("label", attrs={"for": "opt_in"})
    assert label.get_text() == 'Send me updates from Tom <img src=x> & "Jerry"' and label.find("img") is None


def test_a_partner_without_registered_sites_is_not_named_on_the_opt_in(app, client):
    with app.app_context():
        partners.add_partner("unverified", "Unverified Org")
    page = soup(client.get("/embed/demo-petition?source=unverified&lang=en"))
    label = page.find("label", attrs={"for": "opt_in"}).get_text()
    assert label == "Send me updates from Red de Solidaridad (demo)"
    assert "unverified" in page.find("form")["action"]  # still credited


def test_signatures_are_credited_and_counted_per_partner(app, client, partner):
    sign(client, source="red-sv", email="a@example.org", opt_in="y")
    sign(client, source="red-sv", email="b@example.org")
    sign(client, email="c@example.org")
    with app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        assert partners.counts_by_source(campaign) == {"red-sv": 2, None: 1}
        opted_in = db.session.query(Signature).filter_by(source="red-sv", opted_in=True).one()
        assert opted_in.email == "a@example.org"
    assert action_count(app) == 3


def test_per_partner_counts_on_the_command_line(app, client, partner):
    sign(client, source="red-sv", email="a@example.org")
    sign(client, email="b@example.org")
    listed = app.test_cli_runner().invoke(args=["partners", "list"])
    assert "red-sv\tRed Solidaria SV\thttps://red.example.org\t1 signature\n" in listed.output
    result = app.test_cli_runner().invoke(args=["partners", "counts", "demo-petition"])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["1\t(no code)", "1\tred-sv (Red Solidaria SV)"] or \
        result.output.splitlines() == ["1\tred-sv (Red Solidaria SV)", "1\t(no code)"]
    missing = app.test_cli_runner().invoke(args=["partners", "counts", "nope"])
    assert missing.exit_code != 0 and "no campaign named 'nope'" in missing.output


def test_partners_are_managed_from_the_command_line(app):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["partners", "add", "casa-ca", "--name", "Casa de la Cultura",
                                "--origin", "HTTPS://Casa.Example:443/", "--color", "#7a1f5c"])
    assert added.exit_code == 0, added.output
    updated = runner.invoke(args=["partners", "update", "casa-ca", "--origin", "https://casa.example",
                                  "--origin", "https://www.casa.example"])
    assert updated.exit_code == 0, updated.output
    listed = runner.invoke(args=["partners", "list"])
    assert "casa-ca\tCasa de la Cultura\thttps://casa.example, https://www.casa.example\t0 signatures" in listed.output


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["add", "bad code", "--name", "X"], "code 'bad code'"),
        (["add", "ok", "--name", ""], "name:"),
        (["add", "ok", "--name", "X", "--origin", "casa.example"], "origin 'casa.example'"),
        (["add", "ok", "--name", "X", "--origin", "https://casa.example/path"], "origin"),
        (["add", "ok", "--name", "X", "--origin", "https://casa.example:99999"], "origin 'https://casa.example:99999'"),
        (["add", "ok\n", "--name", "X"], "code 'ok\\n'"),
        (["add", "ok", "--name", "X", "--color", "purple"], "accent color 'purple'"),
        (["update", "nobody", "--name", "X"], "no partner with code 'nobody'"),
    ],
)
def test_bad_partner_details_are_refused_with_the_reason(app, arguments, problem):
    result = app.test_cli_runner().invoke(args=["partners", *arguments])
    assert result.exit_code != 0 and problem in result.output
    with app.app_context():
        assert partners.all_partners() == []


def test_a_partner_code_can_only_be_registered_once(app, partner):
    result = app.test_cli_runner().invoke(args=["partners", "add", "red-sv", "--name", "Again"])
    assert result.exit_code != 0 and "already registered" in result.output


# oEmbed


def oembed(client, url, **params):
    query = "&".join(f"{key}={quote(str(value))}" for key, value in {"url": url, **params}.items())
    return client.get(f"/oembed?{query}")


def test_oembed_answers_with_every_field_the_specification_requires(client):
    response = oembed(client, "http://localhost/c/demo-petition?lang=en&source=p1", format="json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    # oEmbed 1.0, section 2.3.4: every response; and 2.3.4.4: the rich type.
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert isinstance(data["width"], int) and isinstance(data["height"], int)
    assert isinstance(data["html"], str)
    for optional in ("title", "author_name", "provider_name", "provider_url"):
        assert isinstance(data[optional], str)
    assert isinstance(data["cache_age"], int)
    frame = BeautifulSoup(data["html"], "html.parser").find("iframe")
    assert frame["src"] == "http://localhost/embed/demo-petition?lang=en&source=p1"
    assert frame["title"] == data["title"] == "End mass arbitrary detention"


def test_oembed_keeps_within_the_size_asked_for(client):
    data = oembed(client, "http://localhost/embed/demo-petition", maxwidth=320, maxheight=700).get_json()
    assert data["width"] == 320 and data["height"] == 700
    # As wide as the column, up to the width asked for: a fixed 320px would run off a narrower phone.
    assert "width:100%;max-width:320px;height:700px" in data["html"]
    tiny = oembed(client, "http://localhost/embed/demo-petition", maxwidth=50, maxheight=40).get_json()
    assert (tiny["width"], tiny["height"]) == (50, 40)  # never larger than asked, however small
    for nonsense in ("lots", "-5", "0"):
        assert oembed(client, "http://localhost/c/demo-petition", maxwidth=nonsense).get_json()["width"] == 600


def test_oembed_says_a_restricted_campaign_is_private(app, client):
    restrict(app)
    assert oembed(client, "http://localhost/c/demo-petition").status_code == 401


@pytest.mark.parametrize(
    "url",
    ["http://localhost/c/no-such-campaign", "https://evil.example/c/demo-petition", "http://localhost/other/demo-petition",
     "javascript:alert(1)", "", "http://localhost/c/demo-petition/extra", "http://[::1/c/demo-petition",
     "http://localhost:port/c/demo-petition"],
)
def test_oembed_refuses_what_is_not_one_of_our_campaigns(client, url):
    assert oembed(client, url).status_code == 404


def test_oembed_does_not_offer_xml(client):
    xml = oembed(client, "http://localhost/c/demo-petition", format="xml")
    assert xml.status_code == 501 and xml.get_json() == {"error": "Not available in this format"}


# Pages of our own


def test_the_action_page_can_be_discovered_and_shows_the_widget(client):
    page = soup(client.get("/c/demo-petition?lang=es&source=p1"))
    assert page.html["lang"] == "es"
    discovery = page.find("link", type="application/json+oembed")
    assert discovery["href"].startswith("http://localhost/oembed?url=")
    assert json.loads(client.get(discovery["href"].replace("http://localhost", "", 1)).data)["type"] == "rich"
    assert page.find("link", rel="canonical")["href"] == "http://localhost/c/demo-petition?lang=es&source=p1"
    alternates = {link["hreflang"]: link["href"] for link in page.find_all("link", hreflang=True)}
    assert alternates == {"es": "http://localhost/c/demo-petition?lang=es&source=p1",
                          "en": "http://localhost/c/demo-petition?lang=en&source=p1"}
    box = page.find(attrs={"data-megafono": "demo-petition"})
    assert box["data-lang"] == "es" and box["data-source"] == "p1"
    assert box.find("noscript")
    assert page.find("script", src="/widget.js")


def test_the_embed_code_page_writes_the_snippet_a_partner_chose(app, client, partner):
    page = soup(client.get(
        "/c/demo-petition/embed?lang=es&widget_lang=en&source=red-sv&custom_color=1&theme=%23123456&kind=script"))
    assert "Agregue “Alto a las detenciones masivas y arbitrarias” a su sitio web" in page.get_text()
    snippet = BeautifulSoup(page.find("textarea", id="snippet").get_text(), "html.parser")
    assert snippet.find("script")["src"] == "http://localhost/widget.js"
    box = snippet.find("div")
    assert (box["data-megafono"], box["data-lang"], box["data-source"], box["data-theme"]) == (
        "demo-petition", "en", "red-sv", "#123456")
    assert box.find("a")["href"] == "http://localhost/c/demo-petition?lang=en&source=red-sv"
    assert "Organización aliada: Red Solidaria SV" in page.get_text()


def test_the_embed_code_page_offers_a_plain_iframe(client):
    page = soup(client.get("/c/demo-petition/embed?lang=en&kind=iframe"))
    frame = BeautifulSoup(page.find("textarea", id="snippet").get_text(), "html.parser").find("iframe")
    assert frame["src"] == "http://localhost/embed/demo-petition?lang=en"
    assert frame["title"] == "End mass arbitrary detention" and frame["loading"] == "lazy"


def test_the_embed_code_page_uses_the_partners_own_color_unless_asked_otherwise(client, partner):
    page = soup(client.get("/c/demo-petition/embed?lang=en&source=red-sv&theme=%230b6e4f"))
    assert "data-theme" not in page.find("textarea", id="snippet").get_text()
    assert page.find("input", id="theme")["value"] == "#ffdd00"
    assert not page.find("input", id="custom-color").has_attr("checked")


def test_the_embed_code_page_says_when_a_code_is_not_a_partner(client):
    page = soup(client.get("/c/demo-petition/embed?lang=en&source=casa-migrant"))
    assert "This code is not a registered partner." in page.get_text()
    assert "data-source=\"casa-migrant\"" in page.find("textarea", id="snippet").get_text()


@pytest.mark.parametrize("source", ["bad code", "<script>", "x" * 65])
def test_the_embed_code_page_explains_a_bad_partner_code(client, source):
    page = soup(client.get(f"/c/demo-petition/embed?lang=en&source={quote(source)}"))
    assert "Use only letters, digits, dots, dashes and underscores" in page.find(id="source-error").get_text()
    # No code to copy that would credit nobody: the partner corrects the code first.
    assert page.find("textarea", id="snippet") is None and page.find(id="copy") is None
    assert "Correct your partner code above to get your code" in page.find(id="result").get_text()
    assert page.find("input", id="source")["value"] == source.strip()[:200]  # what was typed stays


def test_a_byte_range_of_a_static_file_gets_the_whole_file(client):
    css = soup(client.get("/embed/demo-petition")).find("link", rel="stylesheet")["href"]
    response = client.get(css, headers={"Range": "bytes=0-99", "Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "Content-Range" not in response.headers
    whole = gzip.decompress(response.data)
    assert len(whole) > 1000 and b"--accent" in whole


def test_the_widget_tells_its_script_which_parents_to_answer(app, client, partner):
    assert soup(client.get("/embed/demo-petition")).body["data-parent-origins"] == "*"
    page = soup(client.get("/embed/demo-petition?source=red-sv"))
    assert page.body["data-parent-origins"].split() == ["http://localhost", "https://red.example.org"]


def test_production_without_a_public_address_warns_at_start(monkeypatch, caplog):
    from widget import create_app

    for name in [name for name in __import__("os").environ if name.startswith("MEGAFONO_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MEGAFONO_SECRET_KEY", "k")
    with caplog.at_level(logging.WARNING):
        create_app()
    assert "MEGAFONO_BASE_URL is not set" in caplog.text
    caplog.clear()
    monkeypatch.setenv("MEGAFONO_BASE_URL", "https://act.example.org")
    with caplog.at_level(logging.WARNING):
        create_app()
    assert "MEGAFONO_BASE_URL" not in caplog.text
