"""Write or extend a translations/vi/<area>.po fragment from a Python dict file.

    python scripts/po_fragment.py AREA DICT_FILE    # DICT_FILE defines T = {msgid: msgstr}
Existing entries of the fragment are kept; new ones are added."""

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

area, dict_file = sys.argv[1], sys.argv[2]
path = Path(__file__).resolve().parent.parent / "translations" / "vi" / f"{area}.po"
catalog = Catalog(locale="vi")
if path.exists():
    with path.open("rb") as f:
        catalog = read_po(f, locale="vi")
for msgid, msgstr in runpy.run_path(dict_file)["T"].items():
    catalog.add(msgid, msgstr)
path.parent.mkdir(parents=True, exist_ok=True)
with path.open("wb") as f:
    write_po(f, catalog, sort_output=True, omit_header=True, width=100)
print(f"{path}: {len(catalog)} entries")
