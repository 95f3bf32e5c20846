"""Two people editing one draft report: a stale save writes only the fields its sender changed
since loading the form; a field both changed is shown side by side (only those fields) and the
second person chooses; nothing is overwritten unseen."""

from html.parser import HTMLParser

import pytest

from assoc.merge import Merge, decode, encode, fingerprint, merge
from assoc.models import PeriodicReport, today
from assoc.services import periodic as svc

from .builders import build_member, build_periodic_template, build_user


class FillForm(HTMLParser):
    """The fields of a page's forms as the browser would send them (radios, unchecked boxes
    and buttons left out; a select sends its selected option, else its first)."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea = None
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        kind = a.get("type")
        if tag == "input" and a.get("name") and kind not in ("radio", "submit", "button"):
            if kind != "checkbox" or "checked" in a:
                self.fields[a["name"]] = a.get("value") or ("y" if kind == "checkbox" else "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[self._textarea] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in self.fields
                                                   or "selected" in a):
            self.fields[self._select] = a.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea" and self._textarea:
            # Jinja writes the textarea's content after a newline the browser drops.
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None


@pytest.fixture
def report(tree, db):
    template = build_periodic_template(tree.city, year=today().year)
    build_member(tree.ward_a, "Nguyễn Thị Thu")
    chair = build_user("chair", tree.ward_a)
    report = svc.start_report(chair, template, tree.ward_a)
    svc.save_draft(chair, report, revision=report.revision, figures={}, place="Phường A",
                   texts={"achievements": "Bản đầu", "limits": "Hạn chế đầu",
                          "tasks": "Phương hướng đầu"})
    db.session.commit()
    return report


def opened(client, report) -> dict[str, str]:
    page = client.get(f"/periodic/reports/{report.id}/edit")
    assert page.status_code == 200
    return FillForm(page.get_data(as_text=True)).fields


def save(client, report, fields, **changes):
    data = dict(fields, **changes)
    data.setdefault("save", "1")
    return client.post(f"/periodic/reports/{report.id}/edit", data=data)


def saved(db, report) -> PeriodicReport:
    db.session.expire_all()
    return db.session.get(PeriodicReport, report.id)


def test_merge_rules():
    base = {"a": fingerprint("x"), "b": fingerprint("y"), "c": fingerprint("z")}
    result = merge(base, {"a": "x", "b": "mine", "c": "mine", "d": "new"},
                   {"a": "theirs", "b": "y", "c": "theirs", "d": "other"})
    assert result == Merge(write={"b": "mine"}, kept=["a"], conflicts=["c", "d"])
    assert decode(encode({"a": [1, "r"]})) == {"a": fingerprint([1, "r"])}
    assert decode("not json") == {} and decode("[1]") == {}


def test_a_stale_save_writes_only_what_its_sender_changed(tree, report, client_as, db):
    thu, binh = client_as("chair", at=tree.ward_a), client_as("chair", at=tree.ward_a)
    form_thu, form_binh = opened(thu, report), opened(binh, report)
    assert save(thu, report, form_thu, **{"text-achievements": "Bản mới của chị Thu"}
                ).status_code == 302
    # Bình never touched "achievements": his stale copy of it must not replace Thu's text.
    response = save(binh, report, form_binh, **{"text-limits": "Hạn chế anh Bình viết",
                                                "place": "Phường Bến Thành"})
    assert response.status_code == 302
    now = saved(db, report)
    assert now.texts["achievements"] == "Bản mới của chị Thu"
    assert now.texts["limits"] == "Hạn chế anh Bình viết"
    assert now.place == "Phường Bến Thành"


def test_a_field_both_changed_is_shown_side_by_side_and_chosen(tree, report, client_as, db):
    thu, binh = client_as("chair", at=tree.ward_a), client_as("chair", at=tree.ward_a)
    form_thu, form_binh = opened(thu, report), opened(binh, report)
    save(thu, report, form_thu, **{"text-achievements": "Bản của chị Thu",
                                    "text-tasks": "Phương hướng chị Thu"})
    refused = save(binh, report, form_binh, **{"text-achievements": "Bản của anh Bình",
                                               "text-limits": "Hạn chế anh Bình"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    # Only the field both changed is shown side by side (every section is filled).
    assert 'data-testid="conflict-text:achievements"' in body
    assert body.count('data-testid="conflict-') == 1
    assert "Bản của anh Bình" in body and "Bản của chị Thu" in body
    assert "(Kết quả đạt được)" in body  # the message names the field
    now = saved(db, report)
    assert now.texts["achievements"] == "Bản của chị Thu"  # nothing written yet
    assert now.texts["limits"] == "Hạn chế đầu"
    # The page now holds Thu's new "tasks" (Bình never touched it) and Bình's "limits".
    fields = FillForm(body).fields
    assert fields["text-tasks"] == "Phương hướng chị Thu"
    assert fields["text-limits"] == "Hạn chế anh Bình"
    # Saving again without choosing is refused, still without writing anything.
    again = save(binh, report, fields)
    assert again.status_code == 409 and "chọn" in again.get_data(as_text=True).lower()
    assert saved(db, report).texts["limits"] == "Hạn chế đầu"
    fields = FillForm(again.get_data(as_text=True)).fields
    assert save(binh, report, fields, **{"choose-text:achievements": "theirs"}
                ).status_code == 302
    now = saved(db, report)
    assert (now.texts["achievements"], now.texts["limits"], now.texts["tasks"]) == (
        "Bản của chị Thu", "Hạn chế anh Bình", "Phương hướng chị Thu")


def test_choosing_mine_writes_mine_and_figures_and_header_fields_merge(tree, report,
                                                                       client_as, db):
    thu, binh = client_as("chair", at=tree.ward_a), client_as("chair", at=tree.ward_a)
    form_thu, form_binh = opened(thu, report), opened(binh, report)
    save(thu, report, form_thu, **{"fig-members.total": "30", "why-members.total": "Có sổ",
                                    "signer": "Nguyễn Thị Thu"})
    refused = save(binh, report, form_binh, **{"fig-members.total": "40",
                                               "why-members.total": "Theo chi hội",
                                               "number": "12/BC-KH"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert 'data-testid="conflict-fig:members.total"' in body
    assert body.count('data-testid="conflict-') == 1
    fields = FillForm(body).fields
    assert fields["signer"] == "Nguyễn Thị Thu" and fields["number"] == "12/BC-KH"
    assert save(binh, report, fields, **{"choose-fig:members.total": "mine"}).status_code == 302
    now = saved(db, report)
    figure = next(f for f in now.figures if f.key == "members.total")
    assert (figure.reported, figure.reason) == (40, "Theo chi hội")
    assert (now.signer, now.number) == ("Nguyễn Thị Thu", "12/BC-KH")
