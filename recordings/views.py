from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import capability_required
from accounts.audit import audit
from recordings.forms import ZegoAppForm
from recordings.models import ZegoApp


@require_GET
@capability_required("manage_apps")
def app_list(request):
    return render(request, "recordings/app_list.html", {"apps": ZegoApp.objects.all()})


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def app_create(request):
    return _app_form(request, ZegoApp())


@require_http_methods(["GET", "POST"])
@capability_required("manage_apps")
def app_edit(request, pk: int):
    return _app_form(request, get_object_or_404(ZegoApp, pk=pk))


def _app_form(request, app: ZegoApp):
    creating = app.pk is None
    form = ZegoAppForm(request.POST or None, instance=app)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            app = form.save()
            audit(
                action="zego_app.create" if creating else "zego_app.update",
                request=request,
                obj=app,
                changed=form.changed_data,
            )
        messages.success(request, f"Saved {app}.")
        return redirect("recordings:app_list")
    return render(
        request, "recordings/app_form.html", {"form": form, "app": app, "creating": creating}
    )
