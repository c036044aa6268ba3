"""When an office answers the phone, so the widget can say when it is probably closed."""

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WASHINGTON = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class OfficeHours:
    """Days (0 = Monday) and opening times, in Washington, D.C. time."""

    days: frozenset
    opens: time
    closes: time

    def likely_open(self, moment=None):
        """Whether the office is probably answering at this moment (holidays aside)."""
        local = (moment or now()).astimezone(WASHINGTON)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes


#: Congressional offices in Washington answer on weekdays, roughly 9 a.m. to 5 p.m. Eastern.
CONGRESS_HOURS = OfficeHours(frozenset(range(5)), time(9), time(17))


def office_hours(setting):
    """Office hours from a campaign file's `hours` (days as mon..sun, times as HH:MM)."""
    if not setting:
        return None
    return OfficeHours(
        frozenset(WEEKDAYS.index(day) for day in setting["days"]),
        time.fromisoformat(setting["opens"]),
        time.fromisoformat(setting["closes"]),
    )


def now():
    """The current moment; tests replace it to visit the office at night."""
    return datetime.now(UTC)
