"""The organizers' dashboard: sign in, see counts as charts, export. Never framed, never cached.

Unlike the widget, this is a first-party page: it has a session cookie (path /dashboard,
SameSite=Strict, HttpOnly) and Flask-WTF's CSRF tokens on every form that changes something.
"""

import hashlib
import hmac
import time
from functools import wraps

from babel.dates import format_date
from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlalchemy import select
from wtforms import DateField
from wtforms import Form
from wtforms import PasswordField
from wtforms import StringField
from wtforms import ValidationError
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from widget.campaigns import PUBLIC_STATUSES
from widget.campaigns import SLUG
from widget.embedding.partners import all_partners
from widget.embedding.partners import find_partner
from widget.extensions import db
from widget.i18n import current_language
from widget.i18n import format_locale
from widget.organizers import accounts
from widget.organizers import delivery
from widget.organizers.charts import bar_chart
from widget.organizers.charts import day_chart
from widget.organizers.days import today
from widget.organizers.days import zone_label
from widget.organizers.exports import EXPORTS
from widget.organizers.exports import MEDIA_TYPES
from widget.organizers.reports import action_total
from widget.organizers.reports import campaign_counts
from widget.organizers.scope import Scope
from widget.storage.models import Campaign
from widget.storage.models import Organizer

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")


class SignInForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(message=_l("Please enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Please enter your password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class SignOutForm(FlaskForm):
    """Nothing but the CSRF token: signing out is a change, so it is a checked POST."""


class DayField(DateField):
    """A day as YYYY-MM-DD (what date inputs send), with our own message when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Please enter a day like 2026-11-21."))) from error


class ExportForm(Form):
    """What to export. A GET form (it changes nothing), so it carries no CSRF token."""

    file_format = StringField(
        _l("Format"), default="csv",
        validators=[AnyOf(sorted(EXPORTS), message=_l("Please choose one of the formats."))],
    )
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("To"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("Please choose a day on or after the first one."))


def session_check(organizer):
    """Ties a session to the account's password and session key: a new password, or signing out
    (which changes the key), ends every session the account has, wherever its cookie was copied."""
    material = f"megafono.session:{organizer.password_hash}:{organizer.session_key}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def current_organizer():
    if "organizer" not in g:
        organizer = None
        if isinstance(session.get("organizer_id"), int) and session_is_recent():
            organizer = db.session.get(Organizer, session["organizer_id"])
        if organizer is not None and not hmac.compare_digest(str(session.get("check", "")), session_check(organizer)):
            organizer = None
        g.organizer = organizer
    return g.organizer


def session_is_recent():
    """A session lasts PERMANENT_SESSION_LIFETIME from signing in, however busy it is."""
    started = session.get("since")
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    return isinstance(started, int | float) and 0 <= time.time() - started <= lifetime


def here(endpoint, **values):
    """A dashboard address in the current language."""
    return url_for(endpoint, lang=current_language(), **values)


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_organizer() is None:
            # A campaign's page, or one of its downloads, leads to that page after signing in.
            return redirect(here("dashboard.sign_in", campaign=kwargs.get("slug")))
        return view(*args, **kwargs)
    return wrapper


def page_after_sign_in(slug):
    """The page of the campaign an organizer asked for before signing in (not a download: one
    started from the sign-in page would look as if signing in had failed), else the campaigns.
    Only a slug is carried, so no other site or page can be slipped in through the sign-in link."""
    if isinstance(slug, str) and SLUG.fullmatch(slug):
        return here("dashboard.campaign", slug=slug)
    return here("dashboard.campaigns")


#: Addresses that download a file rather than show a page.
DOWNLOADS = {"dashboard.export", "dashboard.delivery_list"}


@blueprint.app_template_global()
def language_address(code):
    """This dashboard page in another language. A download's address would download again, so it
    leads to its campaign's page; the sign-in page keeps where signing in leads; an address that
    is no page of the dashboard's, or one only posted to (an error's), leads to the campaigns.
    Global to every template: the error pages are rendered outside the blueprint."""
    endpoint, values = request.endpoint, dict(request.view_args or {})
    rule = request.url_rule
    if endpoint is None or not endpoint.startswith("dashboard.") or rule is None or "GET" not in rule.methods:
        return url_for("dashboard.campaigns", lang=code)
    if endpoint in DOWNLOADS:
        endpoint, values = "dashboard.campaign", {"slug": values["slug"]}
    if endpoint == "dashboard.sign_in":
        values["campaign"] = request.args.get("campaign")
    return url_for(endpoint, **values, lang=code)


FORMAT_NAMES = {"csv": _l("Spreadsheet (CSV)"), "json": _l("OSDI data (JSON)")}
STATUS_NAMES = {"live": _l("Open"), "closed": _l("Closed"), "draft": _l("Draft")}


@blueprint.context_processor
def dashboard_helpers():
    signed_in_now = current_organizer() is not None
    return {
        "here": here,
        "zone_label": zone_label,
        "signed_in": signed_in_now,
        # Only its token is shown: it reads nothing posted, which on an error page (a body too
        # large, say) would raise the error again.
        "sign_out_form": SignOutForm(formdata=None) if signed_in_now else None,
        "status_names": STATUS_NAMES,
        "format_names": FORMAT_NAMES,
        "public_statuses": PUBLIC_STATUSES,
    }


@blueprint.app_template_filter("day")
def day_filter(day):
    return format_date(day, format="medium", locale=format_locale())


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        organizer = accounts.authenticate(form.username.data, form.password.data)
        if organizer is not None:
            session.clear()
            session.permanent = True
            session["organizer_id"], session["check"] = organizer.id, session_check(organizer)
            session["since"] = int(time.time())
            return redirect(page_after_sign_in(request.args.get("campaign")))
        failed = True
    status = 401 if failed else (400 if form.errors else 200)
    # The form's token is checked against the session cookie: without the cookie (blocked, or
    # refused over plain http when the site is https), it is no old page, and waiting won't help.
    cookie_missing = request.method == "POST" and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
    return render_template("organizers/sign_in.html", form=form, failed=failed, cookie_missing=cookie_missing), status


@blueprint.post("/sign-out")
def sign_out():
    organizer = current_organizer()
    if SignOutForm().validate_on_submit():
        if organizer is not None:
            accounts.end_sessions(organizer)
        session.clear()
    return redirect(here("dashboard.sign_in"))


@blueprint.get("/")
@signed_in
def campaigns():
    organizer = current_organizer()
    rows = [
        (campaign, action_total(Scope(campaign, organizer.partner_code)))
        for campaign in db.session.scalars(visible_campaigns().order_by(Campaign.status != "live", Campaign.slug))
    ]
    return render_template("organizers/campaigns.html", rows=rows, partner=find_partner(organizer.partner_code))


def visible_campaigns():
    """Every campaign for the organizers; a partner's account sees only those that went public."""
    query = select(Campaign)
    if current_organizer().partner_code is not None:
        query = query.where(Campaign.status.in_(PUBLIC_STATUSES))
    return query


def visible_campaign(slug):
    campaign = db.session.scalar(visible_campaigns().where(Campaign.slug == slug))
    if campaign is None:
        abort(404)
    return campaign


def campaign_page(campaign, form, status=200):
    organizer = current_organizer()
    counts = campaign_counts(Scope(campaign, organizer.partner_code))
    partners = {partner.code: partner for partner in all_partners()}
    charts = {
        "days": day_chart(counts.by_day, until=today() if campaign.is_live else None),
        "partners": bar_chart([(partners[code].name if code in partners else code, n)
                               for code, n in counts.by_source.items()]),
        "languages": bar_chart(list(counts.by_language.items())),
    }
    partner = partners.get(organizer.partner_code)
    return render_template(
        "organizers/campaign.html", campaign=campaign, counts=counts, charts=charts, form=form,
        partner=partner, may_deliver=organizer.partner_code is None,
        # A partner sees everyone who came through its code, but may export only those whose box
        # named it: say how many before they download a file with fewer rows, or none.
        exportable=exportable_count(Scope(campaign, partner.code)) if partner and campaign.kind == "petition" else None,
    ), status


def exportable_count(scope):
    return db.session.scalar(select(func.count()).select_from(scope.contact_rows().subquery()))


@blueprint.get("/campaigns/<slug>")
@signed_in
def campaign(slug):
    return campaign_page(visible_campaign(slug), ExportForm())


@blueprint.get("/campaigns/<slug>/export")
@signed_in
def export(slug):
    campaign = visible_campaign(slug)
    form = ExportForm(request.args)
    if not form.validate():
        return campaign_page(campaign, form, status=400)
    scope = Scope(campaign, current_organizer().partner_code, form.since.data, form.until.data)
    file_format = form.file_format.data
    name = "-".join(filter(None, [campaign.slug, scope.partner, str(scope.since or ""), str(scope.until or "")]))
    return download(EXPORTS[file_format](scope), MEDIA_TYPES[file_format], f"{name}.{file_format}")


@blueprint.get("/campaigns/<slug>/delivery.<file_format>")
@signed_in
def delivery_list(slug, file_format):
    campaign = visible_campaign(slug)
    if file_format not in ("csv", "html"):
        abort(404)
    if current_organizer().partner_code is not None:
        abort(403)  # what the target receives is the organizers' to hand over
    try:
        language = delivery.delivery_language(campaign, request.args.get("language"))
        if file_format == "html":
            return delivery.render_delivery_page(campaign, language)
        return download(delivery.delivery_csv(campaign, language), MEDIA_TYPES["csv"],
                        f"{campaign.slug}-delivery-{language}.csv")
    except delivery.DeliveryError:
        abort(404)


def download(chunks, media_type, filename):
    """Stream a file made of lazily generated pieces.

    The request's database session is closed once the view returns, before the body is sent, so
    the pieces are made (and their queries run) inside an application context of their own.
    """
    app = current_app._get_current_object()

    def in_app_context():
        with app.app_context():
            yield from chunks

    response = Response(in_app_context(), content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
