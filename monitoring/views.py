from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from prometheus_client import CONTENT_TYPE_LATEST

from accounts.access import capability_required, has_capability
from core.htmx import template_for
from monitoring import metrics as prometheus_metrics
from monitoring import services
from monitoring.forms import AlertFilterForm, AlertRuleForm
from monitoring.models import Alert, AlertRule

# ------------------------------------------------------------------------------------ alerts


@require_GET
@capability_required("view_alerts")
def alert_list(request):
    form = AlertFilterForm(request.GET)
    alerts = Alert.objects.select_related("app")
    page = form.page(form.filter(alerts)) if form.is_valid() else None
    context = {
        "form": form,
        "page": page,
        "may_manage_rules": has_capability(request.user, "manage_apps"),
    }
    return render(request, template_for(request, "monitoring/alert_list.html", "results"), context)


# ------------------------------------------------------------------------------------ rules


@require_GET
@capability_required("manage_apps")
def rule_list(request):
    rules = AlertRule.objects.select_related("app", "storage_profile")
    context = {"rules": rules, "interval": f"{settings.ALERTS_INTERVAL:g}"}
    return render(request, "monitoring/rule_list.html", context)


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def rule_create(request):
    return _rule_form(request, AlertRule())


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def rule_edit(request, pk: int):
    return _rule_form(request, get_object_or_404(AlertRule.objects.select_related("app"), pk=pk))


def _rule_form(request, rule: AlertRule):
    creating = rule.pk is None
    form = AlertRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        rule = services.alert_rule_save(form=form, request=request)
        messages.success(request, f"Saved the alert rule “{rule}”.")
        return redirect("monitoring:rule_list")
    context = {"form": form, "rule": rule, "creating": creating}
    return render(request, "monitoring/rule_form.html", context)


@require_POST
@capability_required("manage_apps")
def rule_delete(request, pk: int):
    rule = get_object_or_404(AlertRule.objects.select_related("app"), pk=pk)
    name = str(rule)
    services.alert_rule_delete(rule=rule, request=request)
    messages.success(request, f"Deleted the alert rule “{name}”; its alerts stay in the history.")
    return redirect("monitoring:rule_list")


@require_POST
@capability_required("manage_apps")
def rule_test(request, pk: int):
    rule = get_object_or_404(AlertRule.objects.select_related("app"), pk=pk)
    for result in services.alert_rule_send_test(rule=rule, request=request):
        if result.error:
            messages.error(request, f"Test {result.channel} for “{rule}” failed: {result.error}")
        else:
            messages.success(request, f"Test {result.channel} for “{rule}” sent.")
    return redirect("monitoring:rule_list")


# ------------------------------------------------------------------------------------ metrics


@require_GET
def metrics(request):
    """Prometheus scrape target. Not a page for people: a bearer token, not a login, guards it."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off: set METRICS_TOKEN to turn them on.")
    if not _bearer_matches(request, token):
        response = HttpResponse("A valid bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(prometheus_metrics.render(), content_type=CONTENT_TYPE_LATEST)


def _bearer_matches(request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
