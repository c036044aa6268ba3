"""The translators' catalogs: extract, update, compile, check and add languages, with Babel's API.

Used by `flask --app widget translate ...`, by `setup` (compile) and by the test suite (check).
"""

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from io import BytesIO

import yaml
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

from widget import PROJECT_ROOT
from widget.campaigns.loader import CampaignFileError
from widget.campaigns.loader import campaign_files
from widget.campaigns.loader import read_campaign_file
from widget.files import write_atomically
from widget.i18n import SOURCE_LANGUAGE
from widget.i18n import TRANSLATIONS_DIR
from widget.i18n import catalog_languages
from widget.i18n.pseudo import PSEUDO_LANGUAGE
from widget.i18n.pseudo import pseudo_markdown
from widget.i18n.pseudo import pseudo_text
from widget.i18n.pseudo import register_pseudo_locale

MAPPING_FILE = PROJECT_ROOT / "babel.cfg"
TEMPLATE_FILE = TRANSLATIONS_DIR / "messages.pot"
CAMPAIGNS_DIR = PROJECT_ROOT / "campaigns"
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
#: Comments starting with this, just above a string, reach translators as notes.
COMMENT_TAG = "NOTE:"

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


HEADER = """\
# {title}
# Megáfono is free software (MIT); translations are shared under the same licence.
# How to work on this file: TRANSLATING.md at the root of the project.
#"""


def new_catalog(locale=None):
    title = f"Megáfono: {Locale.parse(locale).english_name} translation" if locale else "Megáfono: strings to translate"
    return Catalog(
        locale=locale,
        project="Megáfono",
        version="1",
        copyright_holder="Megáfono developers",
        msgid_bugs_address="see TRANSLATING.md",
        header_comment=HEADER.format(title=title),
        language_team="Megáfono translators",
        last_translator="Megáfono translators",
        fuzzy=False,
    )


def display_path(path):
    """A path as a translator would type it: relative to the checkout when inside it."""
    return str(path.relative_to(PROJECT_ROOT)) if PROJECT_ROOT in path.parents else str(path)


def catalog_path(language, directory=TRANSLATIONS_DIR):
    return directory / language / "LC_MESSAGES" / "messages.po"


def extract_messages():
    """A fresh template catalog from the source code and templates."""
    with MAPPING_FILE.open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, str(MAPPING_FILE))
    template = new_catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map, keywords=KEYWORDS,
        comment_tags=(COMMENT_TAG,), strip_comment_tags=True,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def write_catalog(catalog, path, **options):
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    # Without line numbers, moving code does not rewrite every catalog.
    write_po(buffer, catalog, width=100, include_lineno=False, **options)
    path.write_bytes(buffer.getvalue())


def read_catalog(path, language=None):
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def extract():
    """Write translations/messages.pot from the code."""
    template = extract_messages()
    write_catalog(template, TEMPLATE_FILE, ignore_obsolete=True)
    return len(template)


def update(directory=TRANSLATIONS_DIR):
    """Merge the template into every language's catalog: new strings appear, changed ones go fuzzy."""
    template = read_catalog(TEMPLATE_FILE)
    updated = []
    for language in catalog_languages(directory):
        path = catalog_path(language, directory)
        catalog = read_catalog(path, language)
        catalog.update(template, update_header_comment=False)
        write_catalog(catalog, path, ignore_obsolete=True)
        updated.append(language)
    return updated


def init(language, directory=TRANSLATIONS_DIR):
    """Start a catalog for a new language from the template: the one step that adds a language."""
    locale = Locale.parse(language)
    path = catalog_path(language, directory)
    if path.exists():
        raise FileExistsError(f"{path} already exists; use `translate update` instead")
    template = read_catalog(TEMPLATE_FILE)
    catalog = new_catalog(str(locale))
    catalog.revision_date = datetime.now(UTC)
    catalog.update(template, update_header_comment=False)
    write_catalog(catalog, path)
    return path


def compile_catalogs(directory=TRANSLATIONS_DIR):
    """Write each language's .mo next to its .po (never committed; built by setup and tests).

    A .mo already as its catalog makes it is left alone, so setup also runs from a checkout the
    service cannot write to, once built. One that changes is replaced whole: a worker starting
    meanwhile reads the old or the new, never half of one.
    """
    compiled = []
    for language in catalog_languages(directory):
        catalog = read_catalog(catalog_path(language, directory), language)
        built = BytesIO()
        write_mo(built, catalog, use_fuzzy=False)
        mo_file = catalog_path(language, directory).with_suffix(".mo")
        if not mo_file.exists() or mo_file.read_bytes() != built.getvalue():
            # Readable by the service whoever builds it (setup may run as another user).
            write_atomically(mo_file, [built.getvalue()], mode=0o644)
        compiled.append(language)
    return compiled


@dataclass(frozen=True)
class CatalogProblem:
    where: str
    message: str

    def __str__(self):
        return f"{self.where}: {self.message}"


def placeholders(text):
    return Counter(match.group(1) or match.group(2) for match in PLACEHOLDER.finditer(text or ""))


def html_tags(text):
    return Counter(match.group(0).split()[0].rstrip(">").lower() for match in HTML_TAG.finditer(text or ""))


def message_problems(message, where):
    """What is wrong with one translated message: missing, fuzzy, or not matching its source."""
    if message.fuzzy:
        return [CatalogProblem(where, "is fuzzy (marked for review): review it and clear the flag")]
    sources = message.id if isinstance(message.id, tuple) else (message.id,)
    translations = message.string if isinstance(message.string, tuple) else (message.string,)
    if not all(translations):
        return [CatalogProblem(where, "is not translated")]
    # The first form answers the singular source and every other form the plural one: each must
    # keep its source's placeholders, and none may invent one (a singular may say "one" for 1).
    allowed = set.union(*(set(placeholders(source)) for source in sources))
    expected_tags = html_tags(sources[-1])
    problems = []
    for index, translation in enumerate(translations):
        required = set(placeholders(sources[min(index, len(sources) - 1)]))
        found = set(placeholders(translation))
        if not required <= found <= allowed:
            missing = ", ".join(sorted(required - found)) or "none"
            unknown = ", ".join(sorted(found - allowed)) or "none"
            problems.append(
                CatalogProblem(where, f"placeholders differ from the source (missing: {missing}; unknown: {unknown})")
            )
        if html_tags(translation) != expected_tags:
            problems.append(CatalogProblem(where, "HTML tags differ from the source"))
    return problems


def catalog_problems(language, directory=TRANSLATIONS_DIR, template=None):
    """Every reason this language's catalog cannot ship."""
    path = catalog_path(language, directory)
    catalog = read_catalog(path, language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        context = f" ({message.context})" if message.context else ""
        where = f"{display_path(path)}:{message.lineno}: {source!r}{context}"
        problems.extend(message_problems(message, where))
    if template is not None:
        missing = {m.id for m in template if m.id} - {m.id for m in catalog if m.id}
        problems.extend(
            CatalogProblem(display_path(path), f"lacks {message_id!r}: run `flask --app widget translate update`")
            for message_id in sorted(map(str, missing))
        )
    return problems


def template_problems(template_file=TEMPLATE_FILE):
    """Whether messages.pot still matches the code (someone added a string and did not extract)."""
    fresh = {message.id for message in extract_messages() if message.id}
    stored = {message.id for message in read_catalog(template_file) if message.id}
    where = display_path(template_file)
    advice = "run `flask --app widget translate extract` and then `translate update`"
    added = [CatalogProblem(where, f"is stale: the code has {str(new)!r}; {advice}") for new in fresh - stored]
    removed = [CatalogProblem(where, f"is stale: {str(old)!r} left the code; {advice}") for old in stored - fresh]
    return sorted(added, key=str) + sorted(removed, key=str)


def campaign_problems(campaigns_dir=CAMPAIGNS_DIR, directory=TRANSLATIONS_DIR):
    """Campaign text that cannot ship: a live campaign incomplete in one of its languages (or any
    other fault in its file), or a language with campaign text but no interface catalog to go with it."""
    interface = {SOURCE_LANGUAGE, *catalog_languages(directory)}
    problems = []
    for path in campaign_files(campaigns_dir):
        try:
            definition = read_campaign_file(path)
        except CampaignFileError as error:
            problems.extend(CatalogProblem(display_path(path), f"{p.field}: {p.message}") for p in error.problems)
            continue
        if definition.status != "live":
            continue
        for language in sorted(set(definition.content) - interface):
            problems.append(CatalogProblem(
                display_path(path),
                f"content.{language}: the campaign is written in '{language}' but the interface is not "
                f"(its buttons and messages would be in another language): run "
                f"`flask --app widget translate init {language}` and translate the catalog",
            ))
    return problems


def check(directory=TRANSLATIONS_DIR, campaigns_dir=CAMPAIGNS_DIR):
    """Every problem that must stop a release: a stale template, each shipped catalog's problems,
    and live campaigns whose languages are not all complete."""
    problems = template_problems()
    template = read_catalog(TEMPLATE_FILE)
    for language in catalog_languages(directory):
        if language != SOURCE_LANGUAGE:
            problems.extend(catalog_problems(language, directory, template))
    problems.extend(campaign_problems(campaigns_dir, directory))
    return problems


def pseudo(destination, directory=TRANSLATIONS_DIR, campaigns_dir=CAMPAIGNS_DIR):
    """Copy the catalogs and campaign files into DESTINATION with the pseudo-locale added to both.

    Returns the two folders, for MEGAFONO_TRANSLATIONS_DIR and MEGAFONO_CAMPAIGNS_DIR.
    """
    register_pseudo_locale()
    translations, campaigns = destination / "translations", destination / "campaigns"
    shutil.copytree(directory, translations, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.mo"))
    catalog = new_catalog(PSEUDO_LANGUAGE)
    for message in read_catalog(TEMPLATE_FILE):
        if message.id:
            string = tuple(map(pseudo_text, message.id)) if message.pluralizable else pseudo_text(message.id)
            catalog.add(message.id, string, auto_comments=message.auto_comments, context=message.context)
    write_catalog(catalog, catalog_path(PSEUDO_LANGUAGE, translations))
    compile_catalogs(translations)
    campaigns.mkdir(parents=True, exist_ok=True)
    for path in campaign_files(campaigns_dir):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        (campaigns / path.name).write_text(
            yaml.safe_dump(with_pseudo_content(data), allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return translations, campaigns


def with_pseudo_content(data):
    """A campaign definition with an en_XA block made from its English (or default) text."""
    source = SOURCE_LANGUAGE if SOURCE_LANGUAGE in data["content"] else data["default_language"]
    markdown = {"body", "petition_text", "call_script", "thank_you"}
    data["content"][PSEUDO_LANGUAGE] = {
        key: pseudo_markdown(value) if key in markdown else pseudo_text(value)
        for key, value in data["content"][source].items()
    }
    card = data.get("know_your_rights") or {}
    for right in card.get("rights", []):
        text = right.get(source) or right[data["default_language"]]
        right[PSEUDO_LANGUAGE] = {key: pseudo_text(value) for key, value in text.items()}
    label = card.get("hotline_label")
    if isinstance(label, str) and label:
        card["hotline_label"] = label = {language: label for language in data["content"]}
    if isinstance(label, dict):
        label[PSEUDO_LANGUAGE] = pseudo_text(label.get(source) or label[data["default_language"]])
    return data
