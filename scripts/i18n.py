"""Translations without merge pain.

Source strings are English; Vietnamese (the default UI language) lives in one .po fragment per
feature area: translations/vi/<area>.po. This script
  extract   writes translations/messages.pot from the code and templates (pybabel extract)
  missing   lists every marked string that has no Vietnamese translation yet (exit 1 if any)
  compile   merges the fragments into translations/vi/LC_MESSAGES/messages.mo
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LANG = "vi"


def extract() -> Catalog:
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F",
         str(ROOT / "babel.cfg"), "-k", "_l", "--no-location", "--sort-output",
         "-o", str(POT), "."],
        check=True, cwd=ROOT,
    )
    with POT.open("rb") as f:
        return read_po(f)


def merged(lang: str = LANG) -> Catalog:
    catalog = Catalog(locale=lang, domain="messages")
    for part in sorted((TRANSLATIONS / lang).glob("*.po")):
        with part.open("rb") as f:
            for message in read_po(f, locale=lang):
                if message.id and message.string and message.id not in catalog:
                    catalog[message.id] = message
    return catalog


def _key(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def missing() -> list[str]:
    have = {_key(m) for m in merged() if m.id}
    return sorted({_key(m) for m in extract() if m.id} - have)


def compile_catalog(lang: str = LANG) -> Path:
    out = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as f:
        write_mo(f, merged(lang))
    return out


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "extract":
        print(f"{len(extract())} strings in {POT.relative_to(ROOT)}")
    elif command == "missing":
        gaps = missing()
        for msgid in gaps:
            print(repr(msgid))
        print(f"{len(gaps)} strings without a Vietnamese translation", file=sys.stderr)
        sys.exit(1 if gaps else 0)
    elif command == "compile":
        print(f"compiled {compile_catalog().relative_to(ROOT)}")
    else:
        sys.exit(__doc__)
