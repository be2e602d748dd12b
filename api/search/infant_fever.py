"""Fever in a baby under 3 months: a temperature of 38 °C / 100.4 °F or more is an emergency at that age,
whatever else the query says (public guidance; the corpus's "infant-fever" presentation says what to do).

A rule on two numbers, an age and a temperature, because words can't carry it: "38.2" is a fever for the
emergency department at six weeks and an everyday one at six years, and the classifiers read "38.2" as a
string. The age must be said as one (``6 weeks old``, ``10-day-old``, ``newborn``), so that "fever for 2 days"
or "38 weeks pregnant" is no age; a temperature is a number in the range of body temperatures in Celsius or
Fahrenheit that is not followed by a unit of something else ("38 weeks", "100 ml").
"""

from __future__ import annotations

import re

PRESENTATION = "infant-fever"
FEVER_C = 38.0
UNDER_DAYS = 90  # "under 3 months"

_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")
_DAYS_PER = {"day": 1, "days": 1, "d": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "w": 7,
             "month": 30, "months": 30, "mo": 30, "mos": 30, "mth": 30, "mths": 30, "m": 30}
_NEWBORN = frozenset({"newborn", "newborns", "neonate"})
# Units that make a number something other than a temperature.
_OTHER_UNITS = frozenset(_DAYS_PER) | {"year", "years", "yr", "yrs", "y", "hour", "hours", "hr", "hrs", "h", "min",
                                       "mins", "minutes", "lb", "lbs", "pound", "pounds", "oz", "ounces", "kg", "g",
                                       "ml", "mg", "times", "percent", "am", "pm", "th", "st", "nd", "rd"}


def has_infant_fever(query: str) -> bool:
    """Does the query give a baby's age under 3 months and a temperature of 38 °C / 100.4 °F or more?"""
    tokens = _TOKEN.findall(query.lower().replace("°", " "))
    young, temperatures = False, []
    for i, token in enumerate(tokens):
        if token in _NEWBORN:
            young = True
        if not token[0].isdigit():
            continue
        unit = tokens[i + 1] if i + 1 < len(tokens) else ""
        if unit in _DAYS_PER and "old" in tokens[i + 2 : i + 4]:
            young = young or float(token) * _DAYS_PER[unit] < UNDER_DAYS
        elif unit not in _OTHER_UNITS:
            temperatures.append(float(token))
    return young and any(_celsius(t) >= FEVER_C for t in temperatures)


def _celsius(value: float) -> float:
    """A body temperature in Celsius; anything outside the range a thermometer on a person reads is 0."""
    if 34.0 <= value <= 43.0:
        return value
    if 93.0 <= value <= 110.0:
        return round((value - 32.0) * 5.0 / 9.0, 2)  # 100.4 °F is 38.0 °C, not a hair under
    return 0.0
