"""The "API tokens" page: each user makes, sees and revokes their own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api import tokens
from api.forms import TokenCreateForm
from api.models import ApiToken
from core import crypto

# The token just made, for the one page view that shows it: encrypted in the session (the raw
# value is stored nowhere else, and never goes in a URL), taken out as it is shown.
NEW_TOKEN = "api_new_token"


@require_http_methods(["GET", "POST"])
@never_cache  # the page after a create shows a token, once: no cache may keep it
@login_required
def token_list(request):
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = tokens.token_create(
            user=request.user, name=form.cleaned_data["name"], request=request
        )
        request.session[NEW_TOKEN] = {"pk": created.token.pk, "raw": crypto.encrypt(created.raw)}
        return redirect("api:tokens")  # so reloading the page shows it instead of making another
    context = {
        "form": form,
        "created": _pop_new_token(request),
        "tokens": request.user.api_tokens.all(),
    }
    return render(request, "api/tokens.html", context)


def _pop_new_token(request) -> tokens.NewToken | None:
    kept = request.session.pop(NEW_TOKEN, None)
    token = kept and request.user.api_tokens.filter(pk=kept["pk"]).first()
    return tokens.NewToken(token=token, raw=crypto.decrypt(kept["raw"])) if token else None


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.token_revoke(token=token, user=request.user, request=request)
    messages.success(request, f"Revoked {token.prefix}… ({token.name}). It no longer works.")
    return redirect("api:tokens")
