"""The petition form, built from the campaign's choice of fields."""

from flask_babel import lazy_gettext as _l
from wtforms.form import BaseForm

from widget.forms import SUPPORTER_FIELDS
from widget.forms import checkbox
from widget.forms import supporter_field


def petition_form(campaign, text, opt_in_label, formdata=None):
    """A form with the fields this campaign shows, in the standard order, plus its checkboxes."""
    return bound_form(petition_fields(campaign, text, opt_in_label), formdata)


def petition_fields(campaign, text, opt_in_label):
    """The form's unbound fields: the same for every form shown or posted at one widget address,
    so they can be made once and bound for each post (widget/petition/views.py, `Signing`)."""
    settings = campaign.settings["fields"]
    fields = [
        (name, supporter_field(name, required=name in settings["required"]))
        for name in SUPPORTER_FIELDS
        if name in settings["shown"]
    ]
    if campaign.settings["ask_consent"]:
        fields.append(("consent", checkbox(text["consent_text"], _l("Please tick this box to sign."))))
    fields.append(("opt_in", checkbox(opt_in_label)))
    return tuple(fields)


def bound_form(fields, formdata=None):
    form = BaseForm(fields)
    form.process(formdata)
    return form
