"""Builders for the learning-models area (kept beside tests/builders.py, which they use).

    cs = build_criteria("family", items=[("Trẻ em đi học", 60), ("Người lớn học tập", 40)])
    e = build_entry(tree.branch_a, "Nguyễn Văn Lộc", year=2026, points=[50, 30])
"""

from __future__ import annotations

from datetime import date

from assoc.extensions import db
from assoc.services import learning

ITEMS = [("Học tập của trẻ em", "Trẻ em đi học đủ", 30),
         ("Học tập của trẻ em", "Kết quả học tập khá", 20),
         ("Học tập của người lớn", "Người lớn học tập thường xuyên", 30),
         ("Điều kiện học tập", "Có góc học tập", 20)]


def items_text(items=ITEMS) -> str:
    lines, group = [], None
    for g, text, points in items:
        if g != group:
            lines.append(f"# {g}")
            group = g
        lines.append(f"{text} | {points}")
    return "\n".join(lines)


def build_criteria(model: str = "family", *, from_year: int = 2015, threshold: int = 70,
                   items=ITEMS, bands: str = "", actor=None):
    cs = learning.create_set(actor, model, name=f"Bộ tiêu chí {model} {from_year}",
                             from_year=from_year, threshold=threshold, items=items_text(items),
                             grade_bands=bands, sample=True)
    db.session.commit()
    return cs


def build_entry(unit, name: str = "Nguyễn Văn Lộc", *, model: str = "family", year: int = 2026,
                address: str = "", points=None, actor=None, commit: bool = True, **kw):
    entry = learning.register(actor, unit, model=model, year=year, name=name,
                              address=address or f"{name} street", people=kw.pop("people", 4),
                              registered_on=kw.pop("registered_on", date(year, 1, 15)), **kw)
    if points is not None:
        cs = learning.set_in_force(model, year)
        learning.score(actor, entry, year=year,
                       points={i.id: p for i, p in zip(cs.items, points, strict=True)})
    if commit:
        db.session.commit()
    return entry
