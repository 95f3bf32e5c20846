"""Keyset pages ("previous / next") for lists ordered newest first by (a date or time, id): the
voucher and event lists. Page 2,000 costs what page 1 costs, and no page counts the list.

    page = keyset_page(query, Voucher.voucher_date, Voucher.id, after=..., before=...)

The member list has its own (several sort orders, roll-up totals: services.members)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import DateTime, literal, tuple_

from .extensions import db
from .statements import rows as rows_of


@dataclass
class KeysetPage:
    items: list[Any] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None  # not counted: the pager shows no total


def _encode(moment, ident: int) -> str:
    raw = json.dumps([moment.isoformat(), ident], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None, when_col) -> tuple[Any, int] | None:
    if not cursor or len(cursor) > 200:
        return None
    try:
        moment, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(ident, int) or not isinstance(moment, str):
            return None
        if isinstance(when_col.type, DateTime):
            return datetime.fromisoformat(moment), ident
        return date.fromisoformat(moment), ident
    except (ValueError, TypeError):
        return None


def keyset_page(query, when_col, id_col, *, after: str | None = None,
                before: str | None = None, per_page: int = 50, row=None) -> KeysetPage:
    """One page of `query` (a select of one entity) in (when_col, id_col) descending order:
    the rows after the cursor `after`, or the page before the cursor `before`. With `row` (a
    type with attributes named as the two columns' keys), `query` selects plain columns and
    each is read as `row(*columns)`, without the ORM."""
    cursor = _decode(after, when_col)
    backwards = False
    if cursor is None and (cursor := _decode(before, when_col)) is not None:
        backwards = True
    q = query
    if cursor is not None:
        keys = tuple_(when_col, id_col)
        at = tuple_(literal(cursor[0], when_col.type), literal(cursor[1], id_col.type))
        q = q.where(keys > at if backwards else keys < at)
    order = (when_col.asc(), id_col.asc()) if backwards else (when_col.desc(), id_col.desc())
    q = q.order_by(None).order_by(*order).limit(per_page + 1)
    rows = ([row(*r) for r in rows_of(q)] if row is not None
            else list(db.session.scalars(q)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards and not more:  # back at the start: a full first page
        return keyset_page(query, when_col, id_col, per_page=per_page, row=row)
    if backwards:
        rows.reverse()
    page = KeysetPage(rows)
    if rows:
        def key(row):
            return _encode(getattr(row, when_col.key), getattr(row, id_col.key))

        if more or backwards:
            page.next_cursor = key(rows[-1])
        if cursor is not None and (more or not backwards):
            page.prev_cursor = key(rows[0])
    return page
