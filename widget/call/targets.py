"""Who a supporter calls: a member of Congress found by ZIP code, or a fixed number."""

from dataclasses import dataclass
from dataclasses import field

from widget.call.hours import CONGRESS_HOURS
from widget.call.hours import OfficeHours
from widget.call.hours import office_hours
from widget.call.places import NO_SENATORS
from widget.call.places import RESIDENT_COMMISSIONER_PLACES
from widget.phones import e164

#: The Capitol switchboard: it puts callers through to any member's office.
SWITCHBOARD = "+12022243121"


@dataclass(frozen=True)
class LocalOffice:
    city: str
    state: str
    zip_code: str
    phone: str


@dataclass(frozen=True)
class Target:
    """One office to call, with what the widget shows about it."""

    key: str
    #: A person's name, or for a fixed target its name per language ({"es": ..., "en": ...}).
    name: str | dict
    #: senator, representative, delegate, resident_commissioner, or fixed.
    role: str
    phone: str | None
    gender: str | None = None
    party: str | None = None
    state: str | None = None
    district: int | None = None
    office: str | None = None
    local_offices: tuple = ()
    hours: OfficeHours | None = None
    #: For a fixed target, its title per language, as the campaign file gives it.
    title: dict = field(default_factory=dict)
    #: The member's term in our data has ended: the office may have someone new.
    term_ended: bool = False
    term_end: str | None = None

    def name_in(self, language, default_language):
        if isinstance(self.name, dict):
            return self.name.get(language) or self.name.get(default_language) or next(iter(self.name.values()))
        return self.name

    def nearest_local_office(self, zip_code):
        """The office at home most likely near the supporter: the longest shared ZIP prefix.

        ZIP codes that share leading digits are served by the same postal centre, so nearby.
        """
        if not self.local_offices or not zip_code:
            return self.local_offices[0] if self.local_offices else None

        def closeness(office):
            shared = 0
            for ours, theirs in zip(zip_code, office.zip_code, strict=False):
                if ours != theirs:
                    break
                shared += 1
            # Offices give ZIP+4 codes at times: the first five digits are what compare.
            five = office.zip_code[:5]
            distance = abs(int(zip_code) - int(five)) if five.isdigit() else 10**6
            return (-shared, distance)

        return min(self.local_offices, key=closeness)


def member_role(member):
    if member["chamber"] == "senate":
        return "senator"
    if member["state"] in RESIDENT_COMMISSIONER_PLACES:
        return "resident_commissioner"
    return "delegate" if member["state"] in NO_SENATORS else "representative"


def member_target(bioguide, member, today):
    """A member of Congress as a target; `today` (YYYY-MM-DD) tells whether their term has ended."""
    return Target(
        key=bioguide,
        name=member["name"],
        role=member_role(member),
        phone=member["phone"],
        gender=member["gender"],
        party=member["party"],
        state=member["state"],
        district=member["district"] if member["chamber"] == "house" else None,
        office=member["office"],
        local_offices=tuple(LocalOffice(*office) for office in member["local_offices"]),
        hours=CONGRESS_HOURS,
        term_ended=member["term_end"] <= today,
        term_end=member["term_end"],
    )


def fixed_targets(settings):
    """The fixed list a campaign file gives, as targets keyed by their number.

    The key is the number itself (`tel:+12024561111`), so reordering the list in the file never
    credits a report to another office.
    """
    return [
        Target(
            key=f"tel:{e164(entry['phone'])}",
            name=entry["name"],
            role="fixed",
            phone=e164(entry["phone"]),
            title=entry.get("title") or {},
            hours=office_hours(entry.get("hours")),
        )
        for entry in settings.get("fixed", [])
    ]
