"""Know Your Rights graphics: the right sizes, the right language, never overflowing, drawn once."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from PIL import Image
from werkzeug.test import Client
from werkzeug.wrappers import Response

from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import close_database
from tests.conftest import make_app
from tests.conftest import sign
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.campaigns.schema import CARD_RIGHTS
from widget.embedding import partners
from widget.extensions import db
from widget.graphics import render
from widget.graphics import store
from widget.graphics.cards import DEFAULT_RIGHTS
from widget.graphics.cards import CardContent
from widget.graphics.cards import Right
from widget.graphics.cards import card_content
from widget.graphics.fast import CachedCards
from widget.graphics.render import FORMATS
from widget.graphics.render import LAYOUTS
from widget.graphics.render import drawable
from widget.graphics.render import height_of
from widget.graphics.render import palette
from widget.graphics.render import render_card
from widget.storage.models import Campaign

CARD_RIGHTS_HEADING = 120  # the longest heading a campaign file allows
SIZES = {"og": (1200, 630), "square": (1080, 1080), "story": (1080, 1920)}


def image(png):
    return Image.open(io.BytesIO(png)).convert("RGB")


def campaign(app, slug="demo-petition"):
    with app.app_context():
        found = db.session.query(Campaign).filter_by(slug=slug).one()
        db.session.expunge(found)
        return found


def content(app, language, **changes):
    with app.test_request_context(f"/?lang={language}"):
        card = card_content(campaign(app), language)
    return CardContent(**{**card.__dict__, **changes})


def only_background(picture, box):
    """Whether every pixel in the box is the card's background colour."""
    region = picture.crop(box)
    colours = region.getcolors(maxcolors=4)
    return colours is not None and len(colours) == 1 and colours[0][1] == picture.getpixel((0, 0))


def ocr(png, language):
    if not shutil.which("tesseract"):
        pytest.fail("tesseract is not installed: run scripts/test-prerequisites.sh")
    # Read at twice the size, as a scanner would at 300 dpi: OCR is then reliable on this font.
    picture = image(png)
    larger = io.BytesIO()
    picture.resize((picture.width * 2, picture.height * 2), Image.Resampling.LANCZOS).save(larger, "PNG")
    result = subprocess.run(["tesseract", "-", "-", "-l", {"es": "spa", "en": "eng"}[language]],
                            input=larger.getvalue(), capture_output=True, check=True)
    return " ".join(result.stdout.decode().split()).lower()


@pytest.mark.parametrize("card_format", FORMATS)
@pytest.mark.parametrize("language", ["es", "en"])
def test_each_format_has_its_size_and_keeps_its_margins(sqlite_app, card_format, language):
    png = render_card(content(sqlite_app, language), card_format)
    picture = image(png)
    width, height = SIZES[card_format]
    assert picture.size == (width, height)
    assert only_background(picture, (0, 0, width, 30))  # nothing touches the edges
    assert only_background(picture, (width - 30, 0, width, height))
    assert only_background(picture, (0, 0, 30, height))
    assert only_background(picture, (0, height - 24, width, height))
    if card_format == "story":
        # Apps cover the top 250 and bottom 200 pixels of a story with their own buttons.
        assert only_background(picture, (0, 0, width, 250))
        assert only_background(picture, (0, height - 200, width, height))


@pytest.mark.parametrize(("language", "words"), [
    ("es", ["conozca sus derechos", "guardar silencio", "abra la puerta", "firme nada", "asesoría legal"]),
    ("en", ["know your rights", "remain silent", "open the door", "sign anything", "legal advice"]),
])
def test_the_card_says_its_rights_in_its_language(sqlite_app, language, words):
    text = ocr(render_card(content(sqlite_app, language), "square"), language)
    for expected in words:
        assert expected in text, (expected, text)
    other = {"es": "know your rights", "en": "conozca sus derechos"}[language]
    assert other not in text


def scan_qr_code(png):
    if not shutil.which("zbarimg"):
        pytest.fail("zbarimg is not installed: run scripts/test-prerequisites.sh")
    result = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=png, capture_output=True, check=True)
    return result.stdout.decode().strip()


@pytest.mark.parametrize("card_format", FORMATS)
def test_the_qr_code_scans_to_the_action_with_the_sharers_source(sqlite_app, card_format):
    address = "https://acciones.comite-de-solidaridad.example.org/c/" + "-".join(["campana"] * 11) + \
        "?lang=es&source=red-solidaria-del-valle"
    assert scan_qr_code(render_card(content(sqlite_app, "es", qr_url=address), card_format)) == address


def test_spanish_letters_and_signs_are_drawn_not_boxed(sqlite_app):
    rights = (Right("¿Sabía usted? ¡Ñandú y acción!", "Señora Muñoz: ¿cómo está? ¡Qué alegría!"),)
    text = ocr(render_card(content(sqlite_app, "es", rights=rights), "square"), "es")
    for expected in ("¿sabía usted?", "¡ñandú y acción!", "señora muñoz", "¿cómo está?", "¡qué alegría!"):
        assert expected in text, (expected, text)


def test_the_longest_text_in_either_language_always_fits(sqlite_app):
    long_words = " ".join(["Anticonstitucionalísimamente"] * 3)
    rights = tuple(Right(f"{long_words} {number}", " ".join(["Derecho muy largo y detallado."] * 12))
                   for number in range(8))
    for language in ("es", "en"):
        card = content(sqlite_app, language, rights=rights, hotline="Línea de ayuda: " + "9" * 60, link="x" * 120)
        for card_format in FORMATS:
            layout = LAYOUTS[card_format]
            blocks = render.fit_text(card, layout)
            assert sum(block.height for block in blocks) <= layout.text.height
            for block in blocks:
                for line in block.lines:
                    assert block.typeface.getlength(line) <= layout.text.width - block.indent
            picture = image(render_card(card, card_format))
            width, height = picture.size
            assert only_background(picture, (width - 30, 0, width, height))


def test_the_most_a_campaign_file_allows_keeps_every_heading_and_the_help_line(sqlite_app):
    """Eight rights with the longest headings and explanations, and the longest help-line label."""
    heading = ("Usted puede pedir hablar con su consulado y con un abogado antes de responder "
               "cualquier pregunta de los agentes")[:CARD_RIGHTS_HEADING]
    text = " ".join(["Explicación larga de lo que puede hacer y decir en ese momento."] * 7)[:400]
    rights = tuple(Right(f"{number}. {heading}"[:CARD_RIGHTS_HEADING], text) for number in range(CARD_RIGHTS))
    hotline = "Línea de ayuda del Comité de Solidaridad con los Migrantes de"[:60] + ": (202)\u00a0555-0100"
    card = content(sqlite_app, "es", rights=rights, hotline=hotline)
    for card_format in ("square", "story"):
        layout = LAYOUTS[card_format]
        blocks = render.fit_text(card, layout)
        assert [block.badge for block in blocks if block.badge] == [str(n) for n in range(1, CARD_RIGHTS + 1)]
        assert height_of(blocks) <= layout.text.height
        footer = render.fit_footer(card, layout)
        assert "(202)\u00a0555-0100" in " ".join(footer[0].lines) and len(footer) == 2
        assert height_of(footer) <= layout.footer.height
        assert render.fit_link(card, layout)


def explanations(blocks):
    """The explanations' blocks among a card's text (each under its right's heading)."""
    return [block for block in blocks if block.colour == "soft" and block.lines != ["…"]]


@pytest.mark.parametrize("language", ["es", "en"])
def test_explanations_are_shown_only_at_a_size_a_phone_can_show(sqlite_app, language):
    """A card is seen on a phone at about a third of its width. The demo's six rights with their
    explanations fit a square only in text too small to read there: it shows their headings,
    large; the story, which fills the screen, keeps the explanations."""
    card = content(sqlite_app, language)
    square = render.fit_text(card, LAYOUTS["square"])
    assert explanations(square) == []
    assert [block.badge for block in square if block.badge] == [str(n) for n in range(1, len(card.rights) + 1)]
    assert min(block.typeface.size for block in square if block.badge) >= 36
    story = render.fit_text(card, LAYOUTS["story"])
    assert len(explanations(story)) == len(card.rights)
    # A campaign with less to say keeps its explanations on the square too.
    short = content(sqlite_app, language, rights=card.rights[:2])
    assert len(explanations(render.fit_text(short, LAYOUTS["square"]))) == 2


def test_a_card_too_full_for_every_right_says_some_were_left_out(sqlite_app):
    long_heading = " ".join(["Derecho con un título muy largo"] * 4)
    card = content(sqlite_app, "es", rights=tuple(Right(f"{long_heading} {n}", "") for n in range(CARD_RIGHTS)))
    blocks = render.fit_text(card, LAYOUTS["og"])
    badges = [block.badge for block in blocks if block.badge]
    assert 0 < len(badges) < CARD_RIGHTS
    assert blocks[-1].lines == ["…"]


def test_a_right_the_font_cannot_draw_is_skipped_not_numbered_blank(sqlite_app):
    card = content(sqlite_app, "es", rights=(Right("🙂🔥", "✊🏽"), Right("No abra la puerta.", "")))
    blocks = render.fit_text(card, LAYOUTS["square"])
    assert [(block.badge, block.lines) for block in blocks if block.badge] == [("1", ["No abra la puerta."])]


def test_a_long_address_breaks_only_where_addresses_may(sqlite_app):
    longest_slug = "-".join(["campana"] * 10)[:80].strip("-")
    longest_source = "-".join(["red-del-valle"] * 5)[:64]
    link = f"acciones.comite-de-solidaridad.example.org/c/{longest_slug}?source={longest_source}"
    card = content(sqlite_app, "es", link=link)
    for card_format in FORMATS:
        layout = LAYOUTS[card_format]
        [block] = render.fit_link(card, layout)
        assert "".join(block.lines) == link
        assert all(following.startswith(("/", ".", "-", "?", "="))
                   for following in block.lines[1:])


@pytest.mark.parametrize("hostile", [
    "🙂🔥✊🏽 Derechos", "حقوقك كمهاجر", "זכויות", "\u202eevil\u202c", "a\u0000b\u0007c", "" , "   ",
    "<script>alert(1)</script>", "{{ 7*7 }}", "x" * 5000,
])
def test_hostile_campaign_text_renders_without_error(sqlite_app, hostile):
    card = content(sqlite_app, "es", title=hostile, rights=(Right(hostile, hostile),), hotline=hostile)
    for card_format in FORMATS:
        layout = LAYOUTS[card_format]
        assert height_of(render.fit_text(card, layout)) <= layout.text.height
        assert height_of(render.fit_footer(card, layout)) <= layout.footer.height
        picture = image(render_card(card, card_format))
        width, height = SIZES[card_format]
        assert picture.size == (width, height)
        assert only_background(picture, (0, 0, 30, height)) and only_background(picture, (width - 30, 0, width, height))
        assert only_background(picture, (0, height - 24, width, height))


def test_what_the_font_cannot_draw_is_left_out():
    assert drawable("Hola 🙂 mundo") == "Hola mundo"
    assert drawable("Jose\u0301") == "José"  # composed, so the accent is drawn
    assert drawable("حقوق") == ""


@pytest.mark.parametrize("accent", ["#ffdd00", "#ffffff", "#000000", "#0b6e4f", "#7a1f5c", "#1d4ed8"])
def test_any_accent_gives_a_card_readable_in_the_sun(accent):
    from widget.theme import contrast_ratio

    colours = palette(accent)
    assert contrast_ratio(colours["text"], colours["background"]) >= 7
    assert contrast_ratio(colours["soft"], colours["background"]) >= 4.5
    assert contrast_ratio(colours["background"], colours["tint"]) >= 4.5  # the badge numbers


def test_campaigns_can_add_or_replace_rights(app):
    with app.app_context():
        found = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        own = {"es": {"heading": "Grabe lo que pasa."}, "en": {"heading": "Record what happens."}}
        card = {**found.settings["know_your_rights"], "rights": [own]}
        found.settings = {**found.settings, "know_your_rights": card}
        db.session.commit()
    card = content(app, "en")
    assert len(card.rights) == len(DEFAULT_RIGHTS) + 1 and card.rights[-1].heading == "Record what happens."
    with app.app_context():
        found = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        found.settings = {**found.settings, "know_your_rights": {**found.settings["know_your_rights"],
                                                                 "replace_default_rights": True}}
        db.session.commit()
    assert [right.heading for right in content(app, "es").rights] == ["Grabe lo que pasa."]


def test_the_card_carries_the_help_line_and_the_disclaimer(sqlite_app):
    spanish, english = content(sqlite_app, "es"), content(sqlite_app, "en")
    assert spanish.hotline == "Línea de ayuda (número de demostración): (202)\u00a0555-0100"  # never split
    assert english.disclaimer == "This is general information, not legal advice."
    assert spanish.qr_url == "http://localhost/c/demo-petition?lang=es"
    assert spanish.link == "localhost/c/demo-petition"


# Serving


def graphic_address(client, lang="es", card_format="og"):
    """The og card's address, as the action page gives it (each format has its own version)."""
    assert card_format == "og"
    page = BeautifulSoup(client.get(f"/c/demo-petition?lang={lang}").get_data(as_text=True), "html.parser")
    return page.find("meta", property="og:image")["content"].replace("http://localhost", "")


def test_a_graphic_is_drawn_once_and_then_served_from_disk(app, client, monkeypatch, tmp_path):
    app.config["GRAPHICS_DIR"] = str(tmp_path)
    drawn = []
    real = store.render_card
    monkeypatch.setattr(store, "render_card",
                        lambda card, card_format: drawn.append(card_format) or real(card, card_format))
    first = client.get("/graphics/demo-petition/es/og.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert image(first.data).size == (1200, 630)
    for _ in range(3):
        assert client.get("/graphics/demo-petition/es/og.png").status_code == 200
    assert drawn == ["og"]
    assert len(list(tmp_path.rglob("*.png"))) == 1


def test_a_versioned_address_is_cached_for_a_year_and_answers_304(client):
    address = graphic_address(client, "es", "og")
    assert re.search(r"/graphics/demo-petition/es/og\.png\?v=[0-9a-f]{16}$", address)
    response = client.get(address)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # a strong validator
    assert client.get(address, headers={"If-None-Match": etag}).status_code == 304
    unversioned = client.get("/graphics/demo-petition/es/og.png")
    assert unversioned.headers["Cache-Control"] == "public, max-age=300"


def test_a_drawn_card_is_answered_before_flask_with_the_same_headers(app, client, monkeypatch):
    address = graphic_address(client)
    reached_flask = []
    dispatch = app.full_dispatch_request
    monkeypatch.setattr(app, "full_dispatch_request", lambda: reached_flask.append(True) or dispatch())
    drawn = client.get(address)
    assert reached_flask == [True]  # the view drew it
    again = client.get(address)
    assert reached_flask == [True]  # answered by widget.graphics.fast
    assert again.data == drawn.data
    assert headers_of(again) == headers_of(drawn)
    # 304 and HEAD too: the same as Flask's own answers (asked directly, past the middleware).
    flask_only = Client(app.wsgi_app.wsgi_app, Response)
    etag = {"If-None-Match": drawn.headers["ETag"]}
    assert client.get(address, headers=etag).status_code == flask_only.get(address, headers=etag).status_code == 304
    assert headers_of(client.get(address, headers=etag)) == headers_of(flask_only.get(address, headers=etag))
    head = client.head(address)
    assert head.status_code == 200 and head.data == b""
    assert headers_of(head) == headers_of(flask_only.head(address))
    # Anything else goes on to the view: an unversioned address, another method, a malformed path.
    reached_flask.clear()
    for response in (client.get(address.split("?")[0]), client.post(address),
                     client.get(address.replace("/es/", "/xx/")), client.get(address.replace(".png", ".png%0A"))):
        assert response.status_code in (200, 404, 405)
    assert reached_flask == [True] * 4


def headers_of(response):
    # flask-compress marks every response it sees with Vary, even a PNG it would never compress.
    return {name: value for name, value in response.headers if name not in ("Date", "Vary")}


def test_behind_a_proxy_a_drawn_card_carries_hsts_when_the_supporter_used_https(sqlite_template, tmp_path):
    path = tmp_path / "megafono.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", PROXY_HOPS=1, GRAPHICS_DIR=str(tmp_path / "graphics"))
    with app.app_context():
        load_campaign_files(campaign_files(DEMO_CAMPAIGNS))
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https"}
    page = BeautifulSoup(client.get("/c/demo-petition?lang=es", headers=https).get_data(as_text=True), "html.parser")
    address = page.find("meta", property="og:image")["content"]
    assert address.startswith("https://localhost/graphics/")
    for response in (client.get(address, headers=https), client.get(address, headers=https)):  # view, then fast
        assert response.status_code == 200
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get(address.replace("https:", "http:")).headers
    close_database(app)


def test_an_old_address_leads_to_the_current_card(app, client):
    """Once a campaign changes (a corrected help line, say), the old card is not served any more."""
    before = graphic_address(client, card_format="og")
    assert client.get(before).status_code == 200
    with app.app_context():
        found = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        found.settings = {**found.settings, "accent_color": "#7a1f5c"}
        db.session.commit()
    after = graphic_address(client, card_format="og")
    assert before != after
    assert client.get(after).status_code == 200  # drawn now; the old version is removed
    stale = client.get(before)
    assert stale.status_code == 302 and stale.headers["Location"] == after


def test_only_a_registered_partners_code_goes_on_the_qr_code(app, client, tmp_path):
    app.config["GRAPHICS_DIR"] = str(tmp_path)
    with app.app_context():
        partners.add_partner("red-sv", "Red Solidaria SV", ["https://red.example.org"])
    plain = client.get("/graphics/demo-petition/es/og.png")
    anybody = client.get("/graphics/demo-petition/es/og.png?source=anybody")
    partner = client.get("/graphics/demo-petition/es/og.png?source=red-sv")
    assert plain.headers["ETag"] == anybody.headers["ETag"] != partner.headers["ETag"]
    assert len(list(tmp_path.rglob("*.png"))) == 2  # codes that are not partners draw nothing new
    with app.test_request_context():
        card = card_content(campaign(app), "es", "red-sv")
    assert card.qr_url.endswith("/c/demo-petition?lang=es&source=red-sv")
    assert card.link == "localhost/c/demo-petition?source=red-sv"  # the short link credits them too


@pytest.mark.parametrize(("address", "status"), [
    ("/graphics/demo-petition/fr/og.png", 404),  # a language the campaign does not speak
    ("/graphics/demo-petition/es/huge.png", 404),
    ("/graphics/nope/es/og.png", 404),
    ("/graphics/draft-campaign/es/og.png", 404),
    ("/graphics/..%2F..%2Fetc/es/og.png", 404),
    ("/graphics/demo-petition/..%2F..%2Fetc/og.png", 404),
    ("/graphics/demo-petition/es/og.png?v=../../etc", 302),  # leads to the current card
    ("/graphics/demo-petition/es/og.png?v=" + "f" * 500, 302),  # an unknown one leads to the current card
    ("/graphics/demo-petition/es/og.png?v=0123456789abcdef", 302),
    ("/graphics/demo-petition/es/og.png?source=../../x", 200),
])
def test_strange_graphic_addresses_are_refused_or_ignored(client, address, status):
    response = client.get(address)
    assert response.status_code == status
    assert response.status_code != 200 or response.mimetype == "image/png"


def test_a_campaign_taken_back_to_draft_loses_its_drawn_cards(app, client, tmp_path):
    address = graphic_address(client)
    assert client.get(address).status_code == 200
    folder = Path(app.config["GRAPHICS_DIR"]) / "demo-petition"
    assert any(folder.rglob("*.png"))
    draft = yaml.safe_load((DEMO_CAMPAIGNS / "demo-petition.yaml").read_text()) | {"status": "draft"}
    (tmp_path / "draft.yaml").write_text(yaml.safe_dump(draft, allow_unicode=True))
    with app.app_context():
        load_campaign_files([tmp_path / "draft.yaml"])
    assert not folder.exists()
    assert client.get(address).status_code == 404


def test_a_failed_drawing_leaves_nothing_half_written(app, client, monkeypatch, tmp_path):
    app.config["GRAPHICS_DIR"] = str(tmp_path)

    def disk_full(source, destination):
        assert Path(source).exists() and source.endswith(".part")  # written, not yet in place
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "replace", disk_full)
    with pytest.raises(OSError):
        client.get("/graphics/demo-petition/es/og.png")
    assert not any(tmp_path.rglob("*.png")) and not any(tmp_path.rglob("*.part"))


def test_a_corrected_campaign_never_serves_an_old_card_again(app, client, tmp_path):
    """Even a card nobody asked for since the correction: its old address leads to the new one."""
    story = story_address(client, "en")
    assert client.get(story).status_code == 200
    corrected = yaml.safe_load((DEMO_CAMPAIGNS / "demo-petition.yaml").read_text())
    corrected["know_your_rights"]["hotline"] = "+1 202 555 0199"
    (tmp_path / "corrected.yaml").write_text(yaml.safe_dump(corrected, allow_unicode=True))
    with app.app_context():
        load_campaign_files([tmp_path / "corrected.yaml"])
    stale = client.get(story)
    assert stale.status_code == 302 and stale.headers["Location"] == story_address(client, "en") != story


def story_address(client, lang):
    page = BeautifulSoup(client.get(f"/embed/demo-petition/thanks?lang={lang}").get_data(as_text=True), "html.parser")
    return page.find("a", download=re.compile(r"-story\.png$"))["href"]


def draw_cards(folder, *names):
    """Card files as drawing leaves them, in a card's folder of the layout."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or ("0123456789abcdef.png", ".lock", "tmpa1b2c3_d.part"):
        (folder / name).write_bytes(b"drawn")


def test_set_up_clears_cards_of_campaigns_no_longer_public_and_old_files(app, client):
    graphics = Path(app.config["GRAPHICS_DIR"])
    assert client.get(graphic_address(client)).status_code == 200
    (graphics / "demo-petition-es-og-0123456789abcdef.png").write_bytes(b"an older layout")
    draw_cards(graphics / "retired-campaign" / "es" / "og" / "_")
    draw_cards(graphics / "retired-campaign" / "en_XA" / "story" / "partner-7")
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert sorted(entry.name for entry in graphics.iterdir()) == ["demo-petition"]
    assert any((graphics / "demo-petition").rglob("*.png"))


def test_set_up_leaves_alone_what_it_did_not_draw(app, client, tmp_path):
    # An operator may point MEGAFONO_GRAPHICS_DIR at a folder shared with other files.
    graphics = Path(app.config["GRAPHICS_DIR"])
    assert client.get(graphic_address(client)).status_code == 200
    kept = {
        "megafono.sqlite3": "the supporters' signatures", "logo.png": "a picture", "uv.lock": "a lock file",
        "backups/2026/dump.sql": "a backup", "backups/logo.png": "a picture beside it",
        "tiles/3/4/5.png": "a folder of pictures alone", "data/es/og/_/0123456789abcdef.png.txt": "near a card",
        "retired-campaign/es/og/_/notes.txt": "beside a card",
    }
    for name, content in kept.items():
        (graphics / name).parent.mkdir(parents=True, exist_ok=True)
        (graphics / name).write_text(content)
    draw_cards(graphics / "retired-campaign" / "es" / "og" / "_")
    for empty in ("empty-mount-point", "media/es/og"):
        (graphics / empty).mkdir(parents=True)
    behind = tmp_path / "elsewhere" / "es" / "og" / "_"
    draw_cards(behind)
    (graphics / "linked").symlink_to(tmp_path / "elsewhere")
    (graphics / "linked-campaign" / "es").mkdir(parents=True)
    (graphics / "linked-campaign" / "es" / "og").symlink_to(tmp_path / "elsewhere" / "es" / "og")

    result = app.test_cli_runner().invoke(args=["setup"])

    assert result.exit_code == 0, result.output
    assert {name: (graphics / name).read_text() for name in kept} == kept
    assert [path.name for path in (graphics / "retired-campaign").rglob("*") if path.is_file()] == ["notes.txt"]
    assert (graphics / "empty-mount-point").is_dir() and (graphics / "media" / "es" / "og").is_dir()
    assert (graphics / "linked").is_symlink() and (graphics / "linked-campaign" / "es" / "og").is_symlink()
    assert sorted(path.name for path in behind.iterdir()) == [".lock", "0123456789abcdef.png", "tmpa1b2c3_d.part"]


def test_a_card_that_cannot_be_removed_keeps_none_of_the_others(app, monkeypatch, caplog):
    graphics = Path(app.config["GRAPHICS_DIR"])
    stuck = graphics / "demo-petition" / "en" / "og" / "_"
    for language, card_format in (("es", "og"), ("en", "og"), ("es", "square"), ("fr", "story")):
        draw_cards(graphics / "demo-petition" / language / card_format / "_")
    real_unlink = os.unlink

    def refusing(path, *args, **kwargs):
        if Path(path).parent == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr("widget.graphics.store.os.unlink", refusing)
    with app.app_context():
        store.forget_campaign_graphics("demo-petition")
    left = sorted(str(path.relative_to(graphics)) for path in graphics.rglob("*") if path.is_file())
    assert left == [f"demo-petition/en/og/_/{name}" for name in (".lock", "0123456789abcdef.png", "tmpa1b2c3_d.part")]
    assert "could not remove the cards at" in caplog.text and str(stuck) in caplog.text


def test_set_up_goes_on_past_a_folder_it_cannot_read(app, monkeypatch, caplog):
    graphics = Path(app.config["GRAPHICS_DIR"])
    (graphics / "locked" / "es").mkdir(parents=True)
    draw_cards(graphics / "retired-campaign" / "es" / "og" / "_")
    real_scandir = os.scandir

    def refusing(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("widget.graphics.store.os.scandir", refusing)
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert (graphics / "locked" / "es").is_dir() and not (graphics / "retired-campaign").exists()
    assert f"could not remove the cards at {graphics / 'locked'}" in caplog.text


def test_forgetting_a_campaigns_cards_keeps_what_else_is_in_its_folder(app, client):
    graphics = Path(app.config["GRAPHICS_DIR"])
    address = graphic_address(client)
    assert client.get(address).status_code == 200
    drawn = list((graphics / "demo-petition").rglob("*.png"))
    served = {"REQUEST_METHOD": "GET", "PATH_INFO": address.split("?")[0], "QUERY_STRING": address.split("?")[1]}
    assert drawn and CachedCards(None, app.config).drawn_card(served) is not None
    (graphics / "demo-petition" / "notes.txt").write_text("an operator's")
    with app.app_context():
        store.forget_campaign_graphics("demo-petition")
    assert not any(path.exists() for path in drawn)
    assert [path.name for path in (graphics / "demo-petition").iterdir()] == ["notes.txt"]
    assert CachedCards(None, app.config).drawn_card(served) is None


# Where supporters see it


def test_the_thank_you_offers_the_card_to_download_and_share(client):
    sign(client, lang="es", source="p-7")
    page = BeautifulSoup(client.get("/embed/demo-petition/thanks?lang=es&source=p-7").get_data(as_text=True),
                         "html.parser")
    picture = page.find("img", class_="card__image")
    assert re.match(r"/graphics/demo-petition/es/square\.png\?v=[0-9a-f]{16}$", picture["src"])
    assert picture["alt"] == "Imagen de la tarjeta. El texto aparece más abajo."
    said = [item.get_text(" ", strip=True) for item in page.select(".card__rights li")]
    assert len(said) == len(DEFAULT_RIGHTS) and said[0].startswith("Tiene derecho a guardar silencio. No tiene que")
    downloads = [link["href"] for link in page.find_all("a", download=True)]
    assert any("/square.png" in link for link in downloads) and any("/story.png" in link for link in downloads)
    share = page.find("button", attrs={"data-share": True})
    assert share.has_attr("hidden") and share["data-file"] == picture["src"]
    links = {link.get_text(): link["href"] for link in page.select(".share__links a")}
    assert set(links) == {"WhatsApp", "Facebook", "X", "Telegram", "Correo electrónico"}
    assert links["WhatsApp"].startswith("https://wa.me/?text=")
    assert "source%3Dp-7" in links["WhatsApp"] and "lang%3Des" in links["WhatsApp"]
    assert all(link["rel"] == ["noopener", "noreferrer"] for link in page.select(".share__links a"))
    assert "Lo que dice la tarjeta" in page.get_text()
    assert page.select_one(".card__hotline a")["href"] == "tel:+12025550100"  # one tap to call for help


def test_the_action_page_has_open_graph_and_twitter_tags(client):
    page = BeautifulSoup(client.get("/c/demo-petition?lang=en&source=p-7").get_data(as_text=True), "html.parser")

    def meta(key):
        tag = page.find("meta", property=key) or page.find("meta", attrs={"name": key})
        return tag["content"]

    assert meta("og:title") == "End mass arbitrary detention"
    assert meta("og:description").startswith("Under the state of emergency")
    assert meta("og:url") == "http://localhost/c/demo-petition?lang=en&source=p-7"
    assert re.match(r"http://localhost/graphics/demo-petition/en/og\.png\?v=[0-9a-f]{16}$", meta("og:image"))
    assert (meta("og:image:width"), meta("og:image:height")) == ("1200", "630")
    assert meta("og:locale") == "en_US"
    assert meta("twitter:card") == "summary_large_image" and meta("twitter:image") == meta("og:image")
    spanish = BeautifulSoup(client.get("/c/demo-petition?lang=es").get_data(as_text=True), "html.parser")
    assert "/graphics/demo-petition/es/og.png" in spanish.find("meta", property="og:image")["content"]
    shares = [link["href"] for link in page.select(".page__links--share a")]
    assert shares and all("source%3Dp-7" in link for link in shares)
    assert not page.find("script", src=re.compile(r"^https?://"))  # nothing from anyone else


def test_behind_a_proxy_the_tags_use_the_public_address_not_the_host_header(app, client):
    """Link previews fetch og:image from the address in the page: it must be the public one."""
    app.config["BASE_URL"] = "https://act.example.org"
    page = BeautifulSoup(client.get("/c/demo-petition?lang=es", headers={"Host": "evil.example"}).get_data(
        as_text=True), "html.parser")
    image_address = page.find("meta", property="og:image")["content"]
    assert image_address.startswith("https://act.example.org/graphics/demo-petition/es/og.png?v=")
    assert page.find("meta", property="og:url")["content"] == "https://act.example.org/c/demo-petition?lang=es"
    assert "evil.example" not in str(page)
