"""Counts for organizers: in all, per partner, per language and per day. Counts name nobody."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import select

from widget.extensions import db
from widget.organizers.days import days_of
from widget.organizers.days import quarter_hour_of
from widget.organizers.scope import Scope


@dataclass(frozen=True)
class Counts:
    total: int
    by_source: dict[str | None, int]
    by_language: dict[str, int]
    by_day: list[tuple[date, int]]


def campaign_counts(scope: Scope):
    """How many actions the scope covers, broken down three ways (most first; days in order)."""
    rows = scope.rows().order_by(None).subquery()
    return Counts(
        total=action_total(scope),
        by_source=dict(grouped(rows.c.source)),
        by_language=dict(grouped(rows.c.language)),
        by_day=days_of(grouped(quarter_hour_of(rows.c.created_at))),
    )


def action_total(scope: Scope):
    """How many actions the scope covers, in one query."""
    return db.session.scalar(select(func.count()).select_from(scope.rows().order_by(None).subquery()))


def counts_by_source(scope: Scope):
    """Actions per source code (None: people who came with no code), most first."""
    return dict(grouped(scope.rows().order_by(None).subquery().c.source))


def grouped(column):
    query = select(column, func.count()).group_by(column).order_by(func.count().desc(), column)
    return db.session.execute(query).all()
