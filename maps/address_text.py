"""Address text: normalising street names and parsing what people type.

Both sides of a match go through the same :func:`street_key`: the street names read from OSM and
the street part of a query. The key is lower-case ASCII without spaces or punctuation, with Danish
letters folded the way people type them without a Danish keyboard (``ø``/``oe`` → ``o``,
``å``/``aa`` → ``a``, ``æ`` → ``ae``, ``é`` → ``e``) and the usual
abbreviations expanded (``Skt.``/``Sct.`` → ``sankt``, ``Gl.`` → ``gammel``, ``Kgs.`` →
``kongens``, a last ``V.`` → ``vej``, ``Nørrebrog.`` → ``norrebrogade``, ...), so
``"H.C. Ørsteds Vej"``, ``"hc oersteds vej"`` and ``"H C Ørstedsvej"`` all give ``hcorstedsvej``.
What an abbreviation alone cannot settle (``St.`` is *Store* in Danish and *Street* in English) is
settled by position (first word *Store*, last word *Street*) and the fuzzy match does the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from unidecode import unidecode

# Abbreviation (after folding) → the word it stands for. Both sides are expanded, so the key is
# the long spelling: a typo then costs few points of similarity ("boulevar" vs "boulevard"),
# where a contracted key ("blvd") would lose the street altogether.
_EXPANSIONS: dict[str, str] = {
    "skt": "sankt",
    "sct": "sankt",
    "gl": "gammel",
    "gml": "gammel",
    "kgs": "kongens",
    "ndr": "nordre",
    "nr": "norre",
    "sdr": "sondre",
    "ll": "lille",
    "dr": "doktor",
    "blvd": "boulevard",
    "boul": "boulevard",
    "bd": "boulevard",
    "pl": "plads",
    "str": "straede",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "allee": "alle",
}
# Abbreviations whose meaning depends on where they stand: first word or last word.
_FIRST_WORD = {"st": "store", "v": "vestre"}
_LAST_WORD = {"st": "street", "v": "vej", "vj": "vej", "g": "gade", "gd": "gade"}

# A query token that ends in one of these abbreviations plus a dot ("Nørrebrog.", "Godthåbsv.")
# is a compound street name cut short; OSM always spells the suffix out.
_SUFFIX_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("gd.", "gade"),
    ("g.", "gade"),
    ("vj.", "vej"),
    ("v.", "vej"),
    ("str.", "stræde"),
    ("pl.", "plads"),
)

# Words after the house number that describe floor and door ("2. th", "st. tv"), not a city.
_FLOOR_WORDS = frozenset(
    {"st", "stuen", "th", "tv", "mf", "kl", "kld", "sal", "etage", "sal.", "lejl", "floor"}
)

# Digits, an optional range end, and a lone letter ("12A", "12 a") not starting a word ("12 st.").
_NUMBER_IN_TEXT = re.compile(r"(\d+)(?:-\d+)?(?:\s?([A-Za-z])(?![^\W\d_]))?")
_POSTCODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def fold(text: str) -> str:
    """Lower-case ASCII spelling of ``text`` with Danish letters folded as typed without them.

    Parameters
    ----------
    text : str
        Any text (a street name, a city).

    Returns
    -------
    str
        Letters, digits and single spaces only; ``"Gl. Kongevej"`` → ``"gl kongevej"``.
    """
    text = unicodedata.normalize("NFC", text).replace("'", "").replace("’", "")
    text = unidecode(text).lower()
    # "aa" is the old spelling of å, "oe" the keyboard spelling of ø; unidecode gives "a"/"o".
    text = text.replace("aa", "a").replace("oe", "o")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def street_key(name: str) -> str:
    """The comparison key of a street name: folded, contracted, without spaces.

    Parameters
    ----------
    name : str
        Street name as written in OSM or typed by a user.

    Returns
    -------
    str
        ``"Skt. Hans Torv"`` and ``"Sankt Hans Torv"`` → ``"sankthanstorv"``; empty when the name
        has no letters or digits.
    """
    words: list[str] = []
    for token in name.split():
        lowered = token.lower()
        for short, full in _SUFFIX_ABBREVIATIONS:
            if lowered.endswith(short) and len(lowered) > len(short) + 2:
                token = token[: -len(short)] + full
                break
        words.extend(fold(token).split())
    words = _join_initials(words)
    expanded = [_EXPANSIONS.get(word, word) for word in words]
    if len(words) > 1:
        expanded[0] = _FIRST_WORD.get(words[0], expanded[0])
        expanded[-1] = _LAST_WORD.get(words[-1], expanded[-1])
    return "".join(expanded)


def number_key(housenumber: str) -> str | None:
    """Canonical house number: digits plus an optional upper-case letter, no spaces.

    Parameters
    ----------
    housenumber : str
        ``"12"``, ``"12a"``, ``"12 A"``, ``"4, 1. floor"``, ``"168-170"``.

    Returns
    -------
    str or None
        ``"12"``, ``"12A"``, ``"12A"``, ``"4"``, ``"168"``; ``None`` when there is no number.
    """
    match = _NUMBER_IN_TEXT.search(housenumber)
    if match is None:
        return None
    digits, letter = match.group(1), match.group(2)
    return str(int(digits)) + (letter.upper() if letter else "")


def number_value(key: str) -> int:
    """Numeric part of a :func:`number_key` (``"12A"`` → 12)."""
    return int(re.match(r"\d+", key).group())  # type: ignore[union-attr]


def range_keys(housenumber: str) -> tuple[str, ...]:
    """Every number an OSM ``addr:housenumber`` stands for (``"168-170"`` → 168 and 170)."""
    first = number_key(housenumber)
    if first is None:
        return ()
    span = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", housenumber)
    if span and span.group(2) != span.group(1):
        return (first, str(int(span.group(2))))
    return (first,)


@dataclass(frozen=True)
class ParsedQuery:
    """What a typed address says, split into parts.

    Attributes
    ----------
    street : str
        The street part as typed (may be empty).
    number : str or None
        Canonical house number (:func:`number_key`), or ``None`` when none was given.
    postcode : str or None
        Four-digit postcode after the number, if any.
    city : str or None
        Folded city text after the postcode (or the last comma part), if any.
    """

    street: str
    number: str | None
    postcode: str | None
    city: str | None


def parse_query(query: str) -> ParsedQuery:
    """Split a typed address into street, house number, postcode and city.

    Understands ``"Nørregade 12"``, ``"Nørregade 12A"``, ``"nørregade 12 a"``,
    ``"Nørregade 12, 2. th, 1165 København K"``, ``"Nørregade12"`` and ``"12 Main Street"``.
    The house number is the first number that starts a word after the street; failing that, the
    first number anywhere after a letter (a mistyped space glues it to the street).

    Parameters
    ----------
    query : str
        The address as a user typed it.

    Returns
    -------
    ParsedQuery
        Its parts; ``number`` is ``None`` when no house number could be found.
    """
    return parse_query_variants(query)[0]


def parse_query_variants(query: str) -> list[ParsedQuery]:
    """Every plausible split of a typed address, the most likely (:func:`parse_query`) first.

    A digit typed into the street name (``"Ved 2olden 5"``) looks like a house number; the later
    variants take each following number as the house number instead, and the caller keeps the
    split that matches best.

    Parameters
    ----------
    query : str
        The address as a user typed it.

    Returns
    -------
    list of ParsedQuery
        At least one; distinct.
    """
    text = " ".join(unicodedata.normalize("NFC", query).split())
    after_letter = [
        m for m in _NUMBER_IN_TEXT.finditer(text) if re.search(r"[^\W\d_]", text[: m.start()])
    ]
    word_start = [m for m in after_letter if not text[m.start() - 1].isalnum()]
    matches = word_start or after_letter[:1]
    if not matches:
        leading = re.match(r"^\s*(\d+\s*[A-Za-z]?)\s+(?=\D)", text)
        if leading:  # English order: "12 Main Street"
            street = text[leading.end() :].strip(" ,")
            return [ParsedQuery(street, number_key(leading.group(1)), None, None)]
        return [ParsedQuery(text.strip(" ,"), None, None, None)]
    variants: list[ParsedQuery] = []
    for match in matches[:3]:
        parsed = _split_at(text, match)
        if parsed not in variants:
            variants.append(parsed)
    return variants


def _split_at(text: str, match: re.Match[str]) -> ParsedQuery:
    street = text[: match.start()].strip(" ,")
    number = number_key(match.group(0))
    rest = text[match.end() :]
    postcode_match = _POSTCODE.search(rest)
    postcode = postcode_match.group(1) if postcode_match else None
    city_text = rest[postcode_match.end() :] if postcode_match else rest.split(",")[-1]
    city_words = [w for w in fold(city_text).split() if w not in _FLOOR_WORDS and not w.isdigit()]
    city = " ".join(city_words) if city_words and len(max(city_words, key=len)) >= 3 else None
    return ParsedQuery(street=street, number=number, postcode=postcode, city=city)


def _join_initials(words: list[str]) -> list[str]:
    """Runs of two or more one-letter words are initials: ``h c orsteds`` → ``hc orsteds``."""
    joined: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) > 1:
            joined.append("".join(run))
        else:
            joined.extend(run)
        run = []
        if word:
            joined.append(word)
    return joined
