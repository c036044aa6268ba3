"""The call widget: find whom to call, show each number with a script, note how each call went.

`views` holds the flow; `congress` the ZIP code lookup and `congress_build` the data behind it;
`script` fills call scripts; `visit` carries a supporter's place from call to call.
"""

from flask import Blueprint

blueprint = Blueprint("call", __name__, template_folder="templates")
