"""One provider record from random draws: every draw comes from one seeded Random, in a fixed order."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence

from caremap.corpus.directory.tables import Pool, Practice, Profile, Spot, Tables, draw_procedures
from caremap.corpus.directory.workforce import (
    INSURANCE_NETWORKS,
    P_ACCEPTING,
    P_OTHER_LANGUAGE,
    P_THIRD_LANGUAGE,
    Gender,
)
from caremap.corpus.schemas import Address, Clinic, GeoPoint, Provider


class Factory:
    """Turns random draws into Provider records; every draw comes from one seeded Random, in a fixed order."""

    def __init__(self, tables: Tables, rng: random.Random, *, practices: bool = False) -> None:
        """``practices``: each record takes one of a few practices per specialty set (a bounded number of
        distinct profiles, as in a real directory where many clinicians do the same things); otherwise
        its procedures are drawn one by one (the committed sample)."""
        self.t = tables
        self.rng = rng
        self.practices = practices

    def provider(
        self,
        provider_id: str,
        spot: Spot,
        *,
        primary: str | None = None,
        must_do: str | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> Provider:
        rng, t = self.rng, self.t
        profile = t.profiles[primary or self._pick(t.specialty_names, t.specialty_cum)]
        specialties = self._specialties(profile)
        focus = None
        if self.practices:
            practice = self._practice(t.practices(specialties, exclude), must_do)
            procedures, focus = practice.procedures, practice.focus
        else:
            procedures = self._procedures(t.pool(specialties, exclude), must_do)
        gender: Gender = "female" if rng.random() < 0.47 else ("nonbinary" if rng.random() < 0.02 else "male")
        first, last = rng.choice(t.first_names[gender]), rng.choice(t.last_names)
        middle = f" {chr(65 + rng.randrange(26))}." if rng.random() < 0.25 else ""
        name = f"{first}{middle} {last}"
        years = 1 + int(39 * rng.betavariate(1.7, 3.0))
        rating, reviews = self._reputation(years)
        return Provider(
            id=provider_id,
            fictional=True,
            name=name,
            credentials=rng.choices(profile.credentials, weights=profile.credential_weights)[0],
            gender=gender,
            specialties=specialties,
            procedures=procedures,
            focus=focus,
            clinic=self._clinic(profile, spot, last),
            languages=self._languages(),
            accepting_new_patients=rng.random() < P_ACCEPTING,
            telehealth=rng.random() < profile.telehealth,
            insurance_networks=self._networks(),
            years_in_practice=years,
            rating=rating,
            review_count=reviews,
            bio=self._bio(name, profile, (focus,) if focus else procedures, spot, years),
        )

    def _pick(self, items: Sequence[str], cum_weights: Sequence[float]) -> str:
        return items[bisect.bisect(cum_weights, self.rng.random() * cum_weights[-1])]

    def _specialties(self, profile: Profile) -> tuple[str, ...]:
        draw = self.rng.random()
        if not profile.seconds or draw >= profile.second_cum[-1]:
            return (profile.name,)
        second = profile.seconds[bisect.bisect(profile.second_cum, draw)]
        return (profile.name, second)

    def _procedures(self, pool: Pool, must_do: str | None) -> tuple[str, ...]:
        return draw_procedures(self.rng, pool, must_do, self.t.catalog_order)[0]

    def _practice(self, practices: Sequence[Practice], must_do: str | None) -> Practice:
        if must_do is None:
            return practices[self.rng.randrange(len(practices))]
        doing = [p for p in practices if must_do in p.procedures]
        if not doing:
            raise ValueError(f"procedure {must_do!r} is not open to specialties of this provider")
        return doing[self.rng.randrange(len(doing))]

    def _reputation(self, years: int) -> tuple[float | None, int]:
        rng = self.rng
        if rng.random() < (0.5 if years <= 2 else 0.02):
            return None, 0
        rating = round(max(1.0, min(5.0, 5.0 - rng.expovariate(2.4))), 1)
        reviews = max(1, int(rng.lognormvariate(2.6 + 0.03 * years, 1.1)))
        return rating, reviews

    def _clinic(self, profile: Profile, spot: Spot, surname: str) -> Clinic:
        rng, t = self.rng, self.t
        noun = rng.choice(profile.nouns)
        form = rng.random()
        if form < 0.45:
            clinic_name = f"{spot.city} {noun}"
        elif form < 0.85:
            clinic_name = f"{surname if rng.random() < 0.5 else rng.choice(t.last_names)} {noun}"
        else:
            clinic_name = f"{surname} & {rng.choice(t.last_names)} {noun}"
        number = int(10 ** (1 + 3 * rng.random()))
        suite = f", Suite {100 * (1 + rng.randrange(6)) + rng.randrange(40)}" if rng.random() < 0.35 else ""
        area_codes = t.gazetteer.area_codes(spot.postal_code)
        area = area_codes[rng.randrange(len(area_codes))] if area_codes else "555"
        return Clinic(
            name=clinic_name,
            address=Address(
                street=f"{number} {rng.choice(t.streets)}{suite}",
                city=spot.city,
                region=spot.region,
                postal_code=spot.postal_code,
            ),
            location=GeoPoint(lat=spot.lat, lon=spot.lon),
            phone=f"({area}) 555-01{rng.randrange(100):02d}",  # 555-0100..0199 is reserved for fiction
        )

    def _languages(self) -> tuple[str, ...]:
        rng, t = self.rng, self.t
        if rng.random() >= P_OTHER_LANGUAGE:
            return ("English",)
        first = self._pick(t.language_names, t.language_cum)
        if rng.random() >= P_THIRD_LANGUAGE:
            return ("English", first)
        second = self._pick(t.language_names, t.language_cum)
        return ("English", first) if second == first else ("English", first, second)

    def _networks(self) -> tuple[str, ...]:
        picked = set(self.rng.sample(range(len(INSURANCE_NETWORKS)), 3 + self.rng.randrange(6)))
        return tuple(INSURANCE_NETWORKS[i] for i in sorted(picked))

    def _bio(self, name: str, profile: Profile, procedures: Sequence[str], spot: Spot, years: int) -> str:
        title = profile.title
        article = "an" if title[:1].lower() in "aeio" else "a"
        experience = f"{years} year{'s' if years != 1 else ''} in practice"
        focus = ""
        if procedures:
            focus = f" and an interest in {lower_first(self.t.procedure_names[self.rng.choice(procedures)])}"
        return (
            f"{name} is {article} {title} in {spot.city}, {spot.region}, with {experience}{focus}. "
            "This is a fictional profile generated for caremap; it describes no real person or practice."
        )


def lower_first(text: str) -> str:
    """Lower-case a display name's first letter unless it starts an acronym ("ERCP", "LASIK")."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]

