"""Who practises what: specialty frequencies, board pairs, degrees, clinic names, languages, plans, telehealth.

Figures are rough shapes of the US workforce, for believable fiction; plan names belong to no real insurer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Gender = Literal["female", "male", "nonbinary"]

#: Relative frequency as a primary specialty, roughly the US workforce in thousands; non-physicians are
#: scaled down so that a medical search stays mostly about physicians. Unlisted specialties get the default.
SPECIALTY_WEIGHTS: Mapping[str, float] = {
    "Internal Medicine": 120,
    "Family Medicine": 118,
    "Pediatrics": 60,
    "Emergency Medicine": 45,
    "Obstetrics and Gynecology": 42,
    "Anesthesiology": 40,
    "General Dentistry": 40,
    "Psychiatry": 38,
    "Physical Therapy": 35,
    "Diagnostic Radiology": 26,
    "General Surgery": 25,
    "Cardiovascular Disease": 22,
    "Orthopaedic Surgery": 19,
    "Ophthalmology": 18,
    "Gastroenterology": 15,
    "Medical Oncology": 14,
    "Neurology": 14,
    "Pulmonary Disease": 12,
    "Dermatology": 12,
    "Nephrology": 10,
    "Urology": 10,
    "Podiatry": 10,
    "Otolaryngology": 9,
    "Physical Medicine and Rehabilitation": 9,
    "Endocrinology": 7,
    "Plastic Surgery": 7,
    "Rheumatology": 6,
    "Neurosurgery": 5.5,
    "Pain Medicine": 5,
    "Radiation Oncology": 5,
    "Audiology": 5,
    "Allergy and Immunology": 4.5,
    "Interventional Cardiology": 4.5,
    "Oral and Maxillofacial Surgery": 4,
    "Thoracic Surgery": 4,
    "Vascular Surgery": 3.5,
    "Interventional Radiology": 3.5,
    "Sports Medicine": 3,
    "Retina Specialist": 3,
    "Endodontics": 3,
    "Periodontics": 3,
    "Clinical Cardiac Electrophysiology": 2.5,
    "Colon and Rectal Surgery": 1.8,
    "Sleep Medicine": 1.5,
    "Hand Surgery": 1.5,
    "Breast Imaging": 1.5,
    "Surgical Oncology": 1.5,
    "Bariatric Surgery": 1.2,
    "Reproductive Endocrinology": 1.2,
    "Urogynecology": 1.0,
    "Nuclear Medicine": 0.9,
    "Neuroradiology": 0.6,
    "Headache Medicine": 0.5,
    "Pediatric Otolaryngology": 0.5,
    "Mohs Surgery": 0.4,
    "Endocrine Surgery": 0.4,
}
DEFAULT_SPECIALTY_WEIGHT = 2.0

#: Plausible second specialties (board certifications that go together), with their probability.
SECOND_SPECIALTIES: Mapping[str, tuple[tuple[str, float], ...]] = {
    "Anesthesiology": (("Pain Medicine", 0.12),),
    "Pain Medicine": (("Anesthesiology", 0.45), ("Physical Medicine and Rehabilitation", 0.2)),
    "Physical Medicine and Rehabilitation": (("Pain Medicine", 0.12), ("Sports Medicine", 0.08)),
    "Neurology": (("Headache Medicine", 0.05), ("Sleep Medicine", 0.04)),
    "Headache Medicine": (("Neurology", 0.8),),
    "Diagnostic Radiology": (
        ("Breast Imaging", 0.06),
        ("Neuroradiology", 0.03),
        ("Interventional Radiology", 0.03),
        ("Nuclear Medicine", 0.03),
    ),
    "Neuroradiology": (("Diagnostic Radiology", 0.6),),
    "Interventional Radiology": (("Diagnostic Radiology", 0.5),),
    "Breast Imaging": (("Diagnostic Radiology", 0.6),),
    "Nuclear Medicine": (("Diagnostic Radiology", 0.4),),
    "Dermatology": (("Mohs Surgery", 0.06),),
    "Mohs Surgery": (("Dermatology", 0.9),),
    "Ophthalmology": (("Retina Specialist", 0.06),),
    "Retina Specialist": (("Ophthalmology", 0.6),),
    "Otolaryngology": (("Pediatric Otolaryngology", 0.04), ("Sleep Medicine", 0.03)),
    "Pediatric Otolaryngology": (("Otolaryngology", 0.7),),
    "Orthopaedic Surgery": (("Sports Medicine", 0.12), ("Hand Surgery", 0.06)),
    "Sports Medicine": (
        ("Family Medicine", 0.35),
        ("Orthopaedic Surgery", 0.15),
        ("Physical Medicine and Rehabilitation", 0.1),
    ),
    "Hand Surgery": (("Orthopaedic Surgery", 0.6), ("Plastic Surgery", 0.25)),
    "Plastic Surgery": (("Hand Surgery", 0.05),),
    "Family Medicine": (("Sports Medicine", 0.03),),
    "Cardiovascular Disease": (
        ("Interventional Cardiology", 0.12),
        ("Clinical Cardiac Electrophysiology", 0.05),
    ),
    "Interventional Cardiology": (("Cardiovascular Disease", 0.7),),
    "Clinical Cardiac Electrophysiology": (("Cardiovascular Disease", 0.7),),
    "Pulmonary Disease": (("Sleep Medicine", 0.12),),
    "Sleep Medicine": (("Pulmonary Disease", 0.4), ("Neurology", 0.2)),
    "Obstetrics and Gynecology": (("Urogynecology", 0.03), ("Reproductive Endocrinology", 0.02)),
    "Urogynecology": (("Obstetrics and Gynecology", 0.6), ("Urology", 0.1)),
    "Reproductive Endocrinology": (("Obstetrics and Gynecology", 0.7),),
    "General Surgery": (
        ("Bariatric Surgery", 0.06),
        ("Surgical Oncology", 0.04),
        ("Colon and Rectal Surgery", 0.03),
        ("Endocrine Surgery", 0.02),
    ),
    "Bariatric Surgery": (("General Surgery", 0.8),),
    "Surgical Oncology": (("General Surgery", 0.6),),
    "Endocrine Surgery": (("General Surgery", 0.7), ("Otolaryngology", 0.1)),
    "Colon and Rectal Surgery": (("General Surgery", 0.5),),
    "Vascular Surgery": (("General Surgery", 0.1),),
    "Rheumatology": (("Internal Medicine", 0.15),),
    "Endocrinology": (("Internal Medicine", 0.15),),
    "Nephrology": (("Internal Medicine", 0.15),),
    "Gastroenterology": (("Internal Medicine", 0.1),),
    "Medical Oncology": (("Internal Medicine", 0.1),),
    "Allergy and Immunology": (("Pediatrics", 0.15), ("Internal Medicine", 0.1)),
}

Credentials = tuple[str, ...]
PHYSICIAN: tuple[tuple[Credentials, float], ...] = ((("MD",), 0.86), (("DO",), 0.11), (("MD", "PhD"), 0.03))
DENTIST: tuple[tuple[Credentials, float], ...] = ((("DDS",), 0.55), (("DMD",), 0.45))
#: Degrees by primary specialty; anything not listed is a physician (MD or DO).
CREDENTIALS: Mapping[str, tuple[tuple[Credentials, float], ...]] = {
    "Podiatry": ((("DPM",), 1.0),),
    "Audiology": ((("AuD",), 1.0),),
    "Physical Therapy": ((("DPT",), 0.7), (("PT",), 0.3)),
    "General Dentistry": DENTIST,
    "Endodontics": DENTIST,
    "Periodontics": DENTIST,
    "Oral and Maxillofacial Surgery": DENTIST,
    "Orthodontics": DENTIST,
    "Pediatric Dentistry": DENTIST,
    "Prosthodontics": DENTIST,
}

#: What a practice of that specialty tends to call itself ("Kim Pain & Spine Center", "Austin Dermatology
#: Associates"); unlisted specialties use "<Specialty> Associates" and the like.
CLINIC_NOUNS: Mapping[str, tuple[str, ...]] = {
    "Pain Medicine": ("Pain & Spine Center", "Pain Management", "Spine & Pain Institute"),
    "Anesthesiology": ("Anesthesia & Pain Associates", "Pain & Spine Center", "Surgery Center"),
    "Physical Medicine and Rehabilitation": ("Spine & Rehabilitation", "Physical Medicine Associates"),
    "Dermatology": ("Dermatology Associates", "Skin & Laser Clinic", "Dermatology"),
    "Mohs Surgery": ("Skin Cancer & Mohs Surgery Center", "Dermatologic Surgery"),
    "Family Medicine": ("Family Medicine", "Family Health Center", "Family Practice"),
    "Internal Medicine": ("Internal Medicine", "Primary Care Associates", "Adult Medicine"),
    "Pediatrics": ("Pediatrics", "Children's Clinic", "Pediatric Associates"),
    "Emergency Medicine": ("Urgent & Emergency Care", "Emergency Physicians"),
    "Obstetrics and Gynecology": ("Women's Health", "OB/GYN Associates"),
    "Orthopaedic Surgery": ("Orthopaedics", "Bone & Joint Institute", "Orthopaedic Associates"),
    "Sports Medicine": ("Sports Medicine", "Sports & Orthopaedic Care"),
    "Hand Surgery": ("Hand & Upper Extremity Center", "Hand Surgery"),
    "Cardiovascular Disease": ("Heart & Vascular", "Cardiology Associates"),
    "Interventional Cardiology": ("Heart Institute", "Cardiovascular Associates"),
    "Clinical Cardiac Electrophysiology": ("Heart Rhythm Center", "Cardiac Electrophysiology"),
    "Ophthalmology": ("Eye Center", "Eye Associates", "Vision Institute"),
    "Retina Specialist": ("Retina Consultants", "Retina Center"),
    "Otolaryngology": ("ENT & Allergy", "Ear, Nose & Throat Associates", "Sinus Center"),
    "Pediatric Otolaryngology": ("Pediatric ENT",),
    "Audiology": ("Hearing Center", "Audiology"),
    "Gastroenterology": ("Digestive Health", "Gastroenterology Associates"),
    "General Surgery": ("Surgical Associates", "General Surgery"),
    "Neurology": ("Neurology Associates", "Neurology & Headache Center"),
    "Headache Medicine": ("Headache Center", "Neurology & Headache Center"),
    "Neurosurgery": ("Neurosurgery & Spine", "Brain & Spine Institute"),
    "Psychiatry": ("Behavioral Health", "Psychiatry Associates", "Mind & Mood Clinic"),
    "Podiatry": ("Foot & Ankle Center", "Podiatry Associates"),
    "Physical Therapy": ("Physical Therapy", "Rehab & Movement Clinic"),
    "General Dentistry": ("Family Dentistry", "Dental Care", "Dental Studio"),
    "Endodontics": ("Endodontics", "Root Canal Specialists"),
    "Periodontics": ("Periodontics & Implants", "Gum & Implant Center"),
    "Oral and Maxillofacial Surgery": ("Oral Surgery", "Oral & Facial Surgery Center"),
    "Urology": ("Urology Associates", "Urology Center"),
    "Plastic Surgery": ("Plastic Surgery", "Aesthetic & Reconstructive Surgery"),
    "Diagnostic Radiology": ("Imaging Center", "Radiology Associates"),
    "Interventional Radiology": ("Vascular & Interventional Radiology", "Interventional Imaging"),
    "Neuroradiology": ("Neuroradiology", "Brain & Spine Imaging"),
    "Breast Imaging": ("Breast Imaging Center", "Women's Imaging"),
    "Sleep Medicine": ("Sleep Center", "Sleep Medicine"),
    "Pulmonary Disease": ("Lung & Sleep Center", "Pulmonary Associates"),
}
DEFAULT_CLINIC_NOUNS = ("{} Associates", "{} Clinic", "{} Group")

#: Languages besides English, with relative frequency among providers who speak another one.
LANGUAGES: tuple[tuple[str, float], ...] = (
    ("Spanish", 45),
    ("Chinese", 7),
    ("Hindi", 6),
    ("French", 5),
    ("Vietnamese", 4),
    ("Tagalog", 4),
    ("Arabic", 4),
    ("Russian", 3),
    ("Korean", 3),
    ("Portuguese", 2.5),
    ("Urdu", 2.5),
    ("German", 2),
    ("Gujarati", 2),
    ("Haitian Creole", 1.5),
    ("Persian", 1.5),
    ("Italian", 1.5),
    ("Polish", 1.2),
    ("Japanese", 1),
    ("American Sign Language", 0.8),
)
P_OTHER_LANGUAGE = 0.38
P_THIRD_LANGUAGE = 0.18

#: Invented plan names: they belong to no real insurer.
INSURANCE_NETWORKS: tuple[str, ...] = (
    "Northstar Health PPO",
    "Northstar Health HMO",
    "Cedarline Care HMO",
    "Copperleaf Health EPO",
    "Ashgrove Health PPO",
    "Lumenfield Care PPO",
    "Silverbirch Mutual PPO",
    "Harborlight Health Plan",
    "Brightmeadow HMO",
    "Kestrel Health POS",
    "Orchardvale Care PPO",
    "Quillfield Health EPO",
    "Bramblewood Community Plan",
    "Tallowpine Medicaid Partners",
    "Goldcrest Senior Advantage",
    "Fernhollow Marketplace Silver",
)

SURGICAL_TELEHEALTH = 0.12
TELEHEALTH_RATES: Mapping[str, float] = {
    "Psychiatry": 0.75,
    "Sleep Medicine": 0.6,
    "Endocrinology": 0.55,
    "Neurology": 0.5,
    "Headache Medicine": 0.6,
    "Rheumatology": 0.5,
    "Allergy and Immunology": 0.45,
    "Internal Medicine": 0.5,
    "Family Medicine": 0.5,
    "Pediatrics": 0.4,
    "Physical Therapy": 0.3,
    "Audiology": 0.15,
    "Emergency Medicine": 0.15,
    "Diagnostic Radiology": 0.05,
    "Interventional Radiology": 0.05,
    "Neuroradiology": 0.05,
    "Breast Imaging": 0.05,
    "Nuclear Medicine": 0.05,
    "General Dentistry": 0.05,
    "Endodontics": 0.03,
    "Periodontics": 0.03,
    "Anesthesiology": 0.08,
}
DEFAULT_TELEHEALTH = 0.4
P_ACCEPTING = 0.75

COMMON_STREET_SUFFIXES = (
    "Street",
    "Avenue",
    "Road",
    "Drive",
    "Lane",
    "Boulevard",
    "Way",
    "Court",
    "Place",
    "Parkway",
    "Circle",
    "Trail",
    "Terrace",
    "Highway",
    "Pike",
)
#: Clinics sit within this distance of their ZIP's centre.
ZIP_JITTER_KM = 1.2
MAX_ZIPS_PER_CITY = 250
POOL_SIZES = {"female": 3000, "male": 3000, "nonbinary": 400, "last": 5000, "street": 2000}

# The committed sample: where the demo and tests expect supply.
SAMPLE_CITIES: tuple[str, ...] = ("Boston, MA", "Denver, CO", "Austin, TX", "Chicago, IL", "Seattle, WA")
BLOOD_PATCH = "epidural-blood-patch"
PSORIASIS_PROCEDURES = ("phototherapy-psoriasis", "biologic-therapy-psoriasis")
