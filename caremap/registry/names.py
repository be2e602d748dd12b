"""Display forms of NPPES names, credentials, phones and streets ("MARA QUILLFEATHER M.D." -> "Mara Quillfeather,
MD")."""

from __future__ import annotations

import re
from functools import lru_cache

_SPLIT = re.compile(r"[,;/]+|\s+")
_WORD = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]+")
_ORDINAL = re.compile(r"\d+(st|nd|rd|th)", re.IGNORECASE)
#: Particles kept lower case inside a name ("Ana de la Cruz"), never at its start.
_PARTICLES = frozenset({"de", "del", "della", "der", "di", "du", "la", "le", "van", "von", "da", "dos", "das"})
_ROMAN = frozenset({"ii", "iii", "iv", "vi"})
#: Credentials written with a mixed case by convention; everything else is upper case without dots.
_CREDENTIAL_CASE = {"PHD": "PhD", "AUD": "AuD", "PHARMD": "PharmD", "DSC": "DSc", "MSC": "MSc", "EDD": "EdD",
                    "PSYD": "PsyD", "DRPH": "DrPH", "MBBCH": "MBBCh", "MDPHD": "MD, PhD"}


def _word(part: str, *, first: bool) -> str:
    lower = part.lower()
    if not part.isalpha():
        return lower if _ORDINAL.fullmatch(part) else part  # "2ND" -> "2nd", "12B" stays
    if lower in _ROMAN:
        return lower.upper()
    if lower in _PARTICLES and not first:
        return lower
    if lower.startswith("mc") and len(lower) > 2:
        return "Mc" + lower[2:].capitalize()
    return lower.capitalize()


@lru_cache(maxsize=65536)
def name_case(value: str) -> str:
    """Title case for an upper-case registry name, keeping hyphens, apostrophes and "Mc" ("O'NEIL-MCCOY" ->
    "O'Neil-McCoy")."""
    return " ".join([_cased(word, first=n == 0) for n, word in enumerate(value.split())])


def _cased(word: str, *, first: bool) -> str:
    if word.isalpha():  # most words: one part ("JOSÉ" stays one word: "José")
        return _word(word, first=first)
    if word.isdigit():
        return word
    return "".join([_word(p, first=first) for p in _WORD.findall(word)])


@lru_cache(maxsize=4096)
def credentials(value: str) -> tuple[str, ...]:
    """"M.D., PH.D." -> ("MD", "PhD"); dots dropped, split on commas, slashes and spaces, duplicates removed."""
    seen: list[str] = []
    for raw in _SPLIT.split(value.replace(".", "")):
        token = raw.strip().upper()
        if not token or not any(c.isalpha() for c in token):
            continue
        for shown in _CREDENTIAL_CASE.get(token, token).split(", "):
            if shown not in seen:
                seen.append(shown)
    return tuple(seen)


def display_name(first: str, middle: str, last: str, suffix: str, creds: tuple[str, ...]) -> str:
    """"Mara J. Quillfeather Jr., MD, PhD": first, middle initial, last, suffix, then the credentials."""
    initial = middle.strip()[:1].upper() if middle else ""
    name = " ".join(filter(None, (name_case(first), f"{initial}." if initial.isalpha() else "", name_case(last))))
    if suffix:
        name += f" {_suffix(suffix)}"
    return f"{name}, {', '.join(creds)}" if creds else name


def _suffix(value: str) -> str:
    token = value.replace(".", "").strip()
    return token.upper() if token.lower() in _ROMAN or token.upper() == "II" else f"{token.capitalize()}."


def phone(value: str) -> str | None:
    """"3085550138" -> "(308) 555-0138"; anything but ten digits is kept as published, empty is None."""
    digits = value if len(value) == 10 and value.isdigit() else "".join(c for c in value if c.isdigit())
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return value.strip() or None


def street(line1: str, line2: str) -> str:
    """Registry street lines in title case, joined ("123 MAIN ST", "STE 4" -> "123 Main St, Ste 4")."""
    if not line2.strip():  # most addresses: one line
        return name_case(line1) if line1.strip() else ""
    return ", ".join([name_case(line) for line in (line1, line2) if line.strip()])
