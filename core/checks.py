"""Deployment checks (`manage.py check --deploy`) for settings that have no production default."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def required_secrets(app_configs, **kwargs):
    errors = []
    if not settings._wrapped.SECRET_KEY:  # settings.SECRET_KEY itself raises when empty
        errors.append(
            Error(
                "SECRET_KEY is not set.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE).",
                id="recdesk.E001",
            )
        )
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEYS is not set: stored secrets cannot be encrypted or read.",
                hint="Set FIELD_ENCRYPTION_KEYS to one or more Fernet keys (see .env.example).",
                id="recdesk.E002",
            )
        )
    return errors


@register()
def recording_prices(app_configs, **kwargs):
    from recordings.pricing import validate_price_table

    return [
        Error(problem, hint="See README, Cost and usage.", id="recdesk.E003")
        for problem in validate_price_table(settings.RECORDING_PRICES)
    ]


@register()
def webhook_networks(app_configs, **kwargs):
    import ipaddress

    errors = []
    for network in settings.WEBHOOK_ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(network.strip(), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"WEBHOOK_ALLOWED_NETWORKS: {network!r} is not a network.",
                    hint="Use CIDR notation, e.g. 10.20.0.0/16 or fd00::/8.",
                    id="recdesk.E004",
                )
            )
    return errors
