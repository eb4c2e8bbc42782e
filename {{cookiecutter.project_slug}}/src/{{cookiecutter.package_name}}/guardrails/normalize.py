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
import urllib.parse

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
# The same digits and symbols read the other way ("1" and "|" are "i" as often as "l").
LEET_ALT = str.maketrans({**{chr(k): v for k, v in LEET.items()}, "1": "l", "|": "i"})
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[\s:]?){8,}")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_SPACED = re.compile(r"\b(?:[A-Za-z][ .\-_*]{1,3}){3,}[A-Za-z]\b")
# Letters joined by a separator that is not a space: "i.g.n.o.r.e", "d-i-s-r-e-g-a-r-d".
_JOINED = re.compile(r"\b[A-Za-z](?:[.\-_*'][A-Za-z]){2,}\b\.?")


def clean(text: str) -> str:
    """NFKC, invisible format characters removed, homoglyphs mapped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.translate(HOMOGLYPHS)
    return re.sub(r"\s+", " ", text).strip()


def unleet(text: str, alt: bool = False) -> str:
    return text.translate(LEET_ALT if alt else LEET)


# Words an attack is made of: where "1" or "|" could be "i" or "l", the reading that makes one of
# these words wins.
ATTACK_WORDS = frozenset(
    [
        "ignore",
        "disregard",
        "forget",
        "rules",
        "rule",
        "instructions",
        "instruction",
        "filters",
        "filter",
        "all",
        "above",
        "previous",
        "prompt",
        "system",
        "reveal",
        "tell",
        "guidelines",
        "policies",
        "limits",
        "unlimited",
        "unrestricted",
        "unfiltered",
        "jailbreak",
        "mode",
        "developer",
        "disable",
        "kill",
        "lethal",
        "illegal",
        "steal",
        "bomb",
    ]
)


def unleet_words(text: str) -> str:
    """Leetspeak undone word by word, choosing "i" or "l" for "1" and "|" by known words."""

    def word(match: re.Match[str]) -> str:
        token = match.group()
        first, second = token.translate(LEET).lower(), token.translate(LEET_ALT).lower()
        return second if second in ATTACK_WORDS and first not in ATTACK_WORDS else first

    return re.sub(r"[^\s.,;:?]+", word, text)


def unjoin(text: str) -> str:
    """'i.g.n.o.r.e t.h.e r.u.l.e.s' -> 'ignore the rules' (word gaps kept)."""
    return _JOINED.sub(lambda m: re.sub(r"[^A-Za-z]", "", m.group()), text)


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


def visible_letters(text: str) -> str:
    """The letters of the words written as words (two letters or more), run together: a phrase
    found here was written plainly, not hidden by separators or digits."""
    return "".join(w for w in re.findall(r"[a-z]+", clean(text).lower()) if len(w) > 1)


def _readable(decoded: str) -> bool:
    printable = sum(ch.isprintable() for ch in decoded) / max(1, len(decoded))
    return printable > 0.95 and bool(re.search(r"[a-zA-Z]{2,} [a-zA-Z]{2,}", decoded))


def decoded_hex(text: str) -> list[str]:
    out = []
    for token in _HEX.findall(text):
        digits = re.sub(r"[\s:]", "", token)
        try:
            decoded = bytes.fromhex(digits[: len(digits) // 2 * 2]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        if _readable(decoded):
            out.append(decoded)
    return out


def decoded_percent(text: str) -> list[str]:
    if len(_PERCENT.findall(text)) < 3:
        return []
    decoded = urllib.parse.unquote_plus(text)
    return [decoded] if decoded != text else []


def decoded_base64(text: str) -> list[str]:
    out = []
    for token in _BASE64.findall(text):
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=False)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if _readable(decoded) or _BASE64.fullmatch(decoded.strip()):
            out.append(decoded)  # readable text, or another layer of base64
    return out


def decoded(text: str, depth: int = 3) -> list[str]:
    """Every base64, hex and percent-encoded payload in ``text``, unwrapped up to ``depth`` times
    (base64 inside base64, hex of URL-encoded text and so on)."""
    found: list[str] = []
    frontier = [text]
    for _ in range(depth):
        layer = []
        for item in frontier:
            for payload in decoded_base64(item) + decoded_hex(item) + decoded_percent(item):
                if payload not in found:
                    found.append(payload)
                    layer.append(payload)
        frontier = layer
    return found


def readings(text: str) -> list[tuple[str, str]]:
    """Every reading of ``text`` worth checking as (kind, text), the cleaned original first.

    Kinds: ``plain``; ``disguised`` (leetspeak, spaced or dotted letters: the words are still
    visible); ``encoded`` (reversed, ROT13, base64, hex, percent-encoding: the words are hidden).
    """
    base = clean(text)
    joined = unjoin(base)
    found = [
        ("plain", base),
        ("disguised", unleet(base)),
        ("disguised", unleet(base, alt=True)),
        ("disguised", unleet_words(base)),
        ("disguised", unspace(base)),
        ("disguised", unspace(unleet(base))),
        ("disguised", joined),
        ("disguised", unleet(joined)),
        ("disguised", unleet(joined, alt=True)),
        ("disguised", clean(unspace_words(text))),
        ("encoded", base[::-1]),
        ("encoded", codecs.decode(base, "rot13")),
    ]
    for payload in decoded(base):
        payload = clean(payload)
        found += [
            ("encoded", payload),
            ("encoded", payload[::-1]),
            ("encoded", codecs.decode(payload, "rot13")),
        ]
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for kind, reading in found:
        if reading and reading not in seen:
            seen.add(reading)
            out.append((kind, reading))
    return out


def variants(text: str) -> list[str]:
    """Every reading of ``text`` worth checking, the cleaned original first."""
    return [reading for _, reading in readings(text)]
