"""`{% start_layout_editor form room %}`: the layout editor inside the start form."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("recordings/layout_editor_widget.html")
def start_layout_editor(form, room) -> dict:
    from recordings.layout_views import start_editor_config

    return {
        "editor_config": start_editor_config(form, room),
        "editor_mode": "start",
        "form": form,
    }
