"""Public, read-only endpoints: a campaign's numbers as JSON, and the health check."""

from flask import Blueprint
from flask import jsonify
from flask import request
from sqlalchemy import text

from widget.campaigns import current_goal
from widget.campaigns import find_public_campaign
from widget.embedding.attribution import source_code
from widget.embedding.framing import may_embed
from widget.embedding.partners import find_partner
from widget.embedding.snippets import INITIAL_HEIGHT
from widget.extensions import db
from widget.i18n import current_language

blueprint = Blueprint("api", __name__)


@blueprint.get("/api/v1/campaigns/<slug>")
def campaign_summary(slug):
    """A campaign's public numbers, for partners' own pages. Never anything about a supporter.

    The loader asks here before it frames a campaign: `may_embed` says whether the asking page's
    origin may show it, and `frame_title` names the iframe in the page's language.
    """
    campaign = find_public_campaign(slug)
    origin = request.headers.get("Origin")
    response = jsonify(
        slug=campaign.slug,
        kind=campaign.kind,
        status=campaign.status,
        count=campaign.action_count,
        goal=current_goal(campaign.action_count, campaign.settings["goal"]),
        languages=campaign.languages,
        title={language: campaign.text(language)["title"] for language in campaign.languages},
        frame_title=campaign.text(current_language())["title"],
        height=INITIAL_HEIGHT[campaign.kind],
        may_embed=origin is None or may_embed(campaign, find_partner(source_code()), origin),
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=30"
    response.vary.update(["Origin", "Accept-Language"])
    return response


@blueprint.get("/healthz")
def health():
    """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
    db.session.execute(text("SELECT 1"))
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
