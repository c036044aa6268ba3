"""The petition widget: show the form, take a signature, thank the supporter.

`views` holds the flow; `forms` the form; `signatures` the one place a signature is written;
`promise` the privacy promise beside the button.
"""

from flask import Blueprint

blueprint = Blueprint("petition", __name__, template_folder="templates")
