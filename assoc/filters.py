"""Jinja filters and globals: money, dates in Vietnam's time zone, permission checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, request, url_for
from flask_babel import Domain, get_locale
from flask_login import current_user
from markupsafe import Markup

from . import permissions
from .forms import filter_error
from .money import format_money, format_number

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local_dt(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite drops the zone; we always store UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VN)


def fmt_date(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy; also for a date kept as ISO text in a JSON column."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = local_dt(value)
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: datetime | None) -> str:
    value = local_dt(value)
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (pagination, sorting, filters)."""
    from .views import query_args

    # Path parameters come from the route, never from the query string (a "?unit_id=" or
    # "?endpoint=" in the URL used to give url_for the same keyword twice: a 500).
    view_args = dict(request.view_args or {})
    for key in list(changes):
        if key in view_args:
            view_args[key] = changes.pop(key)
    return url_for(request.endpoint, **view_args, **query_args(**changes))


_ID_MARK = 918273645  # an id no route has; its digits mark where the id goes


def url_by_id(endpoint: str, arg: str, **values):
    """`url_for(endpoint, arg=id)` for many ids with one url_for: list pages link every row."""
    head, tail = url_for(endpoint, **{arg: _ID_MARK}, **values).split(str(_ID_MARK), 1)
    return lambda ident: f"{head}{ident}{tail}"


def number_cells(values: dict, keys) -> Markup:
    """One right-aligned `<td>` per key with the value as a formatted number, built in one
    pass: a report table of 168 sub-units has 1,500 such cells, each a filter call and an
    escape in Jinja. Numbers hold only digits, dots and a minus sign: nothing to escape."""
    return Markup("".join(f'<td class="text-end text-nowrap">{format_number(values[key])}</td>'
                          for key in keys))


class RequestDomain(Domain):
    """Flask-Babel's message domain, with this request's catalogue found once per language: a
    page translates dozens of strings (templates, labels), and Flask-Babel's own lookup
    (context, locale, cache key) on each cost more than the page's database work. A
    `force_locale` block sets a new locale object, so it misses this cache."""

    def get_translations(self):
        ctx = g.get("_flask_babel") if g else None
        locale = getattr(ctx, "babel_locale", None)
        cached = getattr(ctx, "assoc_translations", None)
        if locale is not None and cached is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()
        if ctx is not None and (locale := getattr(ctx, "babel_locale", None)) is not None:
            ctx.assoc_translations = (locale, translations)
        return translations


def fragment_key(*parts) -> str:
    """Key of a cached template fragment (menu, unit tabs): the language, the site's root, the
    roles the user holds and where, plus whatever the fragment names (unit, active tab)."""
    return "|".join([str(get_locale()), request.script_root,
                     permissions.role_key(current_user), *map(str, parts)])


def init(app: Flask) -> None:
    # The Babel object's domain is the one flask_babel.gettext, lazy strings and form labels use
    # (the configuration object beside it in app.extensions is not consulted for it).
    domain = app.extensions["babel"].instance.domain_instance = RequestDomain()
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals["fragment_key"] = fragment_key
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["relabel"] = _relabel
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["filter_error"] = filter_error
    app.jinja_env.globals["url_by_id"] = url_by_id
    app.jinja_env.globals["number_cells"] = number_cells
    from .views import query_args

    app.jinja_env.globals["query_args"] = query_args
    from .services.audit import label as audit_label
    from .services.audit import value_text as audit_value

    app.jinja_env.filters["audit_label"] = audit_label
    app.jinja_env.globals["audit_value"] = audit_value
    app.jinja_env.globals["get_locale"] = get_locale

    # Globals rather than a context processor, so that imported macros can use them too.
    app.jinja_env.globals.update(
        can=lambda action, unit=None: permissions.can(current_user, action, unit),
        can_somewhere=lambda action: permissions.can_somewhere(current_user, action),
        can_restructure=lambda unit: permissions.can_restructure(current_user, unit),
        can_collect_dues=lambda member: permissions.can_collect_dues(current_user, member),
        languages=app.config["LANGUAGES"],
        describe_audit=_describe_audit,
        fig=figure_link,
    )
    from .figures import REPORT_COLUMNS

    app.jinja_env.globals["REPORT_COLUMNS"] = REPORT_COLUMNS


def figure_link(key: str, text=None) -> Markup:
    """A figure's label (or `text`) linking to its definition in the glossary (/figures)."""
    from .figures import FIGURES

    figure = FIGURES[key]
    return Markup('<a class="fig-label tap link-body-emphasis" href="{}#{}" title="{}">{}</a>').format(
        url_for("reports.glossary"), figure.anchor, str(figure.includes),
        str(figure.label) if text is None else text)


def _relabel(text):
    from .relabel import relabel

    return relabel(text)


def _describe_audit(entry):
    from .audit_text import describe

    return describe(entry, current_user if current_user.is_authenticated else None)
