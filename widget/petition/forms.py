"""The petition form, built from the campaign's choice of fields."""

from flask_babel import lazy_gettext as _l
from wtforms.form import BaseForm

from widget.forms import SUPPORTER_FIELDS
from widget.forms import checkbox
from widget.forms import supporter_field


def petition_form(campaign, text, opt_in_label, formdata=None):
    """A form with the fields this campaign shows, in the standard order, plus its checkboxes."""
    settings = campaign.settings["fields"]
    fields = [
        (name, supporter_field(name, required=name in settings["required"]))
        for name in SUPPORTER_FIELDS
        if name in settings["shown"]
    ]
    if campaign.settings["ask_consent"]:
        fields.append(("consent", checkbox(text["consent_text"], _l("Please tick this box to sign."))))
    fields.append(("opt_in", checkbox(opt_in_label)))
    form = BaseForm(fields)
    form.process(formdata)
    return form
