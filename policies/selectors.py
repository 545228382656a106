from __future__ import annotations

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from policies.models import RecordingPolicy
from recordings.models import ZegoApp


def with_policy_name(rooms: QuerySet, app: ZegoApp) -> QuerySet:
    """Annotate each room with `policy_name`: the enabled policy that records it, if any."""
    own = RecordingPolicy.objects.filter(room=OuterRef("pk"), enabled=True).values("name")[:1]
    app_wide = (
        RecordingPolicy.objects.filter(app=app, room__isnull=True, enabled=True)
        .values_list("name", flat=True)
        .first()
    )
    return rooms.annotate(
        policy_name=Coalesce(Subquery(own), Value(app_wide, output_field=CharField()))
    )
