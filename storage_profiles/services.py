"""Storage profile operations that touch several things at once (DB, audit, the task queue)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit
from accounts.models import AuditEntry
from storage_profiles.models import ProbeRun, StorageProfile, Vendor
from storage_profiles.probe import origin_of, planned_steps, run_probe

logger = logging.getLogger(__name__)


class ProfileInUse(Exception):
    """The profile cannot be deleted now; the message says why."""


# --- ZEGO ---------------------------------------------------------------------------------------


def storage_params_for(profile: StorageProfile) -> dict[str, Any]:
    """The spec's StartRecord `StorageParams` (§3.1.10) for this profile. Holds the secret."""
    vendor = Vendor(profile.vendor)
    if vendor == Vendor.ALIBABA_VOD:
        # As in ZEGO's own example: top-level fields empty, everything in the VOD object.
        return {
            "Vendor": int(vendor),
            "Region": "",
            "Bucket": "",
            "AccessKeyId": "",
            "AccessKeySecret": "",
            "AlibabaCloudVodParams": {
                "Region": profile.region,
                "AccessKeyId": profile.access_key_id,
                "AccessKeySecret": profile.secret,
                "Title": profile.extras.get("Title", ""),
                "StorageLocation": profile.extras.get("StorageLocation", ""),
            },
        }
    if vendor == Vendor.TENCENT_VOD:
        vod = {
            "SecretId": profile.access_key_id,
            "SecretKey": profile.secret,
            "Region": profile.region,
        }
        if profile.extras.get("SubAppId"):
            vod["SubAppId"] = int(profile.extras["SubAppId"])
        return {"Vendor": int(vendor), "TencentCloudVodParams": vod}
    params: dict[str, Any] = {"Vendor": int(vendor)}
    if vendor != Vendor.GOOGLE_CLOUD_STORAGE:  # GCS buckets are global: ZEGO takes no Region
        params["Region"] = profile.region
    params |= {
        "Bucket": profile.bucket,
        "AccessKeyId": profile.access_key_id,
        "AccessKeySecret": profile.secret,
    }
    if vendor == Vendor.S3_COMPATIBLE:
        params["EndPoint"] = profile.endpoint
    return params


# --- changes ------------------------------------------------------------------------------------


def storage_profile_save(*, form, request: HttpRequest, action: str, **detail) -> StorageProfile:
    """Save a valid StorageProfileForm; `action` is create, update or duplicate."""
    with transaction.atomic():
        if form.cleaned_data.get("is_default"):
            StorageProfile.objects.filter(is_default=True).exclude(pk=form.instance.pk).update(
                is_default=False
            )
        profile = form.save()
        audit(
            action=f"storage_profile.{action}",
            request=request,
            obj=profile,
            vendor=profile.get_vendor_display(),
            changed=[name for name in form.changed_data if name != "secret"],
            credentials_replaced="secret" in form.changed_data,
            **detail,
        )
    return profile


def storage_profile_duplicate(source: StorageProfile) -> StorageProfile:
    """An unsaved copy (keys included) for the duplicate form; never the default."""
    copy = StorageProfile(
        name=_free_name(f"Copy of {source.name}"),
        vendor=source.vendor,
        region=source.region,
        bucket=source.bucket,
        endpoint=source.endpoint,
        access_key_id=source.access_key_id,
        secret=source.secret,
        path_prefix=source.path_prefix,
        extras=dict(source.extras),
        notes=source.notes,
    )
    return copy


def _free_name(base: str) -> str:
    name, number = base[:100], 2
    while StorageProfile.objects.filter(name=name).exists():
        name = f"{base[:95]} ({number})"
        number += 1
    return name


def profile_in_use(profile: StorageProfile) -> bool:
    """Whether a running recording task uses the profile (see StorageProfile.in_use_by_running_tasks)."""
    return profile.in_use_by_running_tasks()


def in_use_message(profile: StorageProfile) -> str:
    return (
        f"“{profile.name}” is used by a recording that is still running or uploading. "
        "Delete it once that recording has ended."
    )


def storage_profile_delete(*, profile: StorageProfile, request: HttpRequest) -> None:
    """Delete the profile, or raise ProfileInUse (and audit the refusal)."""
    if profile_in_use(profile):
        _refuse_delete(profile, request, "in use by a running recording")
        raise ProfileInUse(in_use_message(profile))
    try:
        with transaction.atomic():
            audit(action="storage_profile.delete", request=request, obj=profile)
            profile.delete()
    except (ProtectedError, RestrictedError) as error:
        count = len(getattr(error, "protected_objects", None) or error.restricted_objects)
        _refuse_delete(profile, request, f"referenced by {count} recording(s)")
        raise ProfileInUse(
            f"“{profile.name}” is still referenced by {count} recording(s), which need it to "
            "find their files. It cannot be deleted."
        ) from error


def _refuse_delete(profile: StorageProfile, request: HttpRequest, reason: str) -> None:
    audit(
        action="storage_profile.delete",
        request=request,
        obj=profile,
        outcome=AuditEntry.Outcome.DENIED,
        reason=reason,
    )


# --- probe --------------------------------------------------------------------------------------


def storage_probe_start(*, profile: StorageProfile, request: HttpRequest) -> ProbeRun:
    """Queue a probe of the profile (or return the one already running) for the worker."""
    from storage_profiles.tasks import probe_storage_profile

    running = profile.last_probe
    if running is not None and running.is_running:
        return running
    with transaction.atomic():
        run = ProbeRun.objects.create(
            profile=profile,
            steps=planned_steps(),
            origin=origin_of(settings.SITE_URL),
            requested_by=request.user,
            requested_by_label=request.user.get_username(),
        )
        profile.last_probe = run
        profile.save(update_fields=["last_probe"])
        audit(action="storage_profile.probe", request=request, obj=profile, probe_run=run.pk)
    # Enqueued after the commit so a worker in another process can see the run.
    try:
        probe_storage_profile.enqueue(run.pk)
    except Exception:
        logger.exception("could not queue the probe of storage profile %s", profile.pk)
        _finish(run, ProbeRun.Status.FAILED, _crashed_steps(run, "The probe could not be queued."))
    run.refresh_from_db()
    return run


def storage_probe_execute(run_id: int) -> str:
    """Run a queued probe, saving each step as it completes so the page can show progress."""
    run = ProbeRun.objects.select_related("profile", "requested_by").filter(pk=run_id).first()
    if run is None:
        return "gone"  # the profile was deleted while the probe waited

    def save_progress(steps: list[dict]) -> None:
        ProbeRun.objects.filter(pk=run.pk).update(steps=steps)

    try:
        outcome = run_probe(run.profile, origin=run.origin, report=save_progress)
    except Exception:
        logger.exception("the probe of storage profile %s crashed", run.profile_id)
        _finish(
            run, ProbeRun.Status.FAILED, _crashed_steps(run, "The probe crashed (see the log).")
        )
        raise
    _finish(run, outcome.status, outcome.steps, outcome.not_checked, outcome.endpoint)
    audit(
        action="storage_profile.probe_result",
        actor=run.requested_by,
        actor_label=run.requested_by_label,
        obj=run.profile,
        outcome=AuditEntry.Outcome.FAILED
        if outcome.status == ProbeRun.Status.FAILED
        else AuditEntry.Outcome.OK,
        status=outcome.status,
        failed_steps=[step["key"] for step in outcome.steps if step["status"] == "failed"],
    )
    return outcome.status


def _finish(run: ProbeRun, status: str, steps, not_checked=(), endpoint: str = "") -> None:
    ProbeRun.objects.filter(pk=run.pk).update(
        status=status,
        steps=steps,
        not_checked=list(not_checked),
        endpoint=endpoint,
        finished_at=timezone.now(),
    )


def _crashed_steps(run: ProbeRun, reason: str) -> list[dict]:
    steps = ProbeRun.objects.get(pk=run.pk).steps or planned_steps()
    for step in steps:
        if step["status"] in ("pending", "running"):
            step.update(
                status="failed" if step["status"] == "running" else "skipped", detail=reason
            )
    if not any(step["status"] == "failed" for step in steps):
        steps[0].update(status="failed", detail=reason)
    return steps
