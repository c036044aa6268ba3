"""Browser fixtures: Debian's Chromium driven by Playwright, the widget on 127.0.0.1, and a
partner site on `localhost` (another site as far as the browser is concerned)."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import axe_playwright_python
import pytest
from flask import Flask
from flask import abort
from playwright.sync_api import sync_playwright

from tests.conftest import close_database
from tests.conftest import make_app
from tests.servers import ThreadedServer
from widget import PROJECT_ROOT
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.storage.database import upgrade_schema

CHROMIUM = os.environ.get("MEGAFONO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    # Chrome's third-party cookie blocking, as Safari and Firefox do by default.
    "--test-third-party-cookie-phaseout",
]
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run scripts/test-prerequisites.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def app_with_campaigns(database, campaigns=PROJECT_ROOT / "campaigns", **overrides):
    """The app on a new SQLite file with these campaign files loaded, closed afterwards."""
    app = make_app(f"sqlite:///{database}", **overrides)
    with app.app_context():
        upgrade_schema()
        load_campaign_files(campaign_files(campaigns))
    try:
        yield app
    finally:
        close_database(app)


@pytest.fixture
def widget_app(tmp_path):
    with app_with_campaigns(tmp_path / "browser.sqlite3") as app:
        yield app


@pytest.fixture
def widget_server(widget_app):
    with ThreadedServer(widget_app, host="127.0.0.1") as server:
        yield server


class PartnerSite:
    """A partner's website on another origin, with pages the test writes."""

    def __init__(self):
        self.pages = {}
        self.app = Flask("partner")
        self.app.add_url_rule("/<name>", "page", self.page)

    def page(self, name):
        if name not in self.pages:
            abort(404)
        return self.pages[name]

    def add(self, name, html):
        self.pages[name] = html
        return f"{self.url}/{name}"


@pytest.fixture
def partner_site():
    site = PartnerSite()
    with ThreadedServer(site.app, host="localhost") as server:
        site.url = server.url
        yield site


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_violations(target):
    """axe-core's violations (every rule it enables by default) on a page or frame, as readable lines."""
    target.evaluate(AXE_SOURCE)
    result = target.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']}: {violation['help']} at {[node['target'] for node in violation['nodes']]}"
        for violation in result["violations"]
    ]


def widget_frames(page):
    """The iframes the loader made, with their frames."""
    return [handle for handle in page.locator("iframe").element_handles()]


def wait_until_sized(frame_element, timeout=5.0):
    """Wait until the iframe is exactly as tall as its content; return that height."""
    import time

    frame = frame_element.content_frame()
    deadline = time.monotonic() + timeout
    while True:
        content = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
        outer = round(frame_element.bounding_box()["height"])
        if abs(content - outer) <= 1:
            return outer
        if time.monotonic() > deadline:
            raise AssertionError(f"iframe is {outer}px tall, its content {content}px")
        time.sleep(0.05)



def click_in_frame(locator):
    """Click something in a widget that another site frames, as a person would: scroll to it, see
    it, then tap it.

    Chromium draws such a frame in a process of its own and stops drawing it while it is off
    screen. A click straight after Playwright's own scroll can then wait for a frame that is not
    being drawn, or reach the partner's page because Chromium has not yet recorded where the
    frame now is (each about one run in twenty). So the partner's page is scrolled first, and
    given a moment to draw both pages before the click."""
    page = locator.page
    box = locator.bounding_box()
    page.evaluate("([top, height]) => window.scrollBy(0, top + height / 2 - window.innerHeight / 2)",
                  [box["y"], box["height"]])
    # Waited for on Playwright's side: a page's own timers and frames may be stopped (no
    # JavaScript, or a frame still off screen), and a promise waiting on them never settles.
    page.wait_for_timeout(100)
    locator.click()
