"""Languages: which one a request is answered in, which ones exist, and locale-aware formatting."""

from functools import cache
from pathlib import Path

from babel import Locale
from babel import UnknownLocaleError
from babel.numbers import format_decimal
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask_babel import get_locale
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup

from widget import PROJECT_ROOT
from widget.extensions import babel
from widget.i18n.pseudo import PSEUDO_LANGUAGE
from widget.i18n.pseudo import register_pseudo_locale

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"

#: The language the source strings are written in.
SOURCE_LANGUAGE = "en"


def init_app(app):
    """Bind flask-babel with our locale selector and the catalogs beside the package, and give
    each rendered page its strings' functions bound to its catalog (`page_translations`)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SOURCE_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("LANGUAGES", interface_languages(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    if PSEUDO_LANGUAGE in app.config["LANGUAGES"]:
        register_pseudo_locale()
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_name=language_name,
    )
    app.jinja_env.filters["count"] = format_count
    app.jinja_env.filters["language_tag"] = language_tag
    app.context_processor(page_translations)


def catalog_languages(directory=TRANSLATIONS_DIR):
    """Languages with a catalog in this folder."""
    return sorted(path.parent.parent.name for path in Path(directory).glob("*/LC_MESSAGES/messages.po"))


def interface_languages(translations_dir):
    """The source language plus every language with a catalog: adding a catalog adds a language."""
    found = catalog_languages(translations_dir)
    return [SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE)]


def offered_languages():
    """Languages this request may be answered in: the campaign's, where the interface has them."""
    interface = current_app.config["LANGUAGES"]
    campaign = g.get("campaign")
    if campaign is None:
        return interface
    return [lang for lang in campaign.languages if lang in interface] or [campaign.default_language]


def select_locale():
    """Choose the language, in this order of priority:

    1. the `lang` parameter (the widget's language switch, or the partner's snippet);
    2. `page_lang`, the partner page's own `<html lang>`, passed along by the loader;
    3. the browser's Accept-Language header;
    4. the campaign's default language (or the source language outside a campaign).

    Outside a request (a command, or a signature checked before Flask), the source language.
    """
    offered = offered_languages()
    if not has_request_context():
        return offered[0]
    # Only the query string: a form's action URL carries its language, so choosing one never
    # reads a request body (which may be too large, or not a form at all).
    for asked in (request.args.get("lang"), request.args.get("page_lang")):
        chosen = match_language(asked, offered)
        if chosen:
            return chosen
    chosen = request.accept_languages.best_match(offered)
    if chosen:
        return chosen
    campaign = g.get("campaign")
    return campaign.default_language if campaign is not None else offered[0]


def match_language(asked, offered):
    """The offered language a tag like `es-MX` or `ES` asks for, or None."""
    if not asked or len(asked) > 35:
        return None
    tag = asked.strip().replace("-", "_")
    if tag in offered:
        return tag
    primary = tag.split("_")[0].lower()
    return primary if primary in offered else None


def page_translations():
    """The templates' `_`, `gettext` and `ngettext` (which `{% trans %}` calls), bound to the
    catalog of the language the page is rendered in, looked up once for the page's own strings.

    flask-babel's own, which every template has otherwise, look the catalog up through the
    request's context for every string: about a tenth of a worker's time under call lookups
    (docs/performance.md). These behave as Jinja's "newstyle" gettext, which flask-babel
    installs: the translation is escaped as the page is and always formatted with its named
    values (escaped in turn), which may take any name (`number`, say): the strings themselves
    are passed by position. A page rendered under `force_locale` is bound to that language's
    catalog. Macros imported from another template without `with context` keep flask-babel's.
    """
    translations = get_translations()
    translate, translate_plural = translations.gettext, translations.ngettext

    @pass_context
    def gettext(context, message, /, **values):
        return format_translation(context, translate(message), values)

    @pass_context
    def ngettext(context, singular, plural, number, /, **values):
        values.setdefault("num", number)
        return format_translation(context, translate_plural(singular, plural, number), values)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def format_translation(context, translation, values):
    """A translation as a template shows it: markup where the page escapes (the catalogs' HTML
    is checked against the source's), filled in with its values."""
    if context.eval_ctx.autoescape:
        translation = Markup(translation)  # noqa: S704 - our own catalogs, their HTML checked
    return translation % values


def current_language():
    """The language of the current response, as a code for `<html lang>` and URLs."""
    return str(get_locale())


def language_tag(code):
    """A catalog's language code as HTML's `lang` attribute writes it: pt_BR is pt-BR."""
    return code.replace("_", "-")


@cache
def language_name(code):
    """A language's name written in that language ("Español", "English"), for the switch."""
    if code == PSEUDO_LANGUAGE:
        return "Pseudo-English"
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def format_locale():
    """The regional variant that writes numbers, dates and times for this response's language."""
    language = current_language()
    return current_app.config["FORMAT_LOCALES"].get(language, language)


def format_count(number):
    """A count in the reader's number format: 1,234 in English and in Spanish for the Americas."""
    return format_decimal(number, locale=format_locale())
