"""Days as organizers count them: midnight to midnight in the service's time zone
(MEGAFONO_TIME_ZONE, UTC unless set), while the database keeps every moment in UTC."""

from collections import Counter
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Integer
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select

from widget.extensions import db

#: SQLite has no time zones: it counts moments in quarter hours, which every zone's offset from
#: UTC is made of, and each quarter hour is then put on its day here.
QUARTER_HOUR = 15 * 60


def service_zone():
    return zone_named(current_app.config["TIME_ZONE"])


@cache
def zone_named(name):
    return ZoneInfo(name)


def zone_label():
    """The zone as organizers read it: "UTC", "America/Los Angeles"."""
    return current_app.config["TIME_ZONE"].replace("_", " ")


def today():
    return datetime.now(service_zone()).date()


def start_of(day):
    """The moment a day begins, in the service's time zone."""
    return datetime.combine(day, time.min, tzinfo=service_zone())


def counts_by_day(moments):
    """How many of a query's rows fall on each day, in order: (day, count) pairs. `moments` is
    the column of a subquery holding when each happened."""
    zone = current_app.config["TIME_ZONE"]
    if db.engine.dialect.name == "postgresql":
        return sorted(grouped(func.date(func.timezone(zone, moments))))
    if zone == "UTC":
        return sorted((date.fromisoformat(day), count) for day, count in grouped(func.date(moments)))
    days = Counter()
    for quarter, count in grouped(cast(func.strftime("%s", moments), Integer) // QUARTER_HOUR):
        days[datetime.fromtimestamp(int(quarter) * QUARTER_HOUR, UTC).astimezone(service_zone()).date()] += count
    return sorted(days.items())


def grouped(expression):
    return db.session.execute(select(expression, func.count()).group_by(expression)).all()
