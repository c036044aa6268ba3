"""Exports of what supporters gave: CSV that spreadsheets open safely, and OSDI-shaped JSON.

CSV is UTF-8 with a byte-order mark, so Excel reads accents correctly (LibreOffice and scripts
skip the mark), with CRLF line ends as RFC 4180 asks. A cell that a spreadsheet would run as a
formula (starting with = + - @, a tab or a carriage return) is written with a leading apostrophe,
so a supporter who types `=HYPERLINK(...)` as their city cannot make an organizer's spreadsheet
fetch or run anything, and every cell is quoted, so a ";" inside one (Excel's separator in many
Spanish-speaking countries) cannot start another.
"""

import csv
import io
import json

from widget.extensions import db
from widget.organizers.days import service_zone
from widget.storage.models import Signature

BOM = "\ufeff"
CHUNK_ROWS = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

SIGNATURE_COLUMNS = (
    "created_date", "given_name", "family_name", "email", "city", "postal_code", "country",
    "language", "source", "opted_in", "consented",
)
CALL_COLUMNS = ("created_date", "target", "outcome", "language", "source")


def safe_cell(value):
    """A value as a spreadsheet cell that can only ever be text or a number we wrote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def created_date(row):
    """When the row was made, in the service's time zone with its offset (Z for UTC): the day a
    spreadsheet shows is the day the dashboard and the export's dates count it on."""
    return row.created_at.astimezone(service_zone()).isoformat(timespec="seconds").replace("+00:00", "Z")


def cell(row, column):
    return created_date(row) if column == "created_date" else getattr(row, column)


def columns_for(scope):
    return SIGNATURE_COLUMNS if scope.model is Signature else CALL_COLUMNS


def csv_chunks(columns, rows):
    """CSV text in pieces of a few hundred rows, for a file or a streamed download."""
    buffer = io.StringIO()
    buffer.write(BOM)
    # Every cell quoted: in countries where Excel separates columns with ";" (Spain, much of
    # Latin America), an unquoted "Ana;=cmd|..." would split into a second cell that is a formula.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    for number, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(value) for value in row])
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def scope_rows(scope):
    return db.session.scalars(scope.contact_rows().execution_options(yield_per=CHUNK_ROWS))


def export_csv(scope):
    """The scope's rows as CSV, in pieces."""
    columns = columns_for(scope)
    yield from csv_chunks(columns, ([cell(row, column) for column in columns] for row in scope_rows(scope)))


def osdi_signature(row):
    """A signature as OSDI's signature resource, with the signer as an embedded person."""
    person = {
        "given_name": row.given_name,
        "family_name": row.family_name,
        "email_addresses": [{"address": row.email, "primary": True}] if row.email else [],
        "postal_addresses": [],
        "languages_spoken": [row.language],
    }
    address = {"locality": row.city, "postal_code": row.postal_code, "country": row.country}
    if any(address.values()):
        person["postal_addresses"] = [{key: value for key, value in address.items() if value}]
    return {
        "created_date": created_date(row),
        "referrer_data": {"source": row.source} if row.source else {},
        "person": {key: value for key, value in person.items() if value not in (None, [])},
        "megafono:opted_in": row.opted_in,
    }


def osdi_outreach(row):
    """A call as OSDI's outreach resource: a supporter contacting a target by phone."""
    return {
        "created_date": created_date(row),
        "type": "phone",
        "targets": [{"identifiers": [target_identifier(row.target)]}],
        "referrer_data": {"source": row.source} if row.source else {},
        "megafono:outcome": row.outcome,
        "megafono:language": row.language,
    }


def target_identifier(target):
    return target if target.startswith("tel:") else f"bioguide:{target}"


def export_osdi_json(scope):
    """The scope's rows as an OSDI collection (signatures, or outreaches for calls), in pieces."""
    if scope.model is Signature:
        kind, convert = "osdi:signatures", osdi_signature
    else:
        kind, convert = "osdi:outreaches", osdi_outreach
    yield f'{{"origin_system": "Megáfono", "campaign": {json.dumps(scope.campaign.slug)}, "_embedded": {{"{kind}": ['
    count = 0
    for row in scope_rows(scope):
        yield ("," if count else "") + "\n" + json.dumps(convert(row), ensure_ascii=False)
        count += 1
    yield f'\n]}}, "total_records": {count}}}\n'


EXPORTS = {"csv": export_csv, "json": export_osdi_json}
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
