"""Charts for the dashboard, drawn on the server as SVG and HTML: no script, nothing inline to
loosen the CSP for, and each comes with its numbers as a table for screen readers and printing."""

from dataclasses import dataclass
from datetime import timedelta

#: The day chart's drawing area, in SVG units (it scales to the page's width).
WIDTH, HEIGHT = 600, 160


@dataclass(frozen=True)
class Bar:
    label: object
    count: int
    #: 0–1 of the largest bar.
    share: float


@dataclass(frozen=True)
class Column:
    day: object
    count: int
    x: float
    y: float
    width: float
    height: float


def bar_chart(items):
    """[(label, count)] as bars scaled to the largest (a label of None: people who came with no code)."""
    largest = max((count for _, count in items), default=0)
    return [Bar(label, count, count / largest if largest else 0) for label, count in items]


def day_chart(by_day, until=None):
    """Counts per day as columns over every day from the first to the last (or to `until`, today
    for an open campaign, so that one gone quiet does not look busy to the end), quiet days
    included."""
    if not by_day:
        return {"columns": [], "largest": 0, "width": WIDTH, "height": HEIGHT}
    counts = dict(by_day)
    first, last = by_day[0][0], max(by_day[-1][0], until or by_day[-1][0])
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    largest = max(counts.values())
    step = WIDTH / len(days)
    columns = []
    for index, day in enumerate(days):
        count = counts.get(day, 0)
        height = HEIGHT * count / largest
        columns.append(Column(day, count, index * step + step * 0.1, HEIGHT - height, step * 0.8, height))
    return {"columns": columns, "largest": largest, "width": WIDTH, "height": HEIGHT}
