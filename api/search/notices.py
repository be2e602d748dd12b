"""What the page says around the results, in plain words: emergencies, empty and widened searches."""

from __future__ import annotations

from api.schemas import HelpLine
from caremap.corpus.schemas import Resource

EMERGENCY = "These symptoms need emergency care now; clinics for planned care are not listed."
NO_MATCH = ("Nothing we cover matches this search. caremap finds procedures and the clinicians who perform them: "
            "describe a symptom (\"knee pain on stairs\"), or name a condition or a procedure.")
PRIMARY_CARE = ("No procedure we cover fits this. A primary-care clinician, a pharmacy or an urgent-care clinic is "
                "the right place for it.")
PRIMARY_CARE_LISTED = PRIMARY_CARE + " Primary-care clinicians nearby are listed."
POSSIBLE = "Possible matches only: the words fit the procedures below loosely."

HELP_LINES: dict[Resource, HelpLine] = {
    "call-911": HelpLine(kind="call-911", label="Call 911", tel="911"),
    "lifeline-988": HelpLine(kind="lifeline-988", label="Call or text 988 (Suicide & Crisis Lifeline)", tel="988",
                             sms="988"),
    "poison-help": HelpLine(kind="poison-help", label="Poison Help: 1-800-222-1222", tel="18002221222"),
    "battery-hotline": HelpLine(kind="battery-hotline", label="National Battery Ingestion Hotline: 800-498-8666",
                                tel="8004988666"),
}


def nobody_near(label: str, *, radius_km: float, place: str, nearest_km: float | None) -> str:
    where = f"; the nearest is {nearest_km:.0f} km away" if nearest_km is not None else ""
    return f"No {label} providers within {radius_km:.0f} km of {place}{where}."


def widened(label: str, *, asked_km: float, used_km: float, nearest_km: float, fallback: bool) -> str:
    how = "showing the nearest ones" if fallback else f"widened the search to {used_km:.0f} km"
    return f"No {label} providers within {asked_km:.0f} km; {how} (nearest {nearest_km:.0f} km away)."
