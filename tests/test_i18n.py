"""Translations: the shipped catalogs are complete and consistent, and the check catches mistakes."""

import shutil
import subprocess
import sys

import flask_babel
import pytest
import yaml
from babel.messages.catalog import Catalog
from bs4 import BeautifulSoup
from flask import render_template_string

from tests.conftest import DEMO_CAMPAIGNS
from tests.conftest import close_database
from tests.conftest import make_app
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import load_campaign_files
from widget.extensions import db
from widget.i18n import catalog_languages
from widget.i18n import catalogs
from widget.i18n import match_language
from widget.i18n.pseudo import PSEUDO_LANGUAGE
from widget.i18n.pseudo import pseudo_markdown
from widget.i18n.pseudo import pseudo_text
from widget.storage.models import Campaign


def test_the_shipped_catalogs_pass_the_check():
    assert [str(problem) for problem in catalogs.check()] == []


def test_msgfmt_accepts_every_catalog():
    if not shutil.which("msgfmt"):
        pytest.fail("GNU gettext's msgfmt is not installed: run scripts/test-prerequisites.sh")
    for language in catalog_languages():
        result = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", str(catalogs.catalog_path(language))],
            capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stderr


def problems(msgid, msgstr, fuzzy=False):
    catalog = Catalog(locale="es")
    message = catalog.add(msgid, msgstr, flags=("fuzzy",) if fuzzy else ())
    return [problem.message for problem in catalogs.message_problems(message, "here")]


def test_the_check_catches_a_dropped_named_placeholder():
    found = problems("What %(target)s receives: only your %(fields)s.", "Lo que recibe: solo su %(fields)s.")
    assert found == ["placeholders differ from the source (missing: target; unknown: none)"]


def test_the_check_catches_an_invented_or_misspelled_placeholder():
    found = problems("Goal: %(number)s", "Meta: %(numero)s")
    assert found == ["placeholders differ from the source (missing: number; unknown: numero)"]


def test_the_check_catches_html_that_differs():
    assert problems("<strong>%(n)s</strong> signed", "<b>%(n)s</b> firmaron") == ["HTML tags differ from the source"]


def test_the_check_catches_untranslated_and_fuzzy_strings():
    assert problems("Sign", "") == ["is not translated"]
    assert problems("Sign", "Firmar", fuzzy=True) == ["is fuzzy (marked for review): review it and clear the flag"]


def test_a_singular_may_leave_out_the_count_but_a_plural_may_not():
    singular_plural = ("Please correct the field below.", "Please correct the %(count)s fields below.")
    assert problems(singular_plural, ("Corrija el campo.", "Corrija los %(count)s campos.")) == []
    found = problems(singular_plural, ("Corrija el campo.", "Corrija los campos."))
    assert found == ["placeholders differ from the source (missing: count; unknown: none)"]


@pytest.mark.parametrize(
    ("asked", "expected"),
    [("es", "es"), ("es-MX", "es"), ("ES_us", "es"), ("en", "en"), ("fr", None), ("", None), (None, None)],
)
def test_language_tags_match_what_we_offer(asked, expected):
    assert match_language(asked, ["es", "en"]) == expected


GETTEXT_NAMES = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext", "lazy_pgettext"}


def test_every_python_string_for_translators_is_written_whole():
    """No f-string, concatenation or variable inside _(): translators must see the whole sentence."""
    import ast

    from widget import PROJECT_ROOT

    pieced, examined = [], 0
    for path in sorted((PROJECT_ROOT / "widget").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT_NAMES:
                examined += 1
                strings = node.args[:2] if getattr(node.func, "id", "").endswith("ngettext") else node.args[:1]
                if not strings or not all(isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                                          for arg in strings):
                    pieced.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert examined > 100 and pieced == []


def test_every_template_string_for_translators_is_written_whole(sqlite_app):
    app = sqlite_app
    from jinja2 import nodes

    pieced, examined = [], 0
    for name in app.jinja_env.list_templates(extensions=["html"]):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        for call in app.jinja_env.parse(source).find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name in GETTEXT_NAMES:
                examined += 1
                count = 2 if call.node.name.endswith("ngettext") else 1
                if not all(isinstance(arg, nodes.Const) for arg in call.args[:count]):
                    pieced.append(f"{name}:{call.lineno}")
    assert examined > 50 and pieced == []


# Templates' strings, translated with the catalog bound once per page

#: Strings of each kind a template has: a plain one with a value to escape, a `{% trans %}`
#: block with values, and a plural.
TRANSLATED_PAGE = (
    '{{ _("Call %(number)s", number="<b>1</b>") }}|{{ _("Language") }}|'
    '{% trans city="<i>Austin</i>", number="(512) 555-0100", tel="+15125550100" %}'
    'If the line is busy, try the office in {{ city }}: <a href="tel:{{ tel }}">{{ number }}</a>{% endtrans %}|'
    '{% trans count=n, number=n %}<strong>{{ number }}</strong> call made'
    '{% pluralize %}<strong>{{ number }}</strong> calls made{% endtrans %}'
)
#: Where a page does not escape, and a string not in the catalog with a percent sign in it.
UNESCAPED_PAGE = ('{% autoescape false %}{{ _("Call %(number)s", number="<b>1</b>") }}|'
                  '{{ _("100%% of %(n)s", n=n) }}{% endautoescape %}')
BUSY_LINE = {
    "es": 'Si la línea está ocupada, pruebe con la oficina de &lt;i&gt;Austin&lt;/i&gt;: '
          '<a href="tel:+15125550100">(512) 555-0100</a>',
    "en": 'If the line is busy, try the office in &lt;i&gt;Austin&lt;/i&gt;: '
          '<a href="tel:+15125550100">(512) 555-0100</a>',
}


def rendered_both_ways(app, page, language, n):
    """The page with its strings bound once (what every page gets) and with flask-babel's own."""
    with app.test_request_context(f"/?lang={language}"):
        bound = render_template_string(page, n=n)
        own = app.jinja_env.from_string(page).render(n=n)  # no context processors: Jinja's globals
    return bound, own


@pytest.mark.parametrize(("language", "n", "expected"), [
    ("es", 1, f"Llamar al &lt;b&gt;1&lt;/b&gt;|Idioma|{BUSY_LINE['es']}|<strong>1</strong> llamada realizada"),
    ("es", 3, f"Llamar al &lt;b&gt;1&lt;/b&gt;|Idioma|{BUSY_LINE['es']}|<strong>3</strong> llamadas realizadas"),
    ("en", 3, f"Call &lt;b&gt;1&lt;/b&gt;|Language|{BUSY_LINE['en']}|<strong>3</strong> calls made"),
])
def test_a_pages_strings_bound_once_read_as_flask_babels_own(sqlite_app, language, n, expected):
    bound, own = rendered_both_ways(sqlite_app, TRANSLATED_PAGE, language, n)
    assert bound == own == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("es", "Llamar al <b>1</b>|100% of 2"), ("en", "Call <b>1</b>|100% of 2"),
])
def test_a_pages_strings_where_it_does_not_escape_read_as_flask_babels_own(sqlite_app, language, expected):
    bound, own = rendered_both_ways(sqlite_app, UNESCAPED_PAGE, language, 2)
    assert bound == own == expected


def catalog_lookups(app, monkeypatch, page):
    """How many times rendering the page asks flask-babel for the catalog, by any route."""
    asked = []
    real = flask_babel.Domain.get_translations

    def counted(domain):
        asked.append(domain)
        return real(domain)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    with app.test_request_context("/?lang=es"):
        assert render_template_string(page, n=2).startswith("Llamar al")
    monkeypatch.undo()
    return len(asked)


def test_a_page_looks_its_catalog_up_once_not_once_per_string(sqlite_app, monkeypatch):
    one_string = catalog_lookups(sqlite_app, monkeypatch, '{{ _("Call %(number)s", number=1) }}')
    four_strings = catalog_lookups(sqlite_app, monkeypatch, TRANSLATED_PAGE)
    assert one_string == four_strings == 1


def test_each_page_is_bound_to_the_language_it_is_rendered_in(sqlite_app):
    with sqlite_app.test_request_context("/?lang=en"):
        assert render_template_string(TRANSLATED_PAGE, n=2).startswith("Call")
        with flask_babel.force_locale("es"):
            assert render_template_string(TRANSLATED_PAGE, n=2).startswith("Llamar al")
        assert render_template_string(TRANSLATED_PAGE, n=2).startswith("Call")


# What the check catches beyond single strings


def test_the_check_catches_a_template_stale_against_the_code(tmp_path):
    template = catalogs.read_catalog(catalogs.TEMPLATE_FILE)
    template.delete("Sign the petition")
    template.add("A string the code no longer has")
    stale = tmp_path / "messages.pot"
    catalogs.write_catalog(template, stale)
    found = [problem.message for problem in catalogs.template_problems(stale)]
    assert any(message.startswith("is stale: the code has 'Sign the petition'") for message in found)
    assert any(message.startswith("is stale: 'A string the code no longer has' left the code") for message in found)
    assert len(found) == 2


def campaign_folder(tmp_path, change):
    """A campaigns folder holding the demo petition, changed as a test needs."""
    data = yaml.safe_load((DEMO_CAMPAIGNS / "demo-petition.yaml").read_text())
    change(data)
    folder = tmp_path / "campaigns"
    folder.mkdir()
    (folder / "demo-petition.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


def test_the_check_catches_a_live_campaign_incomplete_in_one_of_its_languages(tmp_path):
    folder = campaign_folder(tmp_path, lambda data: data["content"]["en"].pop("thank_you"))
    found = [str(problem) for problem in catalogs.campaign_problems(folder)]
    assert len(found) == 1 and "content.en.thank_you: is missing; a live campaign must be complete" in found[0]


def test_the_check_catches_campaign_text_in_a_language_the_interface_lacks(tmp_path):
    def add_french(data):
        data["content"]["fr"] = {**data["content"]["en"], "title": "Halte aux détentions arbitraires"}
        for right in data["know_your_rights"].get("rights", []):
            right["fr"] = right["en"]
    found = [str(problem) for problem in catalogs.campaign_problems(campaign_folder(tmp_path, add_french))]
    assert len(found) == 1 and "content.fr: the campaign is written in 'fr' but the interface is not" in found[0]
    assert "translate init fr" in found[0]


def test_the_check_command_fails_on_an_incomplete_campaign(tmp_path):
    folder = campaign_folder(tmp_path, lambda data: data["content"]["en"].pop("summary"))
    runner = make_app(f"sqlite:///{tmp_path / 'unused.sqlite3'}", CAMPAIGNS_DIR=str(folder)).test_cli_runner()
    result = runner.invoke(args=["translate", "check"])
    assert result.exit_code == 1 and "content.en.summary: is missing" in result.output
    passing = make_app(f"sqlite:///{tmp_path / 'unused.sqlite3'}").test_cli_runner().invoke(args=["translate", "check"])
    assert passing.exit_code == 0, passing.output


# A third language and the pseudo-locale


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


PORTUGUESE = {
    "Sign the petition": "Assine a petição",
    "Email": "E-mail",
    "Language": "Idioma",
}


def test_a_third_language_is_one_command_plus_the_translation(tmp_path, sqlite_template):
    translations = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS_DIR, translations, ignore=shutil.ignore_patterns("*.mo"))

    def add_portuguese(data):
        data["content"]["pt"] = {**data["content"]["en"], "title": "Chega de detenções arbitrárias"}
        for right in data["know_your_rights"].get("rights", []):
            right["pt"] = right["en"]
        data["know_your_rights"]["hotline_label"]["pt"] = "Linha de ajuda (número de demonstração)"
    campaigns = campaign_folder(tmp_path, add_portuguese)
    database = tmp_path / "megafono.sqlite3"
    shutil.copyfile(sqlite_template, database)
    settings = {"BABEL_TRANSLATION_DIRECTORIES": str(translations), "CAMPAIGNS_DIR": str(campaigns)}

    # The one command; then the translator's work, which a test does by filling in a few strings.
    runner = make_app(f"sqlite:///{database}", **settings).test_cli_runner()
    assert runner.invoke(args=["translate", "init", "pt"]).exit_code == 0
    path = catalogs.catalog_path("pt", translations)
    catalog = catalogs.read_catalog(path, "pt")
    for source, translation in PORTUGUESE.items():
        catalog[source].string = translation
    catalogs.write_catalog(catalog, path)
    assert runner.invoke(args=["translate", "compile"]).output.strip() == "compiled: es, pt"

    app = make_app(f"sqlite:///{database}", **settings)
    with app.app_context():
        load_campaign_files(campaign_files(campaigns))
    client = app.test_client()
    english = soup(client.get("/embed/demo-petition?lang=en"))
    assert [link.get_text(strip=True) for link in english.select(".language-switch [lang]")] == [
        "Español", "English", "Português"]
    for asked in ({"query_string": {"lang": "pt"}}, {"headers": {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}}):
        page = soup(client.get("/embed/demo-petition", **asked))
        assert page.html["lang"] == "pt"
        assert page.h1.get_text(strip=True) == "Chega de detenções arbitrárias"
        assert page.select_one("button[type=submit]").get_text(strip=True) == "Assine a petição"
    close_database(app)


def test_the_pseudo_locale_is_never_shipped_and_keeps_what_code_fills_in():
    assert PSEUDO_LANGUAGE not in catalog_languages()
    text = pseudo_text('Goal: <strong>%(count)s</strong> {name} &amp; more')
    assert text.startswith("⟦Ĝóáĺ: <strong>%(count)s</strong> {name} &amp; ɱóŕé ") and text.endswith("⟧")
    assert len(text) >= len("Goal:  more") * 1.4
    assert pseudo_markdown("- one\n- two\n\nA [link](https://example.org/x)\ncontinued") == (
        "- ⟦óñé ĺ⟧\n- ⟦ţŵó ĺ⟧\n\n⟦Á [ĺíñķ](https://example.org/x) çóñţíñúéđ ĺóñĝéŕ⟧")


def test_the_pseudo_locale_is_found_even_after_babel_was_asked_for_it():
    # A fresh interpreter, so that no earlier test has registered it: Babel 2.19 remembers the
    # "no" that `exists` gave before registration, and a Locale was then refused.
    script = (
        "from babel import Locale, localedata\n"
        "from widget.i18n.pseudo import PSEUDO_LANGUAGE, register_pseudo_locale\n"
        "assert not localedata.exists(PSEUDO_LANGUAGE)\n"
        "register_pseudo_locale()\n"
        "print(Locale.parse(PSEUDO_LANGUAGE).number_symbols['latn']['decimal'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "."), result.stderr


# Formatting


@pytest.mark.parametrize(("variant", "expected"), [("es", "1.234"), ("es_US", "1,234"), ("es_419", "1,234")])
def test_spanish_numbers_follow_the_configured_regional_variant(tmp_path, sqlite_template, variant, expected):
    database = tmp_path / "megafono.sqlite3"
    shutil.copyfile(sqlite_template, database)
    app = make_app(f"sqlite:///{database}", FORMAT_LOCALES={"es": variant})
    with app.app_context():
        load_campaign_files(campaign_files(DEMO_CAMPAIGNS))
        campaign = db.session.query(Campaign).filter_by(slug="demo-petition").one()
        campaign.counted_actions = 1234
        db.session.commit()
    page = app.test_client().get("/embed/demo-petition?lang=es").get_data(as_text=True)
    assert f"<strong>{expected}</strong> personas ya firmaron" in page
    close_database(app)


def test_compiling_again_leaves_built_catalogs_alone_so_a_read_only_checkout_can_set_up(tmp_path):
    translations = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS_DIR, translations, ignore=shutil.ignore_patterns("*.mo"))
    assert catalogs.compile_catalogs(translations) == ["es"]
    built = translations / "es" / "LC_MESSAGES" / "messages.mo"
    first = built.stat()
    assert first.st_mode & 0o777 == 0o644
    # Built already: nothing is written (the same file, untouched), so nothing needs to be writable.
    assert catalogs.compile_catalogs(translations) == ["es"]
    assert (built.stat().st_ino, built.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    # A changed catalog is built again, as a new file in place of the old.
    po = translations / "es" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text().replace('msgstr "Qué decir"', 'msgstr "Qué decirle"'))
    catalogs.compile_catalogs(translations)
    assert built.stat().st_ino != first.st_ino and b"Qu\xc3\xa9 decirle" in built.read_bytes()
    assert not list(translations.rglob("*.part"))
