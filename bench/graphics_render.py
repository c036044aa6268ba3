"""How long a Know Your Rights card takes to draw the first time (SPEC budget: under 300 ms).

Each round draws a card whose content is new (so nothing is cached), in each format and both
languages, in a process whose fonts are already loaded, as in a running worker. Run with
`make bench` or `.venv/bin/python bench/graphics_render.py`.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_babel import force_locale  # noqa: E402
from flask_babel import gettext as _  # noqa: E402

from widget import create_app  # noqa: E402
from widget.graphics.cards import DEFAULT_RIGHTS  # noqa: E402
from widget.graphics.cards import CardContent  # noqa: E402
from widget.graphics.cards import Right  # noqa: E402
from widget.graphics.render import FORMATS  # noqa: E402
from widget.graphics.render import render_card  # noqa: E402

BUDGET_MS = 300
ROUNDS = 5


def card(language, round_number):
    """A card like the demo campaign's, different each round so nothing can be reused."""
    with force_locale(language):
        return CardContent(
            language=language,
            title=str(_("Know your rights")),
            rights=tuple(Right(str(heading), str(text)) for heading, text in DEFAULT_RIGHTS),
            hotline=f"{_('Help line')} {round_number}: (202)\u00a0555-0100",
            disclaimer=str(_("This is general information, not legal advice.")),
            link="act.example.org/c/demo-petition",
            qr_url=f"https://act.example.org/c/demo-petition?lang={language}&r={round_number}",
            accent="#0b6e4f",
        )


def main():
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    worst = 0
    with app.test_request_context("/"):
        render_card(card("en", -1), "og")  # fonts and QR code module loaded, as in a running worker
        for card_format in FORMATS:
            timings = []
            for language in ("es", "en"):
                for round_number in range(ROUNDS):
                    begin = time.perf_counter()
                    size = len(render_card(card(language, round_number), card_format))
                    timings.append((time.perf_counter() - begin) * 1000)
            worst = max(worst, max(timings))
            print(f"graphic first render, {card_format}: median {statistics.median(timings):.0f} ms, "
                  f"worst {max(timings):.0f} ms, {size // 1024} KB (budget {BUDGET_MS} ms)")
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
