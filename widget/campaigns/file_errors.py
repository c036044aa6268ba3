"""What is wrong with a campaign file, in words a volunteer can act on.

pydantic says what a schema expected ("String should match pattern '^[a-z0-9]…'", "Extra inputs
are not permitted"), and counts a list's items from zero. The people who write campaign files
are organizers, not programmers, and most of their mistakes are YAML's surprises: an unquoted
`#` starts a comment, `11:00` unquoted is the number 660, `1,000` is text. Each problem here says
where it is (a list's items counted from one, as `#1`), what is wrong and what to write instead.
"""

import difflib
import re

from widget.campaigns.schema import CLOCK_TIME_PATTERN
from widget.campaigns.schema import LANGUAGE_PATTERN
from widget.campaigns.schema import SLUG_PATTERN
from widget.campaigns.schema import Strict
from widget.embedding.attribution import COLOR_PATTERN
from widget.embedding.origins import ORIGIN_PATTERN

#: What a value matching each pattern looks like.
PATTERNS = {
    SLUG_PATTERN: "use lower-case letters, digits and hyphens only, like stop-the-raids",
    COLOR_PATTERN: "write a colour as # and six hex digits, in quotes, like '#0b6e4f'",
    CLOCK_TIME_PATTERN: "write a time as hours and minutes on a 24-hour clock, in quotes, like '09:00'",
    LANGUAGE_PATTERN: "use a language code, like es or en",
    ORIGIN_PATTERN: "give a site's scheme and host only, like https://example.org",
}
#: What pydantic puts into a problem's place besides settings and keys: the kinds a value may be.
PYDANTIC_NAME = re.compile(r"constrained-str|str|int|\[key\]|[a-z-]+\[.*\]")
TARGET_TAGS = ("congress-lookup", "fixed-targets")
#: Where text is asked for and also, in its place, one text per language.
TEXT_OR_PER_LANGUAGE = {"string_type", "dict_type"}


def plain_problems(error):
    """(where, message) pairs for a pydantic ValidationError, one per place. Where a value may be
    text or one text per language, and the per-language form was meant (a place below it has a
    problem of its own), the complaint that it is not text is left out."""
    found = {}
    for issue in error.errors():
        found.setdefault(where(issue["loc"]), []).append(issue)
    return [(place, message(issues)) for place, issues in found.items()
            if not ({issue["type"] for issue in issues} <= TEXT_OR_PER_LANGUAGE
                    and any(other.startswith(f"{place}.") for other in found))]


def where(loc):
    """`targets.fixed.#1.hours.opens`: settings by name, a list's items counted from one. Left
    out: the names pydantic gives the kinds a value may be (`constrained-str`, `dict[...]`, the
    tags of `Targets`), and its `[key]` after a key that is itself wrong (the message says so).
    A key YAML read as true or false (`no:`, `yes:`) is shown as YAML read it."""
    parts = []
    for part in loc:
        if isinstance(part, bool):
            parts.append(str(part).lower())
        elif isinstance(part, int):
            parts.append(f"#{part + 1}")
        elif not PYDANTIC_NAME.fullmatch(part) and part not in TARGET_TAGS:
            parts.append(part)
    return ".".join(parts) or "(file)"


def message(issues):
    """One message for the problems pydantic found at one place: where text or one text per
    language would do, one message for both, or only what is wrong with the form that was meant."""
    kinds = {issue["type"] for issue in issues}
    if len(issues) > 1 and kinds <= TEXT_OR_PER_LANGUAGE:
        return with_yaml_hint("should be text, or one text per language (es: …, en: …)", issues[0])
    meant = [issue for issue in issues if issue["type"] not in TEXT_OR_PER_LANGUAGE]
    return "; ".join(dict.fromkeys(one_message(issue) for issue in (meant or issues)))


def one_message(issue):
    kind, value, context = issue["type"], issue.get("input"), issue.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return unknown_setting(issue["loc"])
    if kind == "string_pattern_mismatch":
        return f"{value!r}: {PATTERNS.get(context.get('pattern'), issue['msg'])}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{value!r}: write a whole number without commas, points or spaces, like 1000"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = context.get("ge", context.get("le"))
        return f"{value!r}: use {bound} or {'more' if kind == 'greater_than_equal' else 'less'}"
    if kind == "string_type":
        return with_yaml_hint("should be text", issue)
    if kind in ("model_type", "dict_type"):
        return f"{value!r}: should be a block of settings, each on its own line as name: value"
    if kind == "list_type":
        return f"{value!r}: should be a list, each item on its own line after '- '"
    if kind == "literal_error":
        return f"{value!r}: use {context.get('expected')}"
    if kind == "bool_parsing":
        return f"{value!r}: use true or false"
    if kind == "string_too_short":
        return "is empty" if not value else f"is too short: at least {context.get('min_length')} characters"
    if kind == "string_too_long":
        return f"is too long: at most {context.get('max_length')} characters"
    if kind == "too_long":
        return f"has too many: at most {context.get('max_length')}"
    if kind == "too_short":
        return "is empty" if context.get("min_length") == 1 else f"needs at least {context.get('min_length')}"
    if kind == "value_error":
        return str(context.get("error") or issue["msg"])
    return issue["msg"]


#: Settings that hold a time of day, which YAML reads as a number when unquoted (11:00 is 660).
TIMES = ("opens", "closes")


def with_yaml_hint(text, issue):
    """Where text was wanted: what YAML made of a value written without quotes."""
    value = issue.get("input")
    if value is None:
        return "is empty (if a # follows on that line, YAML took the rest as a comment: put the value in quotes)"
    if issue["loc"][-1] in TIMES and isinstance(value, int):
        return f"{text}: YAML read this as the number {value}; put the time in quotes, like '09:00'"
    if isinstance(value, (int, float, bool)):
        return f"{text}: YAML read this as {value!r}; put it in quotes"
    return text


def unknown_setting(loc):
    """An unknown setting, with the known one it most looks like."""
    name = str(loc[-1])
    if name in ("fixed", "lookup") and len(loc) > 1 and loc[-2] in TARGET_TAGS:
        return "give either lookup or fixed, not both"
    close = difflib.get_close_matches(name, [known for known in setting_names() if known != name], n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else " (docs/campaigns.md lists the settings)"
    return f"'{name}' is not a setting here{hint}"


def setting_names():
    """Every setting any part of a campaign file may have."""
    names, models = set(), list(Strict.__subclasses__())
    while models:
        model = models.pop()
        names.update(model.model_fields)
        models.extend(model.__subclasses__())
    return sorted(names)
