"""How the call widget names people and places, in the supporter's language."""

from functools import lru_cache

from babel.dates import format_time
from babel.dates import get_day_names
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import lazy_pgettext

from widget.i18n import current_language
from widget.i18n import format_locale

# Titles are written without an article; Spanish needs one form for women and one for men.
TITLES = {
    # NOTE: Title before a woman senator's name, e.g. "Senator Maria Cantwell".
    ("senator", "F"): lazy_pgettext("title of a woman", "Senator"),
    # NOTE: Title before a man senator's name, e.g. "Senator Bernie Sanders".
    ("senator", "M"): lazy_pgettext("title of a man", "Senator"),
    # NOTE: Title before a House member's name; "Representante" in Spanish for women and men.
    ("representative", "F"): lazy_pgettext("title of a woman", "Representative"),
    ("representative", "M"): lazy_pgettext("title of a man", "Representative"),
    # NOTE: Title of the House member for Washington, D.C. and some territories (who cannot vote).
    ("delegate", "F"): lazy_pgettext("title of a woman", "Delegate"),
    ("delegate", "M"): lazy_pgettext("title of a man", "Delegate"),
    # NOTE: Title of Puerto Rico's member of the House.
    ("resident_commissioner", "F"): lazy_pgettext("title of a woman", "Resident Commissioner"),
    ("resident_commissioner", "M"): lazy_pgettext("title of a man", "Resident Commissioner"),
}

# How a script names the member mid-sentence: with the article the language needs ("que el
# senador Alex Padilla se oponga"); English needs none ("ask Senator Alex Padilla to").
THE_TARGET = {
    # NOTE: A woman senator named mid-sentence in a call script, with an article if your language needs one.
    ("senator", "F"): lazy_pgettext("named mid-sentence, a woman", "Senator %(name)s"),
    # NOTE: A man senator named mid-sentence in a call script, with an article if your language needs one.
    ("senator", "M"): lazy_pgettext("named mid-sentence, a man", "Senator %(name)s"),
    ("representative", "F"): lazy_pgettext("named mid-sentence, a woman", "Representative %(name)s"),
    ("representative", "M"): lazy_pgettext("named mid-sentence, a man", "Representative %(name)s"),
    ("delegate", "F"): lazy_pgettext("named mid-sentence, a woman", "Delegate %(name)s"),
    ("delegate", "M"): lazy_pgettext("named mid-sentence, a man", "Delegate %(name)s"),
    ("resident_commissioner", "F"): lazy_pgettext("named mid-sentence, a woman", "Resident Commissioner %(name)s"),
    ("resident_commissioner", "M"): lazy_pgettext("named mid-sentence, a man", "Resident Commissioner %(name)s"),
}

PARTIES = {
    # NOTE: A member of the Democratic Party.
    "Democrat": lazy_pgettext("party member", "Democrat"),
    # NOTE: A member of the Republican Party.
    "Republican": lazy_pgettext("party member", "Republican"),
    # NOTE: A member of Congress who belongs to no party.
    "Independent": lazy_pgettext("party member", "Independent"),
}

STATES = {
    "AL": lazy_pgettext("US state", "Alabama"), "AK": lazy_pgettext("US state", "Alaska"),
    "AZ": lazy_pgettext("US state", "Arizona"), "AR": lazy_pgettext("US state", "Arkansas"),
    "CA": lazy_pgettext("US state", "California"), "CO": lazy_pgettext("US state", "Colorado"),
    "CT": lazy_pgettext("US state", "Connecticut"), "DE": lazy_pgettext("US state", "Delaware"),
    "FL": lazy_pgettext("US state", "Florida"), "GA": lazy_pgettext("US state", "Georgia"),
    "HI": lazy_pgettext("US state", "Hawaii"), "ID": lazy_pgettext("US state", "Idaho"),
    "IL": lazy_pgettext("US state", "Illinois"), "IN": lazy_pgettext("US state", "Indiana"),
    "IA": lazy_pgettext("US state", "Iowa"), "KS": lazy_pgettext("US state", "Kansas"),
    "KY": lazy_pgettext("US state", "Kentucky"), "LA": lazy_pgettext("US state", "Louisiana"),
    "ME": lazy_pgettext("US state", "Maine"), "MD": lazy_pgettext("US state", "Maryland"),
    "MA": lazy_pgettext("US state", "Massachusetts"), "MI": lazy_pgettext("US state", "Michigan"),
    "MN": lazy_pgettext("US state", "Minnesota"), "MS": lazy_pgettext("US state", "Mississippi"),
    "MO": lazy_pgettext("US state", "Missouri"), "MT": lazy_pgettext("US state", "Montana"),
    "NE": lazy_pgettext("US state", "Nebraska"), "NV": lazy_pgettext("US state", "Nevada"),
    "NH": lazy_pgettext("US state", "New Hampshire"), "NJ": lazy_pgettext("US state", "New Jersey"),
    "NM": lazy_pgettext("US state", "New Mexico"), "NY": lazy_pgettext("US state", "New York"),
    "NC": lazy_pgettext("US state", "North Carolina"), "ND": lazy_pgettext("US state", "North Dakota"),
    "OH": lazy_pgettext("US state", "Ohio"), "OK": lazy_pgettext("US state", "Oklahoma"),
    "OR": lazy_pgettext("US state", "Oregon"), "PA": lazy_pgettext("US state", "Pennsylvania"),
    "RI": lazy_pgettext("US state", "Rhode Island"), "SC": lazy_pgettext("US state", "South Carolina"),
    "SD": lazy_pgettext("US state", "South Dakota"), "TN": lazy_pgettext("US state", "Tennessee"),
    "TX": lazy_pgettext("US state", "Texas"), "UT": lazy_pgettext("US state", "Utah"),
    "VT": lazy_pgettext("US state", "Vermont"), "VA": lazy_pgettext("US state", "Virginia"),
    "WA": lazy_pgettext("US state", "Washington"), "WV": lazy_pgettext("US state", "West Virginia"),
    "WI": lazy_pgettext("US state", "Wisconsin"), "WY": lazy_pgettext("US state", "Wyoming"),
    "DC": lazy_pgettext("US state", "Washington, D.C."), "PR": lazy_pgettext("US state", "Puerto Rico"),
    "GU": lazy_pgettext("US state", "Guam"), "VI": lazy_pgettext("US state", "U.S. Virgin Islands"),
    "AS": lazy_pgettext("US state", "American Samoa"), "MP": lazy_pgettext("US state", "Northern Mariana Islands"),
}


def state_name(code):
    return str(STATES.get(code, code)) if code else None


def target_title(target, language, default_language):
    """The title that goes before a target's name ("Senator"), or a fixed target's own, or ""."""
    if target.role == "fixed":
        title = target.title
        if isinstance(title, dict):
            return title.get(language) or title.get(default_language) or ""
        return title or ""
    return str(TITLES[(target.role, "F" if target.gender == "F" else "M")])


def the_target(target, name, title):
    """The target as a script names it mid-sentence: "el senador Alex Padilla", "Senator Alex Padilla"."""
    if target.role == "fixed":
        return f"{title} {name}".strip()
    return str(THE_TARGET[(target.role, "F" if target.gender == "F" else "M")]) % {"name": name}


def target_place(target):
    """Where a member is from: "California, district 12", "Alaska, at large", or the state."""
    if target.role == "fixed" or target.state is None:
        return None
    state = state_name(target.state)
    if target.role != "representative":
        return state
    if not target.district:
        # NOTE: A House seat that covers a whole state or territory, e.g. "Wyoming, at large".
        return _("%(state)s, at large", state=state)
    # NOTE: A congressional district, e.g. "California, district 12".
    return _("%(state)s, district %(number)s", state=state, number=target.district)


def describe_hours(hours):
    """When an office answers, as people say it: "Monday to Friday, 9:00 AM to 5:00 PM"."""
    return hours_in(hours, current_language(), format_locale())


@lru_cache(maxsize=256)
def hours_in(hours, language, locale):
    """describe_hours, worked out once per language (whose catalog gives the words) and locale:
    every office of Congress keeps the same hours, and Babel's names and times took 70 µs a step."""
    day_names = get_day_names("wide", locale=locale)
    days = sorted(hours.days)
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        # NOTE: A run of weekdays an office answers the phone, e.g. "Tuesday to Thursday".
        when = _("%(first)s to %(last)s", first=day_names[days[0]], last=day_names[days[-1]])
    else:
        when = format_list([day_names[day] for day in days], locale=locale)
    # NOTE: Opening hours, e.g. "Tuesday to Thursday, 11:00 AM to 3:00 PM".
    return _("%(days)s, %(opens)s to %(closes)s", days=when,
             opens=format_time(hours.opens, "short", locale=locale),
             closes=format_time(hours.closes, "short", locale=locale))


def party_name(target):
    return str(PARTIES.get(target.party, target.party)) if target.party else None


def one_full_stop_after(names, text):
    """The text without the full stop its sentence puts after a name that ends in one (as
    "Washington, D.C." or "Juan Jr." do): "I live in Washington, D.C. Please", not "D.C.. Please"."""
    for name in names:
        name = str(name or "")
        if name.endswith("."):
            text = text.replace(f"{name}.", name)
    return text
