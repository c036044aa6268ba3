"""What a supporter should know about their ZIP code and the offices on their list, in words."""

from datetime import date

from babel.dates import format_date
from babel.lists import format_list
from flask_babel import gettext as _

from widget.call.congress import congress_data
from widget.call.names import one_full_stop_after
from widget.call.names import state_name
from widget.i18n import format_locale


def long_date(iso_date):
    """A date as people write it: "June 15, 2026", "15 de junio de 2026"."""
    return format_date(date.fromisoformat(iso_date), format="long", locale=format_locale()) if iso_date else None


def data_date():
    """The date of the members list, as the widget shows it."""
    return long_date(congress_data().snapshot.get("legislators"))


def seat_name(seat):
    state, number = seat.split("-")
    return _("%(state)s, district %(number)s", state=state_name(state), number=number) if number != "0" \
        else state_name(state)


def lookup_notes(lookup):
    """Sentences about the ZIP code's seats: split, across states, vacant, without senators."""
    notes = []
    if lookup.spans_states:
        states = format_list([state_name(state) for state in lookup.states], locale=format_locale())
        notes.append(_(
            "ZIP code %(zip)s covers more than one state, so we list the members for %(states)s. "
            "Call the ones for the state where you live.", zip=lookup.zip_code, states=states))
    elif lookup.spans_districts:
        notes.append(_(
            "ZIP code %(zip)s is split between %(count)s congressional districts, so we list the "
            "representative for each. If you know your district, you can skip the others.",
            zip=lookup.zip_code, count=len(lookup.seats)))
    for seat in lookup.vacant_seats:
        notes.append(_(
            "There is no representative to call for %(seat)s: the seat was empty on our list of "
            "%(date)s.", seat=seat_name(seat), date=data_date()))
    for place in lookup.places_without_senators:
        name = str(state_name(place))
        notes.append(one_full_stop_after([name], _(
            "There are no senators for %(place)s. Its member of the House can speak for it, but cannot "
            "vote on the final passage of bills.", place=name)))
    return notes


def term_note(target):
    """For a member whose term in our data has ended: the office may have someone new."""
    if not target.term_ended:
        return None
    return _(
        "Our list is from %(date)s, and this term ended on %(end)s: the office may have someone new.",
        date=data_date(), end=long_date(target.term_end))
