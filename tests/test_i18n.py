"""Translations: the shipped catalogs are complete and consistent, and the check catches mistakes."""

import shutil
import subprocess

import pytest
from babel.messages.catalog import Catalog

from widget.i18n import catalog_languages
from widget.i18n import catalogs
from widget.i18n import match_language


def test_the_shipped_catalogs_pass_the_check():
    assert [str(problem) for problem in catalogs.check()] == []


def test_msgfmt_accepts_every_catalog():
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext's msgfmt is not installed; the check above still ran")
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
