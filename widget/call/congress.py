"""Who represents a ZIP code in Congress, from the project's own data file (see congress_data)."""

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from widget.call.congress_build import BUILT_FILE
from widget.call.targets import member_target

# [0-9], not \d: \d also matches Arabic-Indic and full-width digits.
ZIP_CODE = re.compile(r"^\s*([0-9]{5})(?:[-\s]?[0-9]{4})?\s*$")
#: Places with a member of the House but no senators.
NO_SENATORS = frozenset({"DC", "PR", "GU", "VI", "AS", "MP"})


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


@dataclass(frozen=True)
class Lookup:
    """What a ZIP code tells us: the seats it lies in and whom to call."""

    zip_code: str
    seats: tuple = ()
    targets: tuple = ()
    #: House seats with nobody in them (or whose term in our data has ended).
    vacant_seats: tuple = ()
    #: States where our data has fewer than two sitting senators.
    short_of_senators: tuple = ()

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


def lookup_targets_by_zip(zip_code, chambers=("house", "senate"), today=None, data=None):
    """The members of Congress for a ZIP code: every possible House member, then the senators."""
    data = data or congress_data()
    today = (today or date.today()).isoformat()
    seats = data.seats_by_zip.get(zip_code, ())

    def serving(bioguide):
        # A term that has ended in our data may have a new holder we do not know yet.
        return bioguide is not None and data.members[bioguide]["term_end"] > today

    targets, vacant, short = [], [], []
    if "house" in chambers:
        for seat in seats:
            bioguide = data.house.get(seat)
            if serving(bioguide):
                targets.append(member_target(bioguide, data.members[bioguide]))
            else:
                vacant.append(seat)
    if "senate" in chambers:
        for state in dict.fromkeys(seat.split("-")[0] for seat in seats):
            if state in NO_SENATORS:
                continue
            senators = [bioguide for bioguide in data.senate.get(state, []) if serving(bioguide)]
            targets.extend(member_target(bioguide, data.members[bioguide]) for bioguide in senators)
            if len(senators) < 2:
                short.append(state)
    return Lookup(zip_code, seats, tuple(targets), tuple(vacant), tuple(short))
