"""Public, read-only endpoints: a campaign's numbers as JSON, and the health check."""

from flask import Blueprint
from flask import jsonify
from sqlalchemy import text

from widget.campaigns import current_goal
from widget.campaigns import find_public_campaign
from widget.extensions import db

blueprint = Blueprint("api", __name__)


@blueprint.get("/api/v1/campaigns/<slug>")
def campaign_summary(slug):
    """A campaign's public numbers, for partners' own pages. Never anything about a supporter."""
    campaign = find_public_campaign(slug)
    response = jsonify(
        slug=campaign.slug,
        kind=campaign.kind,
        status=campaign.status,
        count=campaign.action_count,
        goal=current_goal(campaign.action_count, campaign.settings["goal"]),
        languages=campaign.languages,
        title={language: campaign.text(language)["title"] for language in campaign.languages},
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=30"
    return response


@blueprint.get("/healthz")
def health():
    """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
    db.session.execute(text("SELECT 1"))
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
