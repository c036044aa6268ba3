"""What a campaign file may say, and the checks a file must pass before anything is stored."""

from typing import Annotated
from typing import Literal

from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Discriminator
from pydantic import Field
from pydantic import StringConstraints
from pydantic import Tag

from widget.call.script import ScriptError
from widget.call.script import check_script
from widget.embedding.attribution import COLOR_PATTERN
from widget.embedding.origins import ORIGIN_PATTERN
from widget.embedding.origins import normalize_origin
from widget.forms import SUPPORTER_FIELDS
from widget.graphics.cards import DEFAULT_RIGHTS
from widget.phones import e164

#: A campaign's name in URLs: lower-case letters, digits and inner hyphens.
SLUG_BODY = r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?"
SLUG_PATTERN = rf"^{SLUG_BODY}$"
CLOCK_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
#: A language's code, as in the app's LANGUAGES: `es`, `en`, or with a country (`en_XA`).
LANGUAGE_BODY = r"[a-z]{2,3}(?:_[A-Z]{2})?"
LANGUAGE_PATTERN = rf"^{LANGUAGE_BODY}$"

SupporterFieldName = Literal[tuple(SUPPORTER_FIELDS)]
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
HexColor = Annotated[str, StringConstraints(pattern=COLOR_PATTERN)]
Origin = Annotated[str, StringConstraints(pattern=ORIGIN_PATTERN), AfterValidator(normalize_origin)]

Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Markdown = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]

#: Text each campaign kind cannot do without, in its default language.
REQUIRED_TEXT = {
    "petition": ("title", "petition_text", "thank_you"),
    "call": ("title", "call_script", "thank_you"),
}

#: Text written in Markdown and stored as sanitized HTML (under the same key plus `_html`).
#: A call script is plain text, read aloud, with its own placeholders (see widget.call.script).
MARKDOWN_TEXT = ("body", "petition_text", "thank_you")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CampaignText(Strict):
    """One language's worth of a campaign's words."""

    title: Line = ""
    summary: Line = ""
    body: Markdown = ""
    #: Whom the petition is addressed to, as it reads in a sentence ("the President of ...").
    target: Line = ""
    petition_text: Markdown = ""
    call_script: Markdown = ""
    thank_you: Markdown = ""
    share_text: Line = ""
    privacy_note: Line = ""
    consent_text: Line = ""


class FieldSettings(Strict):
    shown: list[SupporterFieldName] = ["given_name", "family_name", "email", "city", "postal_code"]
    required: list[SupporterFieldName] = ["given_name", "family_name", "email"]


class EmbeddingSettings(Strict):
    open_to_any_site: bool = True
    allowed_origins: list[Origin] = []


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, StringConstraints(pattern=CLOCK_TIME_PATTERN)]


class OfficeHoursSetting(Strict):
    """When a fixed number answers, in Washington, D.C. time."""

    days: list[Weekday] = Field(min_length=1)
    opens: ClockTime
    closes: ClockTime


class CongressLookup(Strict):
    """Members of Congress found from the supporter's ZIP code."""

    lookup: Literal["us-congress"]
    chambers: list[Literal["house", "senate"]] = Field(default=["house", "senate"], min_length=1)


class FixedTarget(Strict):
    """One number everybody calls, such as the White House comment line."""

    name: Line | dict[LanguageCode, Line]
    title: Line | dict[LanguageCode, Line] = ""
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)]
    hours: OfficeHoursSetting | None = None


class FixedTargets(Strict):
    fixed: list[FixedTarget] = Field(min_length=1, max_length=20)


def kind_of_targets(value):
    """Which kind of targets a file's `targets:` gives, from the one setting each kind must have,
    so that a mistake in one is reported against that kind alone (tried as either, a slip in a
    fixed number's hours was also reported as a lookup missing its `lookup:`). file_errors leaves
    the tags out of where a problem is."""
    if isinstance(value, FixedTargets) or (isinstance(value, dict) and "fixed" in value and "lookup" not in value):
        return "fixed-targets"
    return "congress-lookup"


Targets = Annotated[
    Annotated[CongressLookup, Tag("congress-lookup")] | Annotated[FixedTargets, Tag("fixed-targets")],
    Discriminator(kind_of_targets),
]


#: The most rights a card holds: with more, the square and story cards could not show every heading.
CARD_RIGHTS = 8
HotlineLabel = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


class RightText(Strict):
    heading: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)] = ""


class KnowYourRights(Strict):
    """The campaign's Know Your Rights card: its help line, and rights added to (or instead of) ours."""

    hotline: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None = None
    # Short, so the help line always fits on the card beside the disclaimer.
    hotline_label: HotlineLabel | dict[LanguageCode, HotlineLabel] = ""
    rights: list[dict[LanguageCode, RightText]] = Field(default=[], max_length=CARD_RIGHTS)
    replace_default_rights: bool = False


class CampaignDefinition(Strict):
    slug: Slug
    kind: Literal["petition", "call"]
    status: Literal["draft", "live", "closed"] = "draft"
    default_language: LanguageCode
    organizer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    goal: int = Field(default=100, ge=1, le=100_000_000)
    accent_color: HexColor = "#0b6e4f"
    fields: FieldSettings = FieldSettings()
    #: What the target receives. The privacy promise beside the button is built from this list.
    delivered_fields: list[SupporterFieldName] = ["given_name", "family_name", "city"]
    ask_consent: bool = False
    embedding: EmbeddingSettings = EmbeddingSettings()
    #: Whom a call campaign's supporters call.
    targets: Targets | None = None
    know_your_rights: KnowYourRights = KnowYourRights()
    content: dict[LanguageCode, CampaignText] = Field(min_length=1)


def content_problems(definition):
    """Problems pydantic cannot see: cross-field rules and completeness of each language.

    Returns (field path, message) pairs; an empty list means the definition can be stored.
    """
    problems = []
    shown = set(definition.fields.shown)
    for name in definition.fields.required:
        if name not in shown:
            problems.append(("fields.required", f"'{name}' is required but not in fields.shown"))
    if definition.kind == "petition" and "email" not in definition.fields.required:
        # One person signs once: without an address there is nothing to count them once by.
        problems.append(("fields.required", "a petition must require 'email', so each person is counted once"))
    problems.extend(target_problems(definition))
    problems.extend(card_problems(definition))
    for name in definition.delivered_fields:
        if name not in shown:
            problems.append(("delivered_fields", f"'{name}' is delivered but never asked for (add it to fields.shown)"))

    default = definition.content.get(definition.default_language)
    if default is None:
        return [*problems, ("default_language", f"'{definition.default_language}' has no block under content")]

    needed = list(REQUIRED_TEXT[definition.kind])
    if definition.ask_consent:
        needed.append("consent_text")
    for key in needed:
        if not getattr(default, key):
            problems.append((f"content.{definition.default_language}.{key}", "is required"))

    if definition.status == "live":
        problems.extend(untranslated_problem(language, key) for language, key in missing_translations(definition))
    return problems


def untranslated_problem(language, key):
    """(field path, message) for a text a live campaign lacks in one of its languages."""
    return (f"content.{language}.{key}", f"is missing; a live campaign must be complete in each of its "
                                         f"languages (translate it, or remove the '{language}' block)")


def untranslated(content, default_language):
    """(language, key) for each text of the default language that another language lacks: a live
    campaign must be complete in each of its languages. `content` maps each language to its texts,
    as a file gives them (CampaignText) or as stored (by key, with their HTML beside them)."""
    content = {language: text if isinstance(text, dict) else text.model_dump() for language, text in content.items()}
    default = content.get(default_language) or {}
    return [(language, key) for language, text in content.items()
            for key in CampaignText.model_fields if default.get(key) and not text.get(key)]


def target_problems(definition):
    """Call campaigns need targets with usable numbers, and scripts that fill in naturally."""
    if definition.kind != "call":
        return [("targets", "only call campaigns have targets")] if definition.targets else []
    problems = []
    if definition.targets is None:
        problems.append(("targets", "a call campaign needs 'lookup: us-congress' or a 'fixed' list"))
    elif isinstance(definition.targets, FixedTargets):
        for number, target in enumerate(definition.targets.fixed, start=1):
            if e164(target.phone) is None:
                problems.append((f"targets.fixed.#{number}.phone", f"{target.phone!r} is not a telephone number"))
            if target.hours and target.hours.opens >= target.hours.closes:
                problems.append((f"targets.fixed.#{number}.hours", "closes before it opens"))
    for language, text in definition.content.items():
        try:
            check_script(text.call_script)
        except ScriptError as error:
            problems.append((f"content.{language}.call_script", str(error)))
    return problems


def card_problems(definition):
    """The card's help line must be a number; its rights must read in every language the campaign is live in."""
    card = definition.know_your_rights
    problems = []
    if card.hotline and e164(card.hotline) is None:
        problems.append(("know_your_rights.hotline", f"{card.hotline!r} is not a telephone number"))
    if card.replace_default_rights and not card.rights:
        problems.append(("know_your_rights.rights", "replace_default_rights needs at least one right of your own"))
    if not card.replace_default_rights and len(card.rights) + len(DEFAULT_RIGHTS) > CARD_RIGHTS:
        problems.append((
            "know_your_rights.rights",
            f"a card holds {CARD_RIGHTS} rights and ours take {len(DEFAULT_RIGHTS)}: add at most "
            f"{CARD_RIGHTS - len(DEFAULT_RIGHTS)}, or set replace_default_rights and list them all",
        ))
    languages = set(definition.content) if definition.status == "live" else {definition.default_language}
    for number, right in enumerate(card.rights, start=1):
        for language in sorted(languages - set(right)):
            problems.append((f"know_your_rights.rights.#{number}", f"has no '{language}' text"))
    return problems


def missing_translations(definition):
    """(language, key) pairs of a file's texts that would fall back to the default language."""
    return untranslated(definition.content, definition.default_language)


def stored_content(definition):
    """Per-language content as stored: plain lines as given, Markdown as sanitized HTML."""
    from widget.campaigns.markdown import render_markdown

    stored = {}
    for language, text in definition.content.items():
        block = {}
        for key, value in text:
            if not value:
                continue
            if key in MARKDOWN_TEXT:
                block[f"{key}_html"] = render_markdown(value)
            block[key] = value
        stored[language] = block
    return stored
