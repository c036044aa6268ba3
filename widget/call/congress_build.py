"""Build Megáfono's own compact Congress file from the public-domain sources (`flask congress build`).

The sources (see ../shared/data/us-congress/README.md): `legislators-current.yaml` and
`legislators-district-offices.yaml` from the unitedstates/congress-legislators project (CC0), and
`zccd.csv` (ZIP Code Tabulation Area to congressional district). The result, written to
`widget/call/data/us-congress.json` and shipped with the project, keeps only what the call
widget shows, grouped by seat so a new election changes a few readable lines.
"""

import csv
import json
import re
from collections import defaultdict
from datetime import UTC
from datetime import datetime
from pathlib import Path

import yaml

from widget import PROJECT_ROOT
from widget.call.congress import BUILT_FILE
from widget.call.places import TERRITORY_ZIPS
from widget.phones import e164

DEFAULT_SOURCE = PROJECT_ROOT.parent / "shared" / "data" / "us-congress"
FORMAT = 1
#: libyaml's safe loader when PyYAML was built with it (ten times faster on these megabytes).
SAFE_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_YAML_LOADER)  # noqa: S506 - a safe loader

class CongressDataError(ValueError):
    """A source file is missing or not in the shape we expect."""


def snapshot_dates(source):
    """The snapshot dates the source folder's README gives for its files, if it gives them."""
    readme = Path(source) / "README.md"
    dates = {}
    if readme.exists():
        for line in readme.read_text(encoding="utf-8").splitlines():
            found = re.search(r"snapshot of (\d{4}-\d{2}-\d{2})", line)
            if found and "legislators-current" in line:
                dates["legislators"] = found.group(1)
            elif found and "zccd" in line:
                dates["zip_districts"] = found.group(1)
    return dates


def seat_name(state, district):
    return f"{state}-{district}"


def member_name(person):
    name = person["name"]
    return name.get("official_full") or " ".join(filter(None, [name.get("first"), name.get("last")]))


def local_offices(entry):
    """A member's offices at home, as (city, state, ZIP, phone): the fallback when DC is busy."""
    offices = []
    for office in entry.get("offices", []):
        phone = e164(office.get("phone"))
        if phone and office.get("city"):
            offices.append([office["city"], office.get("state", ""), office.get("zip", ""), phone])
    return offices


def build(source=DEFAULT_SOURCE, dates=None):
    """The compact data as a dict, from the three source files in `source`."""
    source = Path(source)
    try:
        people = read_yaml(source / "legislators-current.yaml")
        offices = read_yaml(source / "legislators-district-offices.yaml")
        with (source / "zccd.csv").open(encoding="utf-8", newline="") as handle:
            zip_rows = list(csv.DictReader(handle))
    except (OSError, yaml.YAMLError, csv.Error) as error:
        raise CongressDataError(f"cannot read the sources in {source}: {error}") from error
    if not people or not zip_rows or "zcta" not in zip_rows[0]:
        raise CongressDataError(f"the sources in {source} are empty or not in the expected format")

    offices_by_member = {entry["id"]["bioguide"]: local_offices(entry) for entry in offices or []}
    members, house, senate = {}, {}, defaultdict(list)
    for person in people:
        term = person["terms"][-1]
        bioguide = person["id"]["bioguide"]
        members[bioguide] = {
            "name": member_name(person),
            "chamber": "senate" if term["type"] == "sen" else "house",
            "state": term["state"],
            "district": term.get("district"),
            "party": term.get("party"),
            "gender": person.get("bio", {}).get("gender"),
            "phone": e164(term.get("phone")),
            "office": term.get("office") or term.get("address"),
            "term_end": term["end"],
            "local_offices": offices_by_member.get(bioguide, []),
        }
        if term["type"] == "sen":
            senate[term["state"]].append(bioguide)
        else:
            house[seat_name(term["state"], term.get("district") or 0)] = bioguide

    zips_by_seat = defaultdict(set)
    for row in zip_rows:
        zips_by_seat[seat_name(row["state_abbr"], int(row["cd"]))].add(row["zcta"])
    for state, codes in TERRITORY_ZIPS.items():
        zips_by_seat[seat_name(state, 0)].update(codes)

    seats = {
        seat: {"member": house.get(seat), "zips": " ".join(sorted(zips_by_seat.get(seat, ())))}
        for seat in sorted(set(zips_by_seat) | set(house))
    }
    return {
        "format": FORMAT,
        "built": datetime.now(UTC).date().isoformat(),
        "snapshot": {**snapshot_dates(source), **(dates or {})},
        "members": dict(sorted(members.items())),
        "house": seats,
        "senate": {state: sorted(ids) for state, ids in sorted(senate.items())},
    }


def write(data, path=BUILT_FILE):
    """Write the data file, one seat or member per line so changes read well in a diff."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["{"]
    for key in ("format", "built", "snapshot"):
        lines.append(f"{json.dumps(key)}: {json.dumps(data[key], ensure_ascii=False)},")
    for section in ("members", "house", "senate"):
        lines.append(f"{json.dumps(section)}: {{")
        entries = list(data[section].items())
        for index, (key, value) in enumerate(entries):
            comma = "," if index < len(entries) - 1 else ""
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
        lines.append("}," if section != "senate" else "}")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
