"""The Info tab: the teaching guide's sections WHAT IS IT?, HOW IT WORKS, THINGS TO NOTICE and THINGS TO
TRY, read from docs/teaching.md when the page asks, so the page and the guide never differ."""

from __future__ import annotations

import re
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "teaching.md"
SECTIONS = ("WHAT IS IT?", "HOW IT WORKS", "THINGS TO NOTICE", "THINGS TO TRY")


def info_sections(path: Path = GUIDE) -> dict[str, str]:
    """Heading -> the Markdown under it, for each of SECTIONS found in the guide (in that order)."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)
    found = {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    return {name: found[name] for name in SECTIONS if name in found}
