"""The organizers' dashboard in a browser, in Spanish and English: every page passes axe, fits a
phone, and signing in, reading the charts and asking for an export work by keyboard alone."""

import re

import pytest
import yaml

from tests.browser.conftest import PHONE
from tests.browser.conftest import axe_violations
from tests.browser.conftest import screenshot
from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import sign
from tests.test_organizers import backdate
from widget.campaigns.loader import load_campaign_files
from widget.embedding.partners import add_partner

LANGUAGES = ["es", "en"]


@pytest.fixture
def password(widget_app, tmp_path):
    # A title with no place to break (a hashtag, say): the list of campaigns must still fit.
    long_title = yaml.safe_load((DEMO_CAMPAIGNS / "demo-petition.yaml").read_text())
    long_title["slug"] = "long-title"
    for language in ("es", "en"):
        long_title["content"][language]["title"] = "#NingunaFamiliaSeparadaNiDetenidaSinDebidoProceso"
    (tmp_path / "long-title.yaml").write_text(yaml.safe_dump(long_title, allow_unicode=True))
    with widget_app.app_context():
        add_partner("red-ca", "Red de Apoyo California")
        add_partner("coalicion", "CoaliciónDeOrganizacionesComunitariasDelValleCentral")
        load_campaign_files([tmp_path / "long-title.yaml"])
    client = widget_app.test_client()
    for number, (lang, source) in enumerate([("es", "red-ca"), ("en", None), ("es", None), ("es", "coalicion")]):
        sign(client, lang=lang, source=source, email=f"person{number}@example.org")
    # A name with no place to break, such as a pasted formula: the delivery list must still fit.
    sign(client, email="long@example.org", given_name='=HYPERLINK("http://example.org/a-long-address")')
    backdate(widget_app, "person2@example.org", 5)
    output = widget_app.test_cli_runner().invoke(args=["organizers", "add", "olga"]).output
    return re.search(r"shown only now: (\S+)", output).group(1)


def words_broken_across_lines(page, selector):
    """The words, in these elements' text, that the browser has split over two lines."""
    return page.evaluate("""selector => [...document.querySelectorAll(selector)].flatMap(element => {
        const words = element.textContent.split(/\\s+/).filter(Boolean);
        element.replaceChildren(...words.flatMap((word, index) => {
            const span = document.createElement("span");
            span.textContent = word;
            return index ? [" ", span] : [span];
        }));
        return [...element.children].filter(span => span.getClientRects().length > 1).map(span => span.textContent);
    })""", selector)


def check(page, name):
    assert axe_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), name
    screenshot(page, name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_dashboard_page_passes_axe_and_works_by_keyboard(page, widget_server, password, lang):
    page.goto(f"{widget_server.url}/dashboard/?lang={lang}")
    check(page, f"dashboard-sign-in-{lang}")

    page.locator("input[name=username]").fill("olga")
    page.locator("input[name=password]").fill("wrong")
    page.locator("input[name=password]").press("Enter")
    page.locator("[role=alert]").wait_for()
    check(page, f"dashboard-sign-in-failed-{lang}")

    page.locator("input[name=username]").fill("olga")
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.locator("table").wait_for()
    check(page, f"dashboard-campaigns-{lang}")
    # On the narrowest phones, titles wrap between words; only the one that is all one word breaks.
    page.set_viewport_size({"width": 360, "height": 740})
    assert words_broken_across_lines(page, "td.free-text a:not([href*=long-title])") == [], lang
    page.set_viewport_size(PHONE)

    page.locator("table a[href*=demo-petition]").focus()
    page.keyboard.press("Enter")
    page.locator("svg rect").first.wait_for(state="attached")
    page.locator("details.chart__numbers summary").click()
    check(page, f"dashboard-campaign-{lang}")

    page.locator("input[name=since]").fill("2026-11-20")
    page.locator("input[name=until]").fill("2026-11-01")
    page.locator("form.dashboard__export button").click()
    page.locator("form.dashboard__export .error").wait_for()
    check(page, f"dashboard-export-error-{lang}")
    # The page opens on the field to correct, two screens down on a phone, not at its top.
    assert page.evaluate("document.activeElement.name") == "until"
    assert page.evaluate("(box => box.top >= 0 && box.bottom <= innerHeight)"
                         "(document.activeElement.getBoundingClientRect())")

    page.locator("input[name=since]").fill("")
    page.locator("input[name=until]").fill("")
    with page.expect_download() as download:
        page.locator("form.dashboard__export button").click()
    assert download.value.suggested_filename == "demo-petition.csv"

    page.goto(f"{widget_server.url}/dashboard/campaigns/no-such-campaign?lang={lang}")
    check(page, f"dashboard-not-found-{lang}")
    page.locator("h1 + p + p a").click()
    page.locator("table").wait_for()  # back to the campaigns

    page.goto(f"{widget_server.url}/dashboard/campaigns/demo-petition/delivery.html?lang={lang}")
    check(page, f"dashboard-delivery-{lang}")
