"""An independent reading of the public Congress files, so tests check our lookup against the
sources themselves rather than against our own builder (or names typed into a test)."""

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache

import yaml

from widget import PROJECT_ROOT

SOURCE = PROJECT_ROOT.parent / "shared" / "data" / "us-congress"
#: The day the tests live in: what they expect must not change with the calendar (on 3 January
#: 2027 most terms in the data end).
TODAY = date(2026, 11, 21)


@dataclass(frozen=True)
class Sources:
    seats_by_zip: dict
    representative: dict  # seat -> name of its member (a term that has ended is still listed)
    senators: dict  # state -> names of its senators


@cache
def sources():
    with (SOURCE / "zccd.csv").open(newline="") as handle:
        seats_by_zip = defaultdict(list)
        for row in csv.DictReader(handle):
            seats_by_zip[row["zcta"]].append(f"{row['state_abbr']}-{int(row['cd'])}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    people = yaml.load((SOURCE / "legislators-current.yaml").read_text(), Loader=loader)  # noqa: S506 - safe
    representative, senators = {}, defaultdict(list)
    for person in people:
        term = person["terms"][-1]
        name = person["name"].get("official_full") or f"{person['name']['first']} {person['name']['last']}"
        if term["type"] == "sen":
            senators[term["state"]].append(name)
        else:
            representative[f"{term['state']}-{term.get('district') or 0}"] = name
    return Sources(dict(seats_by_zip), representative, dict(senators))


def expected_names(zip_code):
    """Everyone a supporter with this ZIP code should be asked to call, by the sources.

    Members whose term has ended stay: the widget lists them, marked (see test_call).
    """
    data = sources()
    seats = data.seats_by_zip[zip_code]
    house = [data.representative[seat] for seat in seats if seat in data.representative]
    states = dict.fromkeys(seat.split("-")[0] for seat in seats)
    return sorted(house + [name for state in states for name in data.senators.get(state, [])])


def first_zip(matches):
    """The first ZIP code (in file order) whose seats satisfy the test."""
    data = sources()
    return next(code for code, seats in data.seats_by_zip.items() if matches(seats, data))
