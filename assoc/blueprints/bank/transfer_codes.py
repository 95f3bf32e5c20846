"""Transfer codes a bank cannot mangle, and finding them again in a statement line.

A code is letters and digits only (banks drop or change accents and punctuation) and names
what the money is for by its printed number, never an internal id:

    dues of a member for a year     HV000123 2026   (the member number without its dash)
    a pledge                        UH00042         (the pledge's printed number)
    a donation to an event          SK0007          (the event's printed number)

The finder reads a statement line case-, space-, dot- and dash-insensitively inside whatever
the bank adds: "hv 000123-2026", "HV000123.2026" and "NOP HOI PHI NAM 2026 HV000123" all name
member 123 and the year 2026."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...text import search_key

DUES_PREFIX, PLEDGE_PREFIX, EVENT_PREFIX = "HV", "UH", "SK"


def dues_code(member_number: int, year: int) -> str:
    return f"{DUES_PREFIX}{member_number:06d} {year}"


def pledge_code(pledge_number: int) -> str:
    return f"{PLEDGE_PREFIX}{pledge_number:05d}"


def event_code(event_number: int) -> str:
    return f"{EVENT_PREFIX}{event_number:04d}"


@dataclass
class Found:
    """What a statement line names: member numbers with the years written after each (or
    anywhere in the line), pledge numbers, event numbers."""

    members: list[int] = field(default_factory=list)
    member_years: dict[int, list[int]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)   # years standing alone in the line
    pledges: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.members or self.pledges or self.events)


# In the line as upper case without diacritics, every run of separators (space, dot, dash,
# slash…) made one space: a prefix, at most one space, its digits, and for dues an optional
# year right after. Digits must end there (a longer number is something else).
_DUES = re.compile(r"HV ?(\d{6})(?: ?(20\d{2}))?(?!\d)")
_PLEDGE = re.compile(r"UH ?(\d{5})(?!\d)")
_EVENT = re.compile(r"SK ?(\d{4})(?!\d)")
_YEAR = re.compile(r"20\d{2}")


def normalise(text: str) -> str:
    """Upper case without diacritics, separators turned into single spaces."""
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", search_key(text or "").upper()).split())


def find(text: str) -> Found:
    spaced = normalise(text)
    found = Found()
    for m in _DUES.finditer(spaced):
        number = int(m[1])
        if number not in found.members:
            found.members.append(number)
        if m[2]:
            found.member_years.setdefault(number, []).append(int(m[2]))
    for m in _PLEDGE.finditer(spaced):
        if int(m[1]) not in found.pledges:
            found.pledges.append(int(m[1]))
    for m in _EVENT.finditer(spaced):
        if int(m[1]) not in found.events:
            found.events.append(int(m[1]))
    # Years standing alone ("NOP HOI PHI NAM 2026 HV000123").
    for token in spaced.split(" "):
        if _YEAR.fullmatch(token) and int(token) not in found.years:
            found.years.append(int(token))
    return found
