"""Undo the usual disguises before pattern checks: Unicode tricks, leetspeak, spacing, encodings.

Each function returns plain text; ``variants`` returns every decoded reading of an input, so a
check runs on all of them and an attack hidden by one disguise is still seen.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata

# Cyrillic and Greek letters that look like Latin ones (the common confusables).
HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ӏ": "l",
        "ո": "n",
        "ս": "u",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "У": "Y",
        "Х": "X",
        "І": "I",
        "Ј": "J",
        "Ѕ": "S",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
    }
)
LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "+": "t",
    }
)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_SPACED = re.compile(r"\b(?:[A-Za-z][ .\-_*]{1,3}){3,}[A-Za-z]\b")


def clean(text: str) -> str:
    """NFKC, invisible format characters removed, homoglyphs mapped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.translate(HOMOGLYPHS)
    return re.sub(r"\s+", " ", text).strip()


def unleet(text: str) -> str:
    return text.translate(LEET)


def unspace(text: str) -> str:
    """'i g n o r e  a l l' -> 'ignore all' (letters separated by single spaces or dots)."""

    def join(match: re.Match[str]) -> str:
        return re.sub(r"[ .\-_*]", "", match.group())

    return re.sub(r"\s{2,}", " ", _SPACED.sub(join, text))


def unspace_words(raw: str) -> str:
    """'i g n o r e   a l l' (wide gaps between words) -> 'ignore all'."""
    text = unicodedata.normalize("NFKC", raw)
    text = re.sub(r"(?<=\b\w) (?=\w\b)", "", text)
    return re.sub(r"\s+", " ", text).strip()


SQUASHED = (
    "ignoreallpreviousinstructions",
    "ignorepreviousinstructions",
    "ignoreallinstructions",
    "ignoreyourinstructions",
    "disregardpreviousinstructions",
    "disregardallinstructions",
    "forgetallpreviousinstructions",
    "forgetyourinstructions",
    "systemprompt",
    "developermode",
    "doanythingnow",
    "jailbreak",
)


def squashed(text: str) -> str:
    """Letters only, lower case, leetspeak undone: catches payloads split by any separator."""
    return re.sub(r"[^a-z]", "", unleet(clean(text).lower()))


def decoded_base64(text: str) -> list[str]:
    out = []
    for token in _BASE64.findall(text):
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=False)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        printable = sum(ch.isprintable() for ch in decoded) / max(1, len(decoded))
        if printable > 0.95 and re.search(r"[a-zA-Z]{3,} [a-zA-Z]{2,}", decoded):
            out.append(decoded)
    return out


def variants(text: str) -> list[str]:
    """Every reading of ``text`` worth checking, the cleaned original first."""
    base = clean(text)
    readings = [
        base,
        unleet(base),
        unspace(base),
        unspace(unleet(base)),
        base[::-1],
        codecs.decode(base, "rot13"),
    ]
    readings += [clean(d) for d in decoded_base64(base)]
    seen: list[str] = []
    for reading in readings:
        if reading and reading not in seen:
            seen.append(reading)
    return seen
