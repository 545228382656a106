"""Recording cost: minutes priced by output resolution tier, from the RECORDING_PRICES setting.

The table is a setting (your contract's prices; README "Cost and usage"): a currency and tiers of
(name, most pixels per frame or null for "any larger", price per 1,000 minutes), ordered by size,
with an "Audio" tier for files without video. Estimates at start and the usage page read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth

AUDIO = "Audio"
VIDEO_STREAM_TYPES = {2, 3, 4}
STREAM_TYPES_WITH_AUDIO = {3, 4}  # 1 is audio only, 2 video only
# A single-stream task records each publisher at the resolution they send, unknown at start:
# the estimate spans these common camera sizes.
SINGLE_STREAM_SIZES = ((640, 360), (1920, 1080))


@dataclass(frozen=True)
class Tier:
    name: str
    max_pixels: int | None  # None: anything larger than the tier before
    per_thousand_minutes: Decimal

    def cost(self, minutes: float) -> Decimal:
        return self.per_thousand_minutes * Decimal(str(minutes)) / 1000


@dataclass(frozen=True)
class PriceTable:
    currency: str
    audio: Tier
    video: tuple[Tier, ...]  # smallest first

    def tier_for(self, width: int, height: int) -> Tier:
        if not width or not height:
            return self.audio
        pixels = width * height
        for tier in self.video:
            if tier.max_pixels is None or pixels <= tier.max_pixels:
                return tier
        return self.video[-1]


def price_table() -> PriceTable:
    raw = settings.RECORDING_PRICES
    tiers = [
        Tier(name, None if limit is None else int(limit), Decimal(str(price)))
        for name, limit, price in raw["tiers"]
    ]
    audio = next(tier for tier in tiers if tier.name == AUDIO)
    video = tuple(tier for tier in tiers if tier.name != AUDIO)
    return PriceTable(raw["currency"], audio, video)


def validate_price_table(raw: object) -> list[str]:
    """What is wrong with a RECORDING_PRICES value, in words (empty when it is usable)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("currency"), str):
        return ['RECORDING_PRICES needs {"currency": "...", "tiers": [...]}.']
    tiers = raw.get("tiers")
    if not isinstance(tiers, list) or not tiers:
        return ["RECORDING_PRICES needs a non-empty list of tiers."]
    if not all(isinstance(tier, list | tuple) and len(tier) == 3 for tier in tiers):
        return ["Each tier is [name, most pixels per frame or null, price per 1,000 minutes]."]
    problems = []
    for name, limit, price in tiers:
        if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
            problems.append(f"Tier {name!r}: the price per 1,000 minutes must be a number ≥ 0.")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0
        ):
            problems.append(f"Tier {name!r}: the pixel limit must be a positive whole number.")
    names = [tier[0] for tier in tiers]
    if len(set(names)) != len(names):
        problems.append("Tier names must differ.")
    if AUDIO not in names:
        problems.append(f"RECORDING_PRICES needs an {AUDIO!r} tier.")
    video_limits = [tier[1] for tier in tiers if tier[0] != AUDIO]
    if not video_limits:
        problems.append("RECORDING_PRICES needs at least one video tier.")
    elif None in video_limits[:-1] or video_limits != _ascending(video_limits):
        problems.append(
            "Video tiers go from smallest to largest, with null (any larger) only on the last."
        )
    return problems


def _ascending(limits: list) -> list:
    known = [limit for limit in limits if isinstance(limit, int)]
    return sorted(known) + [limit for limit in limits if not isinstance(limit, int)]


# ---------------------------------------------------------------------------------- Estimate


@dataclass(frozen=True)
class Estimate:
    currency: str
    tiers: tuple[Tier, ...]  # the tier, or the range of tiers single-stream outputs may fall in
    outputs: tuple[int, int]  # how many billed outputs: fewest, most
    planned_minutes: int  # as asked for
    max_minutes: int
    low: Decimal  # the priced minutes, cheapest case
    high: Decimal  # the priced minutes, dearest case
    ceiling: Decimal  # if it runs until MaxRecordTime, dearest case

    @property
    def is_exact(self) -> bool:
        return self.low == self.high

    @property
    def minutes(self) -> int:
        """The minutes priced: MaxRecordTime ends the task before a longer planned length."""
        return min(self.planned_minutes, self.max_minutes)

    @property
    def is_capped(self) -> bool:
        return self.planned_minutes > self.max_minutes

    @property
    def tier_band(self) -> str:
        """The tiers the outputs fall in, e.g. "HD" or "Audio to Full HD (up to 1080p)"."""
        first, last = self.tiers[0].name, self.tiers[-1].name
        return first if first == last else f"{first} to {last}"

    @property
    def counts_audio_only_streams(self) -> bool:
        """A band of video tiers that starts at Audio: for publishers that may send no video."""
        return len(self.tiers) > 1 and self.tiers[0].name == AUDIO


def estimate(
    *,
    mixed: bool,
    stream_type: int,
    width: int,
    height: int,
    streams: int,
    planned_minutes: int,
    max_minutes: int,
) -> Estimate:
    """The cost band of a recording about to start: one mixed output at its resolution, or one
    output per stream (each at a resolution only the publisher knows)."""
    table = price_table()
    tiers = _tiers(table, mixed=mixed, stream_type=stream_type, width=width, height=height)
    outputs = (1, 1) if mixed else (max(streams, 1), max(streams, 1))
    dearest = max(tiers, key=lambda tier: tier.per_thousand_minutes)
    cheapest = min(tiers, key=lambda tier: tier.per_thousand_minutes)
    minutes = min(planned_minutes, max_minutes)
    return Estimate(
        currency=table.currency,
        tiers=tiers,
        outputs=outputs,
        planned_minutes=planned_minutes,
        max_minutes=max_minutes,
        low=cheapest.cost(minutes) * outputs[0],
        high=dearest.cost(minutes) * outputs[1],
        ceiling=dearest.cost(max_minutes) * outputs[1],
    )


def _tiers(table: PriceTable, *, mixed: bool, stream_type: int, width: int, height: int):
    if stream_type not in VIDEO_STREAM_TYPES:
        return (table.audio,)
    if mixed:
        return (table.tier_for(width, height),)
    cameras = tuple(dict.fromkeys(table.tier_for(w, h) for w, h in SINGLE_STREAM_SIZES))
    if stream_type in STREAM_TYPES_WITH_AUDIO:
        # ZEGO's stream list does not say which publishers send audio only (a microphone
        # stream): such a stream's file is audio, so the band starts at the Audio tier.
        return (table.audio, *cameras)
    return cameras


# ------------------------------------------------------------------------------------- Usage


@dataclass
class UsageRow:
    month: object
    minutes: dict[str, float]  # tier name -> minutes
    cost: Decimal

    @property
    def total_minutes(self) -> float:
        return sum(self.minutes.values())


def _tier_rank(table: PriceTable) -> Case:
    """The file's tier as a number in SQL (0 audio, 1.. the video tiers), from its frame size."""
    whens = [When(Q(width=0) | Q(height=0), then=Value(0))]
    for rank, tier in enumerate(table.video, start=1):
        if tier.max_pixels is not None:
            whens.append(When(pixels__lte=tier.max_pixels, then=Value(rank)))
    return Case(*whens, default=Value(len(table.video)), output_field=IntegerField())


def monthly_usage(files: QuerySet) -> tuple[PriceTable, list[UsageRow]]:
    """Recorded minutes per month and tier of `files` (snapshots and lost files left out), priced
    by the table: one aggregate query, whatever the number of files."""
    from django.db.models import F

    table = price_table()
    names = [table.audio.name, *(tier.name for tier in table.video)]
    tiers = {tier.name: tier for tier in (table.audio, *table.video)}
    rows = (
        files.exclude(output_format="jpg")
        .exclude(upload_status=5)
        .annotate(pixels=F("width") * F("height"))
        .annotate(month=TruncMonth("created_at"), rank=_tier_rank(table))
        .values("month", "rank")
        .annotate(milliseconds=Sum("duration_ms"), files=Count("id"))
        .order_by("-month", "rank")
    )
    months: dict = {}
    for row in rows:
        usage = months.setdefault(row["month"], UsageRow(row["month"], {}, Decimal(0)))
        name = names[row["rank"]]
        minutes = (row["milliseconds"] or 0) / 60_000
        usage.minutes[name] = usage.minutes.get(name, 0) + minutes
        usage.cost += tiers[name].cost(minutes)
    return table, list(months.values())
