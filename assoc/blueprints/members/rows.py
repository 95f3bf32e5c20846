"""The rows of a member list as HTML, built in one pass (issue 30).

A list page shows 50 rows of 6 cells; written as a Jinja loop each cell is an expression, an
escape, a filter or an attribute lookup through the template's machinery — ~130 Python calls
per row, a third of the whole page's work. Here a row is one f-string with its few values
escaped. The markup is the template's, cell for cell (members/list.html keeps the table head
and the empty-list row)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ...filters import fmt_date, url_by_id
from .forms import STATUS_LABELS


def member_rows(members, paid: set[int], linked: set[int] | None = None) -> Markup:
    """`<tr>` of each member (services.members.MemberRow); `paid`: ids with this year's dues;
    `linked`: when given, only these members' names link to their pages (a closed unit's list
    of its members as they were: some have gone where the viewer may not follow)."""
    show_url = url_by_id("members.show", "member_id")
    collective = f' <span class="badge text-bg-info">{escape(_("Collective"))}</span>'
    honorary = f' <span class="badge text-bg-warning">{escape(_("Honorary"))}</span>'
    paid_cell = f'<span class="badge text-bg-success">{escape(_("Dues paid"))}</span>'
    unpaid_cell = '<span class="text-muted small">—</span>'
    out = []
    for m in members:
        active = m.status == "active"
        badges = ((collective if m.kind == "collective" else "")
                  + (honorary if m.honorary else "")
                  + ("" if active else ' <span class="badge text-bg-secondary">'
                     f'{escape(str(STATUS_LABELS.get(m.status, m.status)))}</span>'))
        birth = fmt_date(m.birth_date) if m.birth_date else (m.birth_year or "")
        out.append(
            ("<tr>" if active else '<tr class="text-muted">') +
            f'<td class="text-nowrap small">{m.display_number}</td>' +
            (f'<td><a href="{show_url(m.id)}">{escape(m.full_name)}</a>{badges}</td>'
             if linked is None or m.id in linked else f"<td>{escape(m.full_name)}{badges}</td>") +
            f"<td>{birth}</td>"
            f'<td class="text-nowrap">{escape(m.phone or "")}</td>'
            f'<td class="small">{escape(m.unit.name) if m.unit else ""}</td>'
            f"<td>{paid_cell if m.id in paid else unpaid_cell}</td></tr>\n")
    return Markup("".join(out))
