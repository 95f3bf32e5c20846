"""The inbox rows, built in Python (issue 32, speed): a district chair's list has ~70 items,
and the Jinja macro spent more than the kinds' queries on them — a `url_for` per item, three
translated strings and two date filters per item, an escape per field. Here every link is
made from one URL pattern per (endpoint, argument names) (`url_for` once, the values put in
its place, as assoc/filters.url_by_id does), the kinds' labels and the date phrases are
translated once per request, and each row is one f-string with its fields escaped.

The HTML is the macro's (tests and the e2e journey read its `data-testid`s)."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

from flask import request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ...filters import fmt_date
from ...money import format_number

# A value url_for accepts for any converter (int, string, path) and that cannot be found
# elsewhere in the URL; the real values replace it.
_MARK = 9_876_543_210
_PATH_SAFE = "!$&'()*+,/:;=@"  # werkzeug's BaseConverter.to_url
_QUERY_SAFE = "!$'()*,/:;?@"  # werkzeug.urls._urlencode


def _pattern(endpoint: str, names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The URL of `endpoint` cut at each argument's place: (pieces, names in URL order)."""
    marks = {name: _MARK + i for i, name in enumerate(names)}
    url = url_for(endpoint, **marks)
    pieces, order = [], []
    while True:
        found = [(url.find(str(m)), n) for n, m in marks.items() if str(m) in url]
        if not found:
            break
        at, name = min(found)
        pieces.append(url[:at])
        order.append(name)
        url = url[at + len(str(marks[name])):]
    pieces.append(url)
    return pieces, order


def item_url(endpoint: str, values: dict) -> str:
    """`url_for(endpoint, **values)`, with one url_for per endpoint and argument names in a
    request (kept on the request, not on `g`: an app context may outlive a request in tests,
    and a URL depends on the request's script root)."""
    cache = request.environ.setdefault("assoc.inbox_urls", {})
    key = (endpoint, tuple(values))
    found = cache.get(key)
    if found is None:
        found = cache[key] = _pattern(endpoint, key[1])
    pieces, order = found
    out = [pieces[0]]
    query = "?" in pieces[0]
    for name, piece in zip(order, pieces[1:], strict=True):
        # quoted as werkzeug quotes a path argument or a query string value
        value = str(values[name])
        out.append(quote_plus(value, safe=_QUERY_SAFE) if query
                   else quote(value, safe=_PATH_SAFE))
        out.append(piece)
        query = query or "?" in piece
    return "".join(out)


class Phrases:
    """The translated strings of the list, looked up once per rendering."""

    def __init__(self):
        from .items import KINDS

        self.labels = {kind: str(escape(str(label))) for kind, (_g, label) in KINDS.items()}
        self.late_due = _("Late — due %(day)s")
        self.due = _("Due %(day)s")
        self.late = str(escape(_("Late")))
        self.since = _("Since %(day)s")


def _row(item, p: Phrases) -> str:
    unit = f" · {escape(item.unit_name)}" if item.unit_name else ""
    count = (f'<span class="badge text-bg-secondary ms-1">{format_number(item.count)}</span>'
             if item.count else "")
    note = f'<div class="small">{escape(item.note)}</div>' if item.note else ""
    when = ""
    if item.due:
        day = fmt_date(item.due)
        if item.late:
            when = (f'<div class="text-danger fw-semibold" data-testid="inbox-due">'
                    f'{escape(p.late_due % {"day": day})}</div>')
        else:
            when = f'<div class="" data-testid="inbox-due">{escape(p.due % {"day": day})}</div>'
    elif item.late:
        when = f'<div class="text-danger fw-semibold">{p.late}</div>'
    if item.since and item.since != item.due:
        when += f'<div class="text-muted">{escape(p.since % {"day": fmt_date(item.since)})}</div>'
    late = " border-danger" if item.late else ""
    return (f'<li class="list-group-item d-flex flex-wrap gap-2 align-items-center{late}" '
            f'data-testid="inbox-item" data-kind="{item.kind}"><div class="flex-grow-1">'
            f'<div class="small text-muted">{p.labels[item.kind]}{unit}</div>'
            f'<a class="tap fw-semibold" href="{escape(item.url)}" data-testid="inbox-link">'
            f'{escape(item.title)}</a>{count}{note}</div>'
            f'<div class="small text-end">{when}</div></li>')


def inbox_rows(items, limit: int | None = None) -> Markup:
    """The `<li>` rows of one group's items (the first `limit` of them)."""
    p = request.environ.get("assoc.inbox_phrases")  # the request's language
    if p is None:
        p = request.environ["assoc.inbox_phrases"] = Phrases()
    shown = items[:limit] if limit else items
    return Markup("".join(_row(item, p) for item in shown))
