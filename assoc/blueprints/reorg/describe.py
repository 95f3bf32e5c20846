"""A handover record's plain data as sentences in the current language (the printed record
renders them under the Vietnamese locale)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from ...money import format_money, format_number
from ...services.officers import TITLE_LABELS
from ..units.forms import ROLE_LABELS


def _moved(item: dict) -> str:
    n, unit = item["count"], item["from"]
    return {
        "pledges": ngettext("%(num)d open pledge of %(u)s", "%(num)d open pledges of %(u)s", n,
                            u=unit),
        "events": ngettext("%(num)d planned event of %(u)s", "%(num)d planned events of %(u)s",
                           n, u=unit),
        "donors": ngettext("%(num)d donor record of %(u)s", "%(num)d donor records of %(u)s", n,
                           u=unit),
        "officers": ngettext("%(num)d officer record of %(u)s",
                             "%(num)d officer records of %(u)s", n, u=unit),
        "learning": ngettext("%(num)d open learning-model entry of %(u)s (not yet recognised)",
                             "%(num)d open learning-model entries of %(u)s (not yet recognised)",
                             n, u=unit),
        "reports": ngettext("%(num)d draft periodic report of %(u)s (refresh its figures)",
                            "%(num)d draft periodic reports of %(u)s (refresh their figures)",
                            n, u=unit),
    }[item["what"]]


def _open(item: dict) -> str:
    if item["what"] == "nominations":
        return ngettext("%(num)d draft scholarship nomination of %(u)s",
                        "%(num)d draft scholarship nominations of %(u)s", item["count"],
                        u=item["unit"])
    if item["what"] == "learning":
        return ngettext("%(num)d open learning-model entry of %(u)s stays there: %(to)s has the "
                        "same entry for the year; settle it by hand",
                        "%(num)d open learning-model entries of %(u)s stay there: %(to)s has the "
                        "same entries for the year; settle them by hand", item["count"],
                        u=item["unit"], to=item["to"])
    if item["what"] == "report":
        return _("Periodic report “%(t)s” of %(u)s is not submitted yet and stays there: where "
                 "its successor reports in that period, the successor's report covers its "
                 "figures; otherwise a chair above may submit it", t=item["title"], u=item["unit"])
    if item["what"] == "sheet":
        return _("Draft remuneration sheet %(m)s/%(y)s of %(u)s", m=item["month"],
                 y=item["year"], u=item["unit"])
    return _("%(f)s of %(u)s: cash on hand was %(b)s below zero in the books; the bank balance "
             "handed over is net of it. Check the cash book.", f=item["fund"], u=item["unit"],
             b=format_money(item["amount"]))


def _post(item: dict) -> str:
    title = item.get("title_text") or str(TITLE_LABELS.get(item["title"], item["title"]))
    return _("%(who)s, %(title)s, %(u)s", who=item["officer"], title=title, u=item["unit"])


def _role(item: dict) -> str:
    role = str(ROLE_LABELS.get(item["role"], item["role"]))
    if item["to"]:
        return _("%(who)s: %(role)s, carried over to %(u)s", who=item["user"], role=role,
                 u=item["to"])
    return _("%(who)s: %(role)s, ended", who=item["user"], role=role)


def _split(item: dict) -> str:
    return _("%(u)s is split into %(list)s", u=item["name"], list=", ".join(item["successors"]))


def _warning(item: dict) -> str:
    role = str(ROLE_LABELS.get(item["role"], item["role"]))
    return _("%(n)s holders of the role %(role)s are carried into this unit (%(who)s, from "
             "%(units)s): check whether both should keep it", n=len(item["holders"]), role=role,
             who=", ".join(item["holders"]), units=", ".join(item["units"]))


def members_line(record: dict) -> str:
    """Members who end up in the successor, own and with the sub-units it received (records
    written before issue 26 have only those moved directly)."""
    if "members_total" not in record:
        return ngettext("%(num)d member moved", "%(num)d members moved", record["members"])
    return ngettext(
        "%(num)d member now belongs here (%(own)s moved directly, %(units)s with the sub-units "
        "received)", "%(num)d members now belong here (%(own)s moved directly, %(units)s with "
        "the sub-units received)", record["members_total"],
        own=format_number(record["members"]), units=format_number(record["members_with_units"]))


def describe(record: dict) -> dict:
    """The record with its lists as sentences: moved, open, posts, roles, splits, warnings;
    funds named with the unit that hands them over."""
    return {**record,
            "members_line": members_line(record),
            "warning_lines": [_warning(i) for i in record.get("warnings", [])],
            "funds": [{**f, "from_name": f.get("from_name") or f["from"]}
                      for f in record["funds"]],
            "post_levels": [i.get("level") for i in record["posts_ended"]],
            "split_lines": [_split(i) for i in record.get("splits", [])],
            "moved": [_moved(i) for i in record["moved_items"]],
            "open": [_open(i) for i in record["open_items"]],
            "posts": [_post(i) for i in record["posts_ended"]],
            "post_ids": [i.get("post_id") for i in record["posts_ended"]],
            "role_lines": [_role(i) for i in record["roles"]]}
