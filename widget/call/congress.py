"""Who represents a ZIP code in Congress, from the project's own data file (see congress_build)."""

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from widget.call.places import NO_SENATORS
from widget.call.targets import member_target

#: The project's own data file, built by `flask congress build` and shipped with the project.
BUILT_FILE = Path(__file__).parent / "data" / "us-congress.json"

# [0-9], not \d: \d also matches Arabic-Indic and full-width digits.
ZIP_CODE = re.compile(r"^\s*([0-9]{5})(?:[-\s]?[0-9]{4})?\s*$")


@dataclass(frozen=True)
class CongressData:
    snapshot: dict
    members: dict
    seats_by_zip: dict
    house: dict
    senate: dict


@cache
def congress_data(path=BUILT_FILE):
    """The data file, read once per process and then kept: it never changes while running."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    seats_by_zip = {}
    for seat, entry in raw["house"].items():
        for code in entry["zips"].split():
            seats_by_zip[code] = (*seats_by_zip.get(code, ()), seat)
    house = {seat: entry["member"] for seat, entry in raw["house"].items()}
    return CongressData(raw["snapshot"], raw["members"], seats_by_zip, house, raw["senate"])


def today():
    """Today's date; tests pin it, so that what they expect does not change with the calendar."""
    return date.today()


@dataclass(frozen=True)
class Lookup:
    """What a ZIP code tells us: the seats it lies in and whom to call."""

    zip_code: str
    seats: tuple = ()
    targets: tuple = ()
    #: House seats with nobody in them in our data.
    vacant_seats: tuple = ()

    @property
    def found(self):
        return bool(self.seats)

    @property
    def states(self):
        return tuple(dict.fromkeys(seat.split("-")[0] for seat in self.seats))

    @property
    def spans_districts(self):
        return len(self.seats) > 1

    @property
    def spans_states(self):
        return len(self.states) > 1

    @property
    def places_without_senators(self):
        return tuple(state for state in self.states if state in NO_SENATORS)


def normalize_zip(text):
    """The five digits of a US ZIP code (ZIP+4 accepted), or None."""
    match = ZIP_CODE.match(text or "")
    return match.group(1) if match else None


def lookup_targets_by_zip(zip_code, chambers=("house", "senate"), data=None):
    """The members of Congress for a ZIP code: every possible House member, then the senators.

    A member whose term has ended in our data stays on the list, marked, with the Capitol
    switchboard beside them: after an election most are back, and an empty list helps nobody.
    """
    data = data or congress_data()
    on = today().isoformat()
    seats = data.seats_by_zip.get(zip_code, ())
    targets, vacant = [], []
    if "house" in chambers:
        for seat in seats:
            bioguide = data.house.get(seat)
            if bioguide is None:
                vacant.append(seat)
            else:
                targets.append(member_target(bioguide, data.members[bioguide], on))
    if "senate" in chambers:
        for state in dict.fromkeys(seat.split("-")[0] for seat in seats):
            for bioguide in data.senate.get(state, []) if state not in NO_SENATORS else []:
                targets.append(member_target(bioguide, data.members[bioguide], on))
    return Lookup(zip_code, seats, tuple(targets), tuple(vacant))


def find_member(bioguide):
    """A member as a target, or None if the data file (rebuilt since) no longer has them."""
    member = congress_data().members.get(bioguide)
    return member_target(bioguide, member, today().isoformat()) if member else None


def out_of_date_terms(data=None):
    """(count, earliest end) of members whose term in the data has ended: time to rebuild it."""
    data = data or congress_data()
    on = today().isoformat()
    ended = sorted(member["term_end"] for member in data.members.values() if member["term_end"] <= on)
    return len(ended), (ended[0] if ended else None)
