"""Every widget state in the en_XA pseudo-locale, at phone width: each piece of text on the page
came through a catalog or a campaign's translated text (it is ⟦bracketed⟧), and strings 40%
longer than English neither overflow the phone nor get clipped."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import app_with_campaigns
from tests.browser.conftest import screenshot
from tests.browser.test_call import saturday_night  # noqa: F401 - offices closed: the notes show too
from tests.congress_sources import first_zip
from tests.servers import ThreadedServer
from tests.test_call import split_zip
from widget.extensions import db
from widget.i18n import catalogs
from widget.i18n.pseudo import PSEUDO_LANGUAGE
from widget.storage.models import Campaign

#: Text that is rightly the same in every language: names, and each language's name in itself.
NOT_TRANSLATED = ["Red de Solidaridad (demo)", "English", "Español", "Pseudo-English", "María José",
                  "Hernández-Ñúñez", "San Bernardino", "Ana",
                  "WhatsApp", "Telegram", "Facebook", "Bluesky", "Mastodon", "Signal", "X"]

UNBRACKETED_TEXT = """(allowed) => {
  const strip = (text) => {
    let before;
    do { before = text; text = text.replace(/⟦[^⟦⟧]*⟧/g, " "); } while (text !== before);
    return text;
  };
  const letters = /\\p{L}/u;
  // The text as written (innerText would apply text-transform), from elements that are shown;
  // a translated sentence may span several text nodes (a link inside it), so they are joined.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const pieces = [];
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!parent.closest("script, style, noscript, template, code, pre, textarea") && parent.getClientRects().length) {
      pieces.push(walker.currentNode.data);
    }
  }
  const allow = (text) => {
    for (const words of [...allowed].sort((a, b) => b.length - a.length)) text = text.split(words).join(" ");
    return strip(text);
  };
  const found = allow(pieces.join("\\u0001")).split("\\u0001").map((piece) => piece.trim())
    .filter((piece) => letters.test(piece));
  for (const element of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = element.getAttribute(name);
      if (value && letters.test(allow(value))) found.push(`${name}="${value}"`);
    }
  }
  if (letters.test(allow(document.title))) found.push(`<title>${document.title}`);
  return found;
}"""

CLIPPED = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) found.push(`the page is ${root.scrollWidth}px wide`);
  const describe = (element) => `${element.tagName.toLowerCase()}.${[...element.classList].join(".")}: ` +
    element.textContent.trim().slice(0, 60);
  for (const element of document.body.querySelectorAll("*")) {
    if (["INPUT", "TEXTAREA", "SELECT", "OPTION", "SCRIPT", "STYLE"].includes(element.tagName)) continue;
    if (element.closest(".visually-hidden") || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    const hides = (overflow) => overflow !== "visible";
    if ((hides(style.overflowX) && element.scrollWidth > element.clientWidth + 1) ||
        (hides(style.overflowY) && element.scrollHeight > element.clientHeight + 1)) {
      found.push(`clipped: ${describe(element)}`);
    }
    if (element.getBoundingClientRect().right > root.clientWidth + 1) found.push(`sticks out: ${describe(element)}`);
  }
  return found;
}"""


NEXT_CALL = """(before) => document.querySelector('.thanks') ||
  (document.querySelector('.call-progress') && document.querySelector('.call-progress').innerText !== before)"""


@pytest.fixture(scope="module")
def pseudo_folders(tmp_path_factory):
    return catalogs.pseudo(tmp_path_factory.mktemp("pseudo"))


@pytest.fixture
def pseudo_app(tmp_path, pseudo_folders):
    translations, campaigns = pseudo_folders
    with app_with_campaigns(tmp_path / "pseudo.sqlite3", campaigns,
                            BABEL_TRANSLATION_DIRECTORIES=str(translations), CAMPAIGNS_DIR=str(campaigns)) as app:
        yield app


@pytest.fixture
def pseudo_server(pseudo_app):
    with ThreadedServer(pseudo_app, host="127.0.0.1") as server:
        yield server


def check(page, name, allowed=()):
    for details in page.locator("details:not([open]) > summary").all():
        details.click()
    screenshot(page, f"pseudo-{name}")
    assert page.evaluate(UNBRACKETED_TEXT, [*NOT_TRANSLATED, *allowed]) == [], f"{name}: text not translated"
    assert page.evaluate(CLIPPED) == [], f"{name}: text overflows or is clipped"


def member_names(page):
    return page.locator(".target__name, .targets li").all_inner_texts()


def test_the_check_finds_text_that_is_not_translated(page, pseudo_server):
    page.goto(f"{pseudo_server.url}/embed/demo-petition?lang={PSEUDO_LANGUAGE}")
    page.evaluate("document.querySelector('h1').insertAdjacentHTML('afterend', '<p>Hard-coded</p>')")
    assert page.evaluate(UNBRACKETED_TEXT, NOT_TRANSLATED) == ["Hard-coded"]
    page.evaluate("document.querySelector('p').style.cssText = 'width: 30px; overflow: hidden; white-space: nowrap'")
    assert page.evaluate(CLIPPED)


def test_every_petition_state(page, pseudo_app, pseudo_server):
    form = f"{pseudo_server.url}/embed/demo-petition?lang={PSEUDO_LANGUAGE}"
    page.goto(form)
    expect(page.locator("html")).to_have_attribute("lang", "en-XA")
    check(page, "petition-form")
    page.locator("input[name=email]").fill("not an email")
    page.locator("button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    check(page, "petition-errors", ["not an email"])
    for name, value in (("given_name", "María José"), ("family_name", "Hernández-Ñúñez"),
                        ("email", "mj@example.org"), ("city", "San Bernardino")):
        page.locator(f"input[name={name}]").fill(value)
    page.locator("button[type=submit]").click()
    page.locator(".thanks").wait_for()
    check(page, "petition-thanks")

    page.goto(f"{pseudo_server.url}/c/demo-petition?lang={PSEUDO_LANGUAGE}")
    check(page, "share-page")
    page.goto(f"{pseudo_server.url}/embed/no-such-campaign?lang={PSEUDO_LANGUAGE}")
    check(page, "not-found")
    with pseudo_app.app_context():
        db.session.query(Campaign).filter_by(slug="demo-petition").one().status = "closed"
        db.session.commit()
    page.goto(form)
    check(page, "petition-closed")


def test_every_call_state(page, pseudo_server):
    page.goto(f"{pseudo_server.url}/embed/demo-call?lang={PSEUDO_LANGUAGE}")
    check(page, "call-start")
    page.locator("input[name=postal_code]").fill("ABCDE")
    page.locator("button[type=submit]").last.click()
    page.locator(".error-summary").wait_for()
    check(page, "call-bad-zip", ["ABCDE"])
    page.locator("input[name=postal_code]").fill(split_zip())
    page.locator("input[name=given_name]").fill("Ana")
    page.locator("button[type=submit]").last.click()
    page.locator(".target").wait_for()
    check(page, "call-step", member_names(page))
    for _ in range(6):
        if page.locator(".thanks").count():
            break
        before = page.locator(".call-progress").inner_text()
        page.locator("button[value=left_voicemail]").click()
        page.wait_for_function(NEXT_CALL, arg=before)
    page.locator(".thanks").wait_for()
    check(page, "call-thanks")

    page.goto(f"{pseudo_server.url}/embed/demo-call?lang={PSEUDO_LANGUAGE}")
    page.locator("input[name=postal_code]").fill(first_zip(lambda seats, data: seats == ["PR-0"]))
    page.locator("button[type=submit]").last.click()
    page.locator(".notes").wait_for()
    check(page, "call-puerto-rico", member_names(page))

    page.goto(f"{pseudo_server.url}/embed/demo-white-house?lang={PSEUDO_LANGUAGE}")
    check(page, "call-fixed-start")
    page.locator("button[type=submit]").last.click()
    page.locator(".target").wait_for()
    check(page, "call-fixed-step", member_names(page))


def test_the_embed_code_page(page, pseudo_server):
    page.goto(f"{pseudo_server.url}/c/demo-petition/embed?lang={PSEUDO_LANGUAGE}")
    check(page, "embed-code")
