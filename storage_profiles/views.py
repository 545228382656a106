from __future__ import annotations

import functools

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import capability_required
from core.htmx import is_partial, template_for
from storage_profiles import services
from storage_profiles.forms import DEFAULT_VENDOR, StorageProfileForm, VendorChoiceForm
from storage_profiles.models import StorageProfile
from storage_profiles.s3 import effective_endpoint

# htmx stops polling an element when its request is answered with this status.
STOP_POLLING = 286


class AlwaysSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Cleanses even with DEBUG on: `make run` is DEBUG, and secrets stay secret there too."""

    def is_active(self, request) -> bool:
        return True


def hide_secret_from_error_pages(view):
    @functools.wraps(view)
    @sensitive_post_parameters("secret")
    def wrapped(request, *args, **kwargs):
        request.exception_reporter_filter = AlwaysSafeExceptionReporterFilter()
        return view(request, *args, **kwargs)

    return wrapped


def _get_profile(pk: int) -> StorageProfile:
    """The one access helper: capability_required has already checked who may see profiles."""
    return get_object_or_404(StorageProfile.objects.select_related("last_probe"), pk=pk)


@require_GET
@capability_required("manage_storage")
def profile_list(request):
    # The list never shows secrets, so it does not load (and decrypt) them.
    profiles = StorageProfile.objects.select_related("last_probe").defer("secret")
    return render(request, "storage_profiles/list.html", {"profiles": profiles})


@require_http_methods(["GET", "POST"])
@capability_required("manage_storage")
@hide_secret_from_error_pages
def profile_create(request):
    return _profile_form(request, StorageProfile(), action="create")


@require_http_methods(["GET", "POST"])
@capability_required("manage_storage")
@hide_secret_from_error_pages
def profile_edit(request, pk: int):
    return _profile_form(request, _get_profile(pk), action="update")


@require_http_methods(["GET", "POST"])
@capability_required("manage_storage")
@hide_secret_from_error_pages
def profile_duplicate(request, pk: int):
    source = _get_profile(pk)
    copy = services.storage_profile_duplicate(source)
    return _profile_form(request, copy, action="duplicate", source=source)


def _profile_form(request, profile: StorageProfile, *, action: str, source=None):
    data = request.POST if request.method == "POST" else None
    vendor = VendorChoiceForm.chosen(data or request.GET, profile.vendor or DEFAULT_VENDOR)
    form = StorageProfileForm(data, instance=profile, vendor=vendor, switch_url=request.path)
    if form.is_valid():
        extra = {"source_id": source.pk} if source else {}
        profile = services.storage_profile_save(form=form, request=request, action=action, **extra)
        messages.success(request, f"Saved “{profile.name}”. Probe it to check that it works.")
        return _redirect(request, reverse("storage_profiles:detail", args=[profile.pk]))
    context = {
        "form": form,
        "profile": profile,
        "source": source,
        "title": _form_title(profile, action, source),
        "cancel_url": reverse("storage_profiles:detail", args=[(source or profile).pk])
        if (source or profile).pk
        else reverse("storage_profiles:list"),
    }
    return render(request, template_for(request, "storage_profiles/form.html", "form"), context)


def _form_title(profile: StorageProfile, action: str, source) -> str:
    if action == "create":
        return "Add storage profile"
    if action == "duplicate":
        return f"Duplicate “{source.name}”"
    return f"Edit “{profile.name}”"


@require_GET
@capability_required("manage_storage")
def profile_detail(request, pk: int):
    return _detail(request, _get_profile(pk))


@require_http_methods(["GET", "POST"])
@capability_required("manage_storage")
def profile_probe(request, pk: int):
    """POST starts a probe; GET (the page's poll) shows the latest one."""
    profile = _get_profile(pk)
    if request.method == "POST":
        profile.last_probe = services.storage_probe_start(profile=profile, request=request)
    return _detail(request, profile)


def _detail(request, profile: StorageProfile):
    run = profile.last_probe
    template = template_for(request, "storage_profiles/detail.html", "probe")
    context = {"profile": profile, "run": run, "endpoint": effective_endpoint(profile)}
    response = render(request, template, context)
    if is_partial(request) and request.method == "GET" and not (run and run.is_running):
        response.status_code = STOP_POLLING
    return response


@require_http_methods(["GET", "POST"])
@capability_required("manage_storage")
def profile_delete(request, pk: int):
    profile = _get_profile(pk)
    if request.method == "POST":
        try:
            services.storage_profile_delete(profile=profile, request=request)
        except services.ProfileInUse as error:
            return _delete_page(request, profile, str(error), status=409)
        messages.success(request, f"Deleted “{profile.name}”.")
        return _redirect(request, reverse("storage_profiles:list"))
    in_use = services.profile_in_use(profile)
    return _delete_page(request, profile, services.in_use_message(profile) if in_use else "")


def _delete_page(request, profile: StorageProfile, refusal: str, status: int = 200):
    context = {"profile": profile, "refusal": refusal}
    return render(request, "storage_profiles/delete.html", context, status=status)


def _redirect(request, url: str):
    if is_partial(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)
