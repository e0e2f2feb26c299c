"""Words for people on the pages: directions and times, in Vietnamese or English (figures and flags come from
their one definitions, re-exported here for the templates)."""

from __future__ import annotations

import math
from datetime import datetime

from service.common.clock import VIETNAM

# Re-exported for the templates (`w.number`, `w.flag_badge`, ...); each defined once where it belongs.
from service.common.figures import distance as distance
from service.common.figures import number as number
from service.visits.flag_texts import flag_badge as flag_badge
from service.visits.flag_texts import flag_explanation as flag_explanation
from service.visits.flag_texts import flag_name as flag_name

_COMPASS = {
    "vi": ["Bắc", "Đông Bắc", "Đông", "Đông Nam", "Nam", "Tây Nam", "Tây", "Tây Bắc"],
    "en": ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"],
}


def bearing_deg(origin: tuple[float, float], target: tuple[float, float]) -> float:
    """Initial bearing from origin to target, degrees clockwise from north."""
    lat1, lat2 = math.radians(origin[0]), math.radians(target[0])
    dlon = math.radians(target[1] - origin[1])
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def compass(degrees: float, lang: str) -> str:
    return _COMPASS[lang][int((degrees + 22.5) // 45) % 8]


def local_time(moment: datetime | None, lang: str = "vi") -> str:
    if moment is None:
        return "—"
    here = moment.astimezone(VIETNAM)
    return here.strftime("%d/%m/%Y %H:%M") if lang == "vi" else here.strftime("%Y-%m-%d %H:%M")
