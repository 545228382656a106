from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import capability_required
from policies import services
from policies.forms import PolicyForm
from policies.models import PolicyStart, RecordingPolicy


def _policy_for(pk: int) -> RecordingPolicy:
    return get_object_or_404(RecordingPolicy.objects.select_related("app", "room", "preset"), pk=pk)


@require_GET
@capability_required("manage_apps")
def policy_list(request):
    policies = RecordingPolicy.objects.select_related("app", "room", "preset").annotate(
        start_count=Count("starts")
    )
    recent = PolicyStart.objects.select_related("task__room")[:20]
    return render(request, "policies/policy_list.html", {"policies": policies, "recent": recent})


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def policy_create(request):
    return _policy_form(request, RecordingPolicy())


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def policy_edit(request, pk: int):
    return _policy_form(request, _policy_for(pk))


def _policy_form(request, policy: RecordingPolicy):
    creating = policy.pk is None
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        policy = services.policy_save(form=form, request=request)
        messages.success(request, f"Saved the policy “{policy}”.")
        return redirect("policies:list")
    context = {"form": form, "policy": policy, "creating": creating}
    return render(request, "policies/policy_form.html", context)


# The form says which state it wants: a repeated or stale click then cannot flip it back.
WANTED_STATES = {"on": True, "off": False}


@require_POST
@capability_required("manage_apps")
def policy_toggle(request, pk: int):
    policy = _policy_for(pk)
    wanted = WANTED_STATES.get(request.POST.get("enabled", ""))
    if wanted is None:
        return HttpResponseBadRequest("Say which state you want: enabled=on or enabled=off.")
    state = "on" if wanted else "off"
    if policy.enabled == wanted:
        messages.info(request, f"The policy “{policy}” was already {state}.")
    else:
        services.policy_set_enabled(policy=policy, enabled=wanted, request=request)
        messages.success(request, f"Turned the policy “{policy}” {state}.")
    return redirect("policies:list")


@require_POST
@capability_required("manage_apps")
def policy_delete(request, pk: int):
    policy = _policy_for(pk)
    name = str(policy)
    services.policy_delete(policy=policy, request=request)
    messages.success(
        request, f"Deleted the policy “{name}”. Recordings it started run on until stopped."
    )
    return redirect("policies:list")
