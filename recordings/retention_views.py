"""Per app: retention (report, settings, runs) and legal holds on tasks; usage and its cost."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import capability_required
from accounts.audit import audit
from recordings import pricing, retention, tasks
from recordings.forms import LegalHoldForm, RetentionForm, UsageForm
from recordings.models import RecordingFile, RecordingTask, ZegoApp

PREVIEW, SAVE, RUN = "preview", "save", "run"


def days_text(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def retention_page(request, app_pk: int):
    app = get_object_or_404(ZegoApp, pk=app_pk)
    saved_days = app.retention_days  # the form writes typed (maybe unsaved) days onto `app`
    action = request.POST.get("action", PREVIEW)
    if request.method == "POST" and action == RUN:
        return _run_now(request, app)
    form = RetentionForm(request.POST or None, instance=app)
    if request.method == "POST" and action == SAVE and form.is_valid():
        form.save()
        audit(action="retention.settings", request=request, obj=app, changed=form.changed_data)
        messages.success(request, "Retention settings saved.")
        return redirect("recordings:retention", app_pk=app.pk)
    days = _days_to_report(form, app)
    context = {
        "app": app,
        "saved_days": saved_days,
        "form": form,
        "report": retention.report(app, days) if days else None,
        "runs": app.retention_runs.all()[:10],
    }
    return render(request, "recordings/retention.html", context)


def _days_to_report(form: RetentionForm, app: ZegoApp) -> int | None:
    """The days typed in (a preview of an unsaved change), else the saved ones."""
    if form.is_bound:
        return form.cleaned_data.get("retention_days") if form.is_valid() else None
    return app.retention_days


def _run_now(request, app: ZegoApp):
    """Run with the saved period — and only if it is the one the person saw on the button."""
    shown = request.POST.get("days", "")
    if not app.retention_days:
        messages.error(request, "Save a retention period before running it.")
    elif shown != str(app.retention_days):
        messages.error(
            request,
            f"The saved period is now {days_text(app.retention_days)}; check the report and run "
            "again.",
        )
    else:
        tasks.apply_retention.enqueue(app.pk, scheduled=False, user_pk=request.user.pk)
        audit(action="retention.run_requested", request=request, obj=app, days=app.retention_days)
        messages.success(
            request,
            f"Retention run started: files recorded more than {days_text(app.retention_days)} ago "
            "are being deleted. Its outcome appears below.",
        )
    return redirect("recordings:retention", app_pk=app.pk)


@require_POST
@capability_required("manage_apps")
def legal_hold(request, pk: int):
    task = get_object_or_404(RecordingTask, pk=pk)
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        held = form.cleaned_data["held"]
        retention.set_legal_hold(
            task, held=held, reason=form.cleaned_data["reason"].strip(), user=request.user
        )
        messages.success(
            request, "Legal hold set: retention keeps these files." if held else "Hold released."
        )
    else:
        messages.error(request, " ".join(form.errors.get("reason", ["Invalid request."])))
    return redirect("recordings:task_detail", pk=task.pk)


@require_GET
@capability_required("view_recordings")
def usage(request):
    form = UsageForm(request.GET or None)
    app = form.cleaned_data["app"] if form.is_valid() else None
    app = app or ZegoApp.objects.filter(is_active=True).first()
    if app is None:
        return render(request, "recordings/usage.html", {"form": form, "app": None})
    table, months = pricing.monthly_usage(RecordingFile.objects.filter(app=app))
    tiers = [table.audio, *table.video]
    names = [tier.name for tier in tiers]
    totals = _totals(months, tiers)
    context = {
        "form": form,
        "app": app,
        "table": table,
        "tiers": tiers,
        "rows": [(row, [row.minutes.get(name, 0) for name in names]) for row in months],
        "totals": (totals, [totals.minutes[name] for name in names]),
    }
    return render(request, "recordings/usage.html", context)


def _totals(months: list[pricing.UsageRow], tiers: list[pricing.Tier]) -> pricing.UsageRow:
    minutes = {tier.name: sum(row.minutes.get(tier.name, 0) for row in months) for tier in tiers}
    return pricing.UsageRow(None, minutes, sum((row.cost for row in months), Decimal(0)))
