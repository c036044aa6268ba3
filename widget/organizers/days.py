"""Days as organizers count them: midnight to midnight in the service's time zone
(MEGAFONO_TIME_ZONE, UTC unless set), while the database keeps every moment in UTC."""

from collections import Counter
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer
from sqlalchemy import cast
from sqlalchemy import func

from widget.extensions import db

#: Moments are counted per quarter hour, which every zone's offset from UTC is made of, and each
#: quarter hour is put on its day here: one way on both databases, with Python's time zones
#: (SQLite has none, and PostgreSQL's own may not know the same names or rules).
QUARTER_HOUR = 15 * 60


def service_zone():
    return ZoneInfo(current_app.config["TIME_ZONE"])  # ZoneInfo keeps each zone it has read


def zone_label():
    """The zone as organizers read it: "UTC", "America/Los Angeles"."""
    return current_app.config["TIME_ZONE"].replace("_", " ")


def today():
    return datetime.now(service_zone()).date()


def start_of(day):
    """The moment a day begins, in the service's time zone."""
    return datetime.combine(day, time.min, tzinfo=service_zone())


def quarter_hour_of(moments):
    """The quarter hour since 1970 (UTC) that a stored moment falls in, on either database."""
    if db.engine.dialect.name == "postgresql":
        return func.floor(func.extract("epoch", moments) / QUARTER_HOUR)
    return cast(func.strftime("%s", moments), Integer) // QUARTER_HOUR


def days_of(quarter_counts):
    """(quarter hour, count) pairs as (day, count) pairs, in order of day."""
    zone, days = service_zone(), Counter()
    for quarter, count in quarter_counts:
        days[datetime.fromtimestamp(int(quarter) * QUARTER_HOUR, zone).date()] += count
    return sorted(days.items())
