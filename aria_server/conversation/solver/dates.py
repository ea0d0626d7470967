"""Calendar questions computed from the calendar: weekdays of dates, days until and between
dates, the date some days from now, the days in a month, the days, weeks and months in a year, leap years.

    >>> from datetime import date
    >>> answer("What day of the week is Christmas?", date(2026, 12, 6))
    'Christmas, December 25, 2026, is a Friday.'
    >>> answer("How many days until Christmas?", date(2026, 12, 6))
    'There are 19 days until Christmas, December 25, 2026.'

``today`` is passed in (the server's local date), so answers are reproducible and testable.
A date without a year is its next occurrence (today included). Holidays with a fixed date, and
Easter and US Thanksgiving (computed), are known by name; other named days are the model's.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

from .numerals import to_digits

_MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_WEEKDAYS = list(calendar.day_name)
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?:\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"\d{4}"
MAX_DAYS = 1_000_000
"""Furthest date computed, in days (about 2,700 years): beyond it no answer is everyday."""


def _easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def _on(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


_HOLIDAYS: dict[str, tuple[str, Callable[[int], date]]] = {
    r"christmas eve": ("Christmas Eve", _on(12, 24)),
    r"christmas(?: day)?|xmas": ("Christmas", _on(12, 25)),
    r"boxing day": ("Boxing Day", _on(12, 26)),
    r"new year'?s eve": ("New Year's Eve", _on(12, 31)),
    r"new year'?s(?: day)?|the new year|new year": ("New Year's Day", _on(1, 1)),
    r"halloween": ("Halloween", _on(10, 31)),
    r"valentine'?s(?: day)?": ("Valentine's Day", _on(2, 14)),
    r"(?:st\.? |saint )?patrick'?s day": ("St. Patrick's Day", _on(3, 17)),
    r"independence day|the 4th of july|4th of july|july 4th": ("Independence Day", _on(7, 4)),
    r"easter(?: sunday)?": ("Easter", _easter),
    r"thanksgiving(?: day)?": ("Thanksgiving", _thanksgiving),
}
"""Named days: (how they are said back, the date in a given year)."""


def parse_date(text: str, today: date) -> tuple[date, str] | None:
    """(the date ``text`` names, its name as said back) or None; without a year, the next one."""
    text = re.sub(r"^(?:the |this |this year's |next year's )", "", text.strip().rstrip(",")).strip()
    year_match = re.search(rf"(?:,? (?:in |of )?(?P<year>{_YEAR})|,? (?P<rel>this year|next year|last year))$", text)
    year: int | None = None
    if year_match is not None:
        text = text[: year_match.start()].strip()
        if year_match.group("year"):
            year = int(year_match.group("year"))
        else:
            year = today.year + {"this year": 0, "next year": 1, "last year": -1}[year_match.group("rel")]
    if text in ("today", "now"):
        return today, "today"
    if text == "tomorrow":
        return today + timedelta(days=1), "tomorrow"
    for pattern, (name, on) in _HOLIDAYS.items():
        if re.fullmatch(pattern, text):
            return _dated(year, today, on, name)
    match = (
        re.fullmatch(rf"(?P<month>{_MONTH}) (?:the )?(?P<day>{_DAY})", text)
        or re.fullmatch(rf"(?:the )?(?P<day>{_DAY}) (?:of )?(?P<month>{_MONTH})", text)
    )
    if match is None:
        return None
    month = _MONTHS[match.group("month").rstrip(".")]
    day = int(re.sub(r"\D", "", match.group("day")))
    if not 1 <= day <= 31:
        return None
    try:
        return _dated(year, today, lambda y: date(y, month, day), None)
    except ValueError:  # February 30th
        return None


def _dated(year: int | None, today: date, on: Callable[[int], date], name: str | None) -> tuple[date, str] | None:
    """The date ``on`` gives for ``year`` (None: this year's, or next year's once it has passed)."""
    if year is not None:
        if not 1 <= year <= 9999:
            return None
        found = on(year)
    elif (found := on(today.year)) < today:
        found = on(today.year + 1)
    said = _long(found)
    return found, f"{name}, {said}" if name else said


def _long(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]}, {calendar.month_name[day.month]} {day.day}, {day.year}"


def _plain(day: date) -> str:
    return f"{calendar.month_name[day.month]} {day.day}, {day.year}"


_LEAD = r"^(?:(?:hey |ok |okay )?aria,? )?(?:please )?(?:(?:can|could) you (?:please )?tell me |do you know )?"
_WEEKDAY_OF = re.compile(
    rf"{_LEAD}(?:what|which) day(?: of the week)? (?P<verb>is|was|will be|will|does|did|falls|fell) (?:on )?(?P<date>.+?)"
    r"(?: (?:be|fall|fall on|land on|on))?$"
)
_ON_WHAT_DAY = re.compile(rf"{_LEAD}(?:on )?what day (?:is|does|will) (?P<date>.+?) (?:fall on|fall|be on|land on|on)$")
_UNTIL = re.compile(
    rf"{_LEAD}how (?:many (?P<unit>days|weeks)|long) (?:is it |are there |are left |is left |left |do i have |have i got )?"
    r"(?:until|till|til|to|before) (?P<date>.+?)$"
)
_BETWEEN = re.compile(rf"{_LEAD}how many days (?:are there |is it |are )?between (?P<a>.+?) and (?P<b>.+?)$")
_FROM_NOW = re.compile(
    rf"{_LEAD}what(?: is|'s| will be)? (?:the )?(?:date|day)(?: will it be| is it| is)? (?:in )?(?P<n>\d+) (?P<unit>days?|weeks?)"
    r"(?: from (?:now|today)| after today| time)?$"
)
_WHEN = re.compile(rf"{_LEAD}(?:when is|what date is|on what date is|what is the date of) (?P<date>.+?)(?: this year| next year)?$")
_MONTH_DAYS = re.compile(rf"{_LEAD}how many days (?:are there |are |does |is )?in (?P<month>{_MONTH})(?: (?P<year>{_YEAR}))?(?: have)?$")
_LEAP = re.compile(rf"{_LEAD}is (?P<year>\d{{4}}) a leap year$")
_IN_A_YEAR = re.compile(
    rf"{_LEAD}how many (?P<unit>days|weeks|months) (?:are there |are |does |is )?in "
    rf"(?:(?:a |one )?(?P<kind>leap |common |normal |regular |non leap |calendar )?year|(?P<year>{_YEAR}))(?: have)?$"
)


def answer(text: str, today: date) -> str | None:
    """The spoken answer to a calendar question, or None when ``text`` is not one."""
    words = to_digits(text).strip().rstrip("?.!").strip()
    words = re.sub(r"\s+", " ", words)
    if (match := _LEAP.match(words)) is not None:
        year = int(match.group("year"))
        leap = calendar.isleap(year)
        verb = "is" if year >= today.year else "was"
        return f"{year} {verb} {'a' if leap else 'not a'} leap year."
    in_month = re.sub(r"\bhow many (days|weeks|months) does (.+) have$", r"how many \1 in \2", words)  # "... does April have"
    if (match := _IN_A_YEAR.match(in_month)) is not None:
        return _in_a_year(match, today)
    if (match := _MONTH_DAYS.match(in_month)) is not None:
        month = _MONTHS[match.group("month").rstrip(".")]
        if match.group("year"):
            year = int(match.group("year"))
            days = calendar.monthrange(year, month)[1]
            return f"{calendar.month_name[month]} {year} {'has' if year >= today.year else 'had'} {days} days."
        if month == 2:
            return "February has 28 days, and 29 in a leap year."
        return f"{calendar.month_name[month]} has {calendar.monthrange(2001, month)[1]} days."
    if (match := _BETWEEN.match(words)) is not None:
        first, second = parse_date(match.group("a"), today), parse_date(match.group("b"), today)
        if first is None or second is None:
            return None
        days = abs((second[0] - first[0]).days)
        return f"There {'is' if days == 1 else 'are'} {days} day{'' if days == 1 else 's'} between {_plain(first[0])} and {_plain(second[0])}."
    if (match := _UNTIL.match(words)) is not None:
        return _until(match, today)
    if (match := _FROM_NOW.match(words)) is not None:
        count = int(match.group("n")) * (7 if match.group("unit").startswith("week") else 1)
        if count > MAX_DAYS:
            return None
        try:
            later = today + timedelta(days=count)
        except OverflowError:
            return None
        return f"In {match.group('n')} {match.group('unit')} it will be {_long(later)}."
    if (match := _WHEN.match(words)) is not None:
        found = parse_date(match.group("date"), today)
        if found is None or found[1].split(", ")[0] in (*_WEEKDAYS, "today", "tomorrow"):
            return None  # "when is March 3" is no question; "when is my birthday" is not the calendar's
        day, said = found
        name = said.split(", ")[0]
        return f"{name} {'is' if day >= today else 'was'} on {_long(day)}."
    if (match := _WEEKDAY_OF.match(words) or _ON_WHAT_DAY.match(words)) is not None:
        found = parse_date(match.group("date"), today)
        if found is None or found[1] in ("today",):
            return None
        day, said = found
        verb = "is" if day >= today else "was"
        return _weekday_sentence(day, said, verb)
    return None


def _in_a_year(match: re.Match[str], today: date) -> str:
    """Days, weeks or months in a year: "how many days are there in a leap year" (a small model
    said 29)."""
    unit, kind, year = match.group("unit"), (match.group("kind") or "").strip(), match.group("year")
    if unit == "months":
        return "A year has 12 months."
    if year is not None:
        days = 366 if calendar.isleap(int(year)) else 365
        verb = "has" if int(year) >= today.year else "had"
        return f"{year} {verb} {days} days." if unit == "days" else f"{year} {verb} 52 weeks and {days - 364} day{'s' if days == 366 else ''}."
    if kind == "leap":
        return "A leap year has 366 days." if unit == "days" else "A leap year has 52 weeks and 2 days."
    if kind in ("common", "normal", "regular", "non leap"):
        return "A common year has 365 days." if unit == "days" else "A common year has 52 weeks and 1 day."
    if unit == "days":
        return "A year has 365 days, and 366 in a leap year."
    return "A year has 52 weeks and 1 day, and 2 days in a leap year."


def _weekday_sentence(day: date, said: str, verb: str) -> str:
    name = said.split(", ")[0] if not said.startswith(_WEEKDAYS[day.weekday()]) else None
    subject = f"{name}, {_plain(day)}," if name else _plain(day)
    return f"{subject} {verb} a {_WEEKDAYS[day.weekday()]}."


def _until(match: re.Match[str], today: date) -> str | None:
    found = parse_date(match.group("date"), today)
    if found is None:
        return None
    day, said = found
    days = (day - today).days
    name = said.split(", ")[0] if not said.startswith(_WEEKDAYS[day.weekday()]) else None
    target = f"{name}, {_plain(day)}" if name else _plain(day)
    if days == 0:
        return f"{target} is today."
    if days < 0:
        return f"{target} was {-days} day{'' if days == -1 else 's'} ago."
    if match.group("unit") == "weeks":
        weeks, rest = divmod(days, 7)
        extra = f" and {rest} day{'' if rest == 1 else 's'}" if rest else ""
        return f"There {'is' if weeks == 1 and not rest else 'are'} {weeks} week{'' if weeks == 1 else 's'}{extra} until {target}."
    return f"There {'is' if days == 1 else 'are'} {days} day{'' if days == 1 else 's'} until {target}."
