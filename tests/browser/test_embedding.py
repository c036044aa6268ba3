"""The loader on a partner's page (another site, third-party cookies blocked): several widgets,
exact sizing through every state, language, credit, hostile snippets, and what a first view costs."""

import gzip
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click_in_frame
from tests.browser.conftest import wait_until_sized
from widget.embedding import partners
from widget.extensions import db
from widget.storage.models import Campaign
from widget.storage.models import Signature

FIRST_VIEW_BUDGET = 25 * 1024  # bytes, gzipped (SPEC section 9)


def wait_for(page, condition, timeout=5.0):
    """Poll a condition while Playwright keeps delivering the page's events (sleep would starve them)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        page.wait_for_timeout(50)


def partner_page(widget_url, boxes, lang="es"):
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Partner</title></head>
<body><h1>Our campaign page</h1><p>Some text before the widgets.</p>
{boxes}
<p>Some text after the widgets.</p>
<script src="{widget_url}/widget.js" async></script>
</body></html>"""


def fallback(slug):
    return f'<a class="fallback" href="#">{slug}</a>'


@pytest.fixture
def console(page):
    messages = []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    return messages


@pytest.fixture
def partner_registered(widget_app):
    with widget_app.app_context():
        partners.add_partner("red-sv", "Red Solidaria SV", [], "#7a1f5c")


def test_several_widgets_size_themselves_and_credit_the_partner(page, partner_site, widget_server, widget_app,
                                                                 partner_registered, console):
    boxes = (f'<div data-megafono="demo-petition">{fallback("a")}</div>'
             f'<div data-megafono="demo-petition" data-lang="en" data-source="red-sv" data-theme="#1d4ed8">'
             f'{fallback("b")}</div>')
    page.goto(partner_site.add("two.html", partner_page(widget_server.url, boxes)))
    expect(page.locator("iframe")).to_have_count(2)
    first, second = page.locator("iframe").element_handles()

    # Titled, lazy, and in the right language: the page's own for the first, the snippet's for the second.
    assert first.get_attribute("title") == "Alto a las detenciones masivas y arbitrarias"
    assert second.get_attribute("title") == "End mass arbitrary detention"
    assert first.get_attribute("loading") == "lazy"
    assert "page_lang=es" in first.get_attribute("src")
    # The frames may still be loading: wait for each document rather than read it at once.
    expect(page.frame_locator("iframe").nth(0).locator("html")).to_have_attribute("lang", "es")
    expect(page.frame_locator("iframe").nth(1).locator("html")).to_have_attribute("lang", "en")
    second.content_frame().locator("form").wait_for()
    assert "#1d4ed8" in second.content_frame().evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent')")

    # Each frame is exactly as tall as what it shows, with no scrollbar inside.
    for frame_element in (first, second):
        wait_until_sized(frame_element)
        frame = frame_element.content_frame()
        assert frame.evaluate("document.documentElement.scrollHeight <= document.documentElement.clientHeight")
        assert frame.evaluate("getComputedStyle(document.documentElement).overflow") == "hidden"

    # Errors make the form taller; the frame follows.
    frame = second.content_frame()
    form_height = wait_until_sized(second)
    click_in_frame(frame.locator("button[type=submit]"))
    frame.locator(".error-summary").wait_for()
    errors_height = wait_until_sized(second)
    assert errors_height > form_height

    # Signing: the thank-you replaces the form, the frame follows, and the partner gets the credit.
    for name, value in (("given_name", "Rosa"), ("family_name", "Ayala"), ("email", "rosa@example.org"),
                        ("city", "Houston")):
        frame.locator(f"input[name={name}]").fill(value)
    click_in_frame(frame.locator("button[type=submit]"))
    expect(frame.locator("h1")).to_have_text("Thank you for signing!")
    assert wait_until_sized(second) != errors_height

    # The language switch inside the widget: a new page in the frame, sized again.
    click_in_frame(frame.locator(".language-switch a[hreflang=es]"))
    expect(second.content_frame().locator("h1")).to_have_text("¡Gracias por firmar!")
    wait_until_sized(second)

    # Copying the link works from inside the partner's frame, and says so; where the browser
    # refuses, the supporter gets the link to copy by hand.
    frame = second.content_frame()
    copy = frame.locator("[data-copy]")
    click_in_frame(copy)
    expect(frame.locator(".share__status")).to_have_text("Enlace copiado.")
    frame.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new Error('refused')); }")
    click_in_frame(copy)
    expect(frame.locator(".share__status")).to_contain_text("Aquí tiene el enlace para copiarlo a mano: http")

    assert page.url.endswith("/two.html")
    assert page.context.cookies() == []
    with widget_app.app_context():
        signature = db.session.query(Signature).one()
        assert (signature.source, signature.language) == ("red-sv", "en")
    # Desktop Chromium on Linux has no Web Share, so it notes the iframe's allow="web-share";
    # phones, the widget's real home, have it. Anything else is ours to explain.
    assert not [text for kind, text in console if kind == "warning" and "'web-share'" not in text]


def test_a_kept_page_is_styled_compressed_and_signs_like_a_fresh_one(page, widget_server, widget_app, console):
    url = f"{widget_server.url}/embed/demo-petition?lang=es&theme=%231d4ed8"
    page.goto(url)
    first_token = page.locator("input[name=token]").input_value()
    answer = page.goto(url)  # from the copy the server kept: new token and style nonce written in
    assert answer.headers["content-encoding"] == "br"
    assert page.locator("input[name=token]").input_value() != first_token
    # The style block's nonce matches the policy's, or the browser would refuse the colours.
    assert "#1d4ed8" in page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent')")
    for name, value in (("given_name", "Inés"), ("family_name", "Soto"), ("email", "ines@example.org"),
                        ("city", "Dallas")):
        page.locator(f"input[name={name}]").fill(value)
    page.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("¡Gracias por firmar!")
    assert [text for kind, text in console if kind == "error"] == []
    with widget_app.app_context():
        assert db.session.query(Signature).filter_by(email="ines@example.org").count() == 1


def test_unknown_and_malformed_widgets_leave_the_page_whole(page, partner_site, widget_server, console):
    boxes = (f'<div data-megafono="no-such-campaign">{fallback("unknown")}</div>'
             f'<div data-megafono="Not a slug!">{fallback("malformed")}</div>'
             f'<div data-megafono="demo-petition" data-lang="&lt;img src=x&gt;" data-source="two words" '
             f'data-theme="url(evil)">{fallback("odd values")}</div>')
    page.goto(partner_site.add("odd.html", partner_page(widget_server.url, boxes, lang="en-US")))
    expect(page.locator("iframe")).to_have_count(1)
    src = page.locator("iframe").get_attribute("src")
    query = urlsplit(src).query
    assert query == "page_lang=en-US", "odd data-* values must be dropped, the page language used"
    expect(page.locator("a.fallback")).to_have_count(2)  # the unknown and malformed ones keep their links
    wait_for(page, lambda: len([text for kind, text in console if kind == "warning"]) >= 5)
    warnings = [text for kind, text in console if kind == "warning"]
    assert any("no campaign named no-such-campaign" in text for text in warnings), warnings
    assert any('ignoring data-megafono="Not a slug!": use the campaign name in lower case' in text
               for text in warnings), warnings
    for ignored in ('data-lang="<img src=x>"', 'data-source="two words"', 'data-theme="url(evil)"'):
        assert any(f"ignoring {ignored}" in text for text in warnings), (ignored, warnings)
    assert not [text for kind, text in console if kind == "error" and "404" not in text]


def test_a_site_that_is_not_allowed_cannot_show_a_restricted_campaign(page, partner_site, widget_server,
                                                                       widget_app, console):
    with widget_app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        campaign.settings = {**campaign.settings,
                             "embedding": {"open_to_any_site": False, "allowed_origins": ["https://allowed.example"]}}
        db.session.commit()
    page.goto(partner_site.add("loader.html", partner_page(
        widget_server.url, f'<div data-megafono="demo-petition">{fallback("x")}</div>')))
    wait_for(page, lambda: any("may not show demo-petition" in text for _, text in console))
    expect(page.locator("iframe")).to_have_count(0)
    expect(page.locator("a.fallback")).to_have_count(1)

    # Even a hand-written iframe is refused by the browser (frame-ancestors).
    with page.expect_response(lambda response: "/embed/demo-petition" in response.url) as answer:
        page.goto(partner_site.add("direct.html", f'<iframe src="{widget_server.url}/embed/demo-petition"></iframe>'))
    assert "frame-ancestors 'self' https://allowed.example" in answer.value.headers["content-security-policy"]
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame.locator("form").count() == 0


def test_a_first_view_costs_under_25_kilobytes_with_nothing_from_elsewhere(page, partner_site, widget_server):
    bodies, transferred, hosts, kinds = {}, {}, set(), set()

    def record(response):
        request = response.request
        hosts.add(urlsplit(request.url).hostname)
        kinds.add(request.resource_type)
        if request.url.startswith(widget_server.url):
            bodies[request.url] = response.body()
            transferred[request.url] = request.sizes()["responseBodySize"]

    page.on("response", record)
    page.goto(partner_site.add("cost.html", partner_page(
        widget_server.url, f'<div data-megafono="demo-petition">{fallback("x")}</div>')))
    frame_element = page.locator("iframe").element_handle()
    frame_element.content_frame().locator("form").wait_for()
    wait_until_sized(frame_element)
    page.wait_for_load_state("networkidle")

    gzipped = {url: len(gzip.compress(body, 6)) for url, body in bodies.items()}
    total = sum(gzipped.values())
    assert total <= FIRST_VIEW_BUDGET, f"{total} bytes gzipped: {gzipped}"
    sent = sum(transferred.values())  # what actually crossed the network (brotli where possible)
    assert 0 < sent <= FIRST_VIEW_BUDGET, transferred
    assert hosts <= {"localhost", "127.0.0.1"}, hosts
    assert "font" not in kinds
    loaded = {urlsplit(url).path for url in bodies}
    assert {"/widget.js", "/api/v1/campaigns/demo-petition", "/embed/demo-petition"} <= loaded
    assert "/favicon.ico" not in loaded
    print(f"first view: {total} bytes gzipped ({sent} sent) in {len(bodies)} requests")


def test_the_whole_petition_works_from_the_keyboard(page, widget_server, widget_app):
    page.goto(f"{widget_server.url}/embed/demo-petition?lang=en")
    page.keyboard.press("Tab")
    order = []
    for _ in range(12):
        order.append(page.evaluate("document.activeElement.name || document.activeElement.textContent.trim()"))
        page.keyboard.press("Tab")
    assert order[:4] == ["Español", "English", "Why this matters", "given_name"], order
    assert order[4:10] == ["family_name", "email", "city", "postal_code", "opt_in", "Sign the petition"], order

    # Enter in an empty form: errors are announced, focus lands on the first one.
    page.focus("input[name=given_name]")
    page.keyboard.press("Enter")
    page.locator(".error-summary").wait_for()
    assert page.locator(".form__alerts").get_attribute("aria-live") == "assertive"
    assert page.evaluate("document.activeElement.name") == "given_name"

    for value in ("Jo", "Nguyen", "jo@example.org", "Tucson"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # postal code is optional
    page.keyboard.press("Space")  # the opt-in
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Thank you for signing!")
    assert page.evaluate("document.activeElement.id") == "thanks-heading"
    with widget_app.app_context():
        signature = db.session.query(Signature).one()
        assert (signature.given_name, signature.opted_in) == ("Jo", True)


def test_changing_language_keeps_what_was_typed(page, widget_server, widget_app):
    page.goto(f"{widget_server.url}/embed/demo-petition?lang=es")
    typed = {"given_name": "María José", "email": "mj@example.org", "city": "Soyapango"}
    for name, value in typed.items():
        page.locator(f"input[name={name}]").fill(value)
    page.locator("input[name=opt_in]").check()
    page.locator(".language-switch a[lang=en]").click()
    expect(page.locator("h1")).to_have_text("End mass arbitrary detention")
    assert page.evaluate("document.documentElement.lang") == "en"  # read aloud in English now
    assert page.url == f"{widget_server.url}/embed/demo-petition?lang=en"  # and reloaded in English
    assert {name: page.locator(f"input[name={name}]").input_value() for name in typed} == typed
    assert page.locator("input[name=opt_in]").is_checked()
    assert page.evaluate("document.activeElement.getAttribute('aria-current')") == "true"  # focus kept its place
    with widget_app.app_context():
        assert db.session.query(Signature).count() == 0
    page.locator("input[name=family_name]").fill("Hernández")
    page.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Thank you for signing!")
    with widget_app.app_context():
        signature = db.session.query(Signature).one()
        assert (signature.given_name, signature.language, signature.opted_in) == ("María José", "en", True)

    # The call-in's first form too; with nothing typed, the link simply opens the other language.
    page.goto(f"{widget_server.url}/embed/demo-call?lang=en")
    page.locator(".language-switch a[lang^=es]").click()
    page.wait_for_url("**/embed/demo-call?lang=es")
    page.locator("input[name=postal_code]").fill("10001")
    page.locator(".language-switch a[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("input[name=postal_code]").input_value() == "10001"
    page.locator("button[type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("ZIP code 10001 is split between 2 congressional districts")


TAPPABLE_STATES = {
    "petition errors, es": ("/embed/demo-petition?lang=es", "button[type=submit]", ".error-summary"),
    "petition form, en": ("/embed/demo-petition?lang=en", None, None),
    "call start errors, en": ("/embed/demo-call?lang=en", "button[type=submit]", ".error-summary"),
    "call step, es": ("/embed/demo-white-house?lang=es", "button[type=submit]", ".outcome"),
    "embed code, en": ("/c/demo-petition/embed?lang=en", None, None),
}


@pytest.mark.parametrize("state", TAPPABLE_STATES)
def test_everything_a_finger_taps_is_at_least_44_pixels(page, widget_server, state):
    path, click, wait_for_selector = TAPPABLE_STATES[state]
    page.goto(f"{widget_server.url}{path}")
    if click:
        page.wait_for_timeout(2100)  # a person takes a moment before sending
        page.locator(click).last.click()
        page.locator(wait_for_selector).wait_for()
    too_small = page.evaluate("""() => {
        const small = [];
        const inline = '.more__body a, .petition__text a, .thanks__text a, .error-summary a, .notes a, '
            + '.way-forward a, .target__offices a, .target__closed a, .hint a, input[type=color], textarea';
        const tappable = 'a, button, input:not([type=hidden]), summary, select, textarea';
        for (const element of document.querySelectorAll(tappable)) {
            if (element.closest('.trap') || element.matches(inline)) continue;
            if (!element.offsetParent && element.type !== 'hidden') continue;  // not shown
            const target = ['checkbox', 'radio'].includes(element.type) ? element.closest('.check, .choice') : element;
            const box = target.getBoundingClientRect();
            if (box.width < 44 || box.height < 44) {
                small.push(`${element.outerHTML.slice(0, 60)}: ${box.width}x${box.height}`);
            }
        }
        return small;
    }""")
    assert too_small == []


def test_motion_stops_for_people_who_ask_for_less(page, widget_server):
    def transition():
        return page.evaluate("getComputedStyle(document.querySelector('.more summary'), '::before').transitionDuration")

    page.goto(f"{widget_server.url}/embed/demo-petition")
    assert transition() == "0.15s"
    page.emulate_media(reduced_motion="reduce")
    assert transition() == "0s"


def test_the_embed_code_page_updates_as_you_choose_and_copies(browser, widget_server):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=widget_server.url)
    page = context.new_page()
    page.goto(f"{widget_server.url}/c/demo-petition/embed?lang=en")
    snippet = page.locator("#snippet")
    assert 'data-lang="en"' in snippet.input_value()

    page.locator("#widget-lang-es").check()
    expect(snippet).to_contain_text('data-lang="es"')
    assert page.evaluate("document.activeElement.id") == "widget-lang-es"  # focus stays put
    assert "widget_lang=es" in page.url
    preview = page.locator(".preview iframe")
    expect(preview).to_have_attribute("title", "Alto a las detenciones masivas y arbitrarias")

    page.locator("#kind-iframe").check()
    expect(snippet).to_contain_text("<iframe")
    page.locator("#copy").click()
    expect(page.locator("#copy-status")).to_have_text("Copied. Paste it into your page.")
    assert page.evaluate("navigator.clipboard.readText()") == snippet.input_value()
    context.close()


def test_after_signing_the_thank_you_is_in_view(page, partner_site, widget_server):
    # Long content above and below: the page does not just get shorter and scroll back by itself.
    boxes = ('<div style="height:1500px">A long article.</div><div data-megafono="demo-petition" data-lang="en">'
             '</div><div style="height:3000px">Comments.</div>')
    page.goto(partner_site.add("long.html", partner_page(widget_server.url, boxes)))
    frame_element = page.locator("iframe").element_handle()
    frame_element.scroll_into_view_if_needed()
    frame = frame_element.content_frame()
    frame.locator("form").wait_for()
    wait_until_sized(frame_element)
    for name, value in (("given_name", "Ana"), ("family_name", "Cruz"), ("email", "ana.cruz@example.org"),
                        ("city", "Reno")):
        frame.locator(f"input[name={name}]").fill(value)
    frame.locator("button[type=submit]").scroll_into_view_if_needed()
    assert frame_element.bounding_box()["y"] < 0  # the supporter is at the bottom of a tall form
    click_in_frame(frame.locator("button[type=submit]"))
    expect(frame.locator("h1")).to_have_text("Thank you for signing!")
    wait_until_sized(frame_element)
    page.wait_for_timeout(200)
    top = frame_element.bounding_box()["y"]
    assert 0 <= top < 844, f"the thank-you starts at {top}px, outside the screen"


def test_only_heights_cross_into_the_partners_page_and_only_from_our_frames(page, partner_site, widget_server):
    listener = ('<script>window.seen = []; window.addEventListener("message", '
                'function (event) { window.seen.push({origin: event.origin, data: event.data}); });</script>')
    boxes = listener + '<div data-megafono="demo-petition" data-lang="en"></div>'
    page.goto(partner_site.add("listen.html", partner_page(widget_server.url, boxes)))
    frame_element = page.locator("iframe").element_handle()
    frame = frame_element.content_frame()
    frame.locator("form").wait_for()
    height = wait_until_sized(frame_element)

    # A page script cannot resize our frame (wrong origin); nor can another page of ours in
    # another frame (right origin, wrong window).
    page.evaluate("window.postMessage({megafono: 'height', height: 10}, '*')")
    other_frame = f"<iframe id=other src={widget_server.url}/healthz></iframe>"
    page.evaluate(f"document.body.insertAdjacentHTML('beforeend', '{other_frame}')")
    other = page.locator("#other").element_handle()
    other.content_frame().wait_for_load_state()
    other.content_frame().evaluate("parent.postMessage({megafono: 'height', height: 10}, '*')")
    page.evaluate("new Promise(resolve => setTimeout(resolve, 300))")
    assert round(frame_element.bounding_box()["height"]) == height

    for name, value in (("given_name", "Eva"), ("family_name", "Paz"), ("email", "eva.paz@example.org"),
                        ("city", "Omaha")):
        frame.locator(f"input[name={name}]").fill(value)
    click_in_frame(frame.locator("button[type=submit]"))
    expect(frame.locator("h1")).to_have_text("Thank you for signing!")
    wait_until_sized(frame_element)
    ours = [message for message in page.evaluate("window.seen") if message["origin"] == widget_server.url]
    assert ours, "the widget reported its height"
    for message in ours:
        assert set(message["data"]) == {"megafono", "height"} and isinstance(message["data"]["height"], int)
    assert "Eva" not in str(ours) and "eva.paz" not in str(ours)


def test_a_very_long_campaign_stays_reachable_on_a_small_phone(browser, partner_site, widget_server, widget_app):
    """Past the loader's limit the frame stops growing and scrolls inside: the button stays in reach."""
    with widget_app.app_context():
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        content = dict(campaign.content)
        paragraphs = "".join(f"<p>Paragraph {number}: the petition goes on and on.</p>" for number in range(900))
        content["en"] = {**content["en"], "petition_text_html": paragraphs}
        campaign.content = content
        db.session.commit()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(partner_site.add("long-campaign.html", partner_page(
        widget_server.url, '<div data-megafono="demo-petition" data-lang="en"></div>')))
    frame_element = page.locator("iframe").element_handle()
    frame = frame_element.content_frame()
    frame.locator("form").wait_for()
    wait_for(page, lambda: round(frame_element.bounding_box()["height"]) == 20000)
    assert not frame.evaluate("document.documentElement.classList.contains('is-sized')")
    assert frame.evaluate("document.documentElement.scrollHeight > document.documentElement.clientHeight")
    frame.locator("input[name=given_name]").fill("Reachable")  # scrolled into view inside the frame
    assert frame.locator("input[name=given_name]").input_value() == "Reachable"
    context.close()
