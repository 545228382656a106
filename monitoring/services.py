"""Alert rules, evaluation and delivery. Views and the worker call these."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit
from accounts.models import AuditEntry
from monitoring.callcounts import fold_old_buckets
from monitoring.conditions import Finding, findings_for
from monitoring.delivery import DeliveryError, send_email, send_webhook
from monitoring.models import Alert, AlertRule

logger = logging.getLogger(__name__)
State = Alert.State

# How long one delivery attempt holds an alert, so an overlapping evaluation does not send it twice.
DELIVERY_CLAIM = timedelta(minutes=2)
MAX_RETRY_DELAY = timedelta(hours=1)
DELIVERIES_PER_PASS = 100


@dataclass
class EvaluationReport:
    rules: int = 0
    opened: int = 0
    cleared: int = 0
    delivered: int = 0
    delivery_failures: int = 0
    errors: int = 0


# ---------------------------------------------------------------------------------- evaluation


def alerts_evaluate(now: datetime | None = None) -> EvaluationReport:
    """One pass: open alerts for new conditions, clear the ones gone, deliver what is due."""
    now = now or timezone.now()
    report = EvaluationReport()
    rules = AlertRule.objects.filter(enabled=True, app__is_active=True).select_related(
        "app", "storage_profile"
    )
    for rule in rules:
        report.rules += 1
        try:
            _evaluate_rule(rule, now, report)
        except Exception:
            # One broken rule (a bad profile, a database hiccup) must not silence the others.
            logger.exception("alert rule %s could not be evaluated", rule.pk)
            report.errors += 1
    report.cleared += _clear_unwatched(now)
    alerts_deliver_due(now, report)
    fold_old_buckets(now)
    return report


def _evaluate_rule(rule: AlertRule, now: datetime, report: EvaluationReport) -> None:
    findings = {finding.subject: finding for finding in findings_for(rule, now)}
    open_alerts = {alert.subject: alert for alert in rule.alerts.filter(state=State.OPEN)}
    for subject, finding in findings.items():
        if subject not in open_alerts and _open_alert(rule, finding, now):
            report.opened += 1
    gone = [alert.pk for subject, alert in open_alerts.items() if subject not in findings]
    if gone:
        report.cleared += Alert.objects.filter(pk__in=gone, state=State.OPEN).update(
            state=State.CLEARED, cleared_at=now
        )


def _open_alert(rule: AlertRule, finding: Finding, now: datetime) -> bool:
    try:
        with transaction.atomic():
            Alert.objects.create(
                rule=rule,
                app=rule.app,
                kind=rule.kind,
                subject=finding.subject,
                title=finding.title[:200],
                message=finding.message,
                link=finding.link,
                opened_at=now,
                next_delivery_at=now,
            )
    except IntegrityError:
        return False  # an overlapping pass opened it first
    return True


def _clear_unwatched(now: datetime) -> int:
    """Open alerts whose rule is disabled or whose app was deactivated are no longer watched."""
    return Alert.objects.filter(
        Q(rule__enabled=False) | Q(app__is_active=False), state=State.OPEN
    ).update(state=State.CLEARED, cleared_at=now)


# ---------------------------------------------------------------------------------- delivery


def alerts_deliver_due(now: datetime, report: EvaluationReport) -> None:
    due = Alert.objects.filter(
        delivered_at__isnull=True, next_delivery_at__lte=now, rule__isnull=False
    ).select_related("rule", "app")[:DELIVERIES_PER_PASS]
    for alert in due:
        if not _claim(alert, now):
            continue
        if alert_deliver(alert, now):
            report.delivered += 1
        else:
            report.delivery_failures += 1


def _claim(alert: Alert, now: datetime) -> bool:
    claimed = Alert.objects.filter(pk=alert.pk, next_delivery_at=alert.next_delivery_at).update(
        next_delivery_at=now + DELIVERY_CLAIM
    )
    return bool(claimed)


def alert_deliver(alert: Alert, now: datetime) -> bool:
    """Send the alert on every channel that has not taken it yet; remember failures and retry."""
    rule = alert.rule
    subject, text = alert_subject(alert), alert_text(alert)
    errors = []
    if rule.email_recipients and alert.email_sent_at is None:
        if error := _attempt(lambda: send_email(rule.email_recipients, subject, text)):
            errors.append(error)
        else:
            alert.email_sent_at = now
    if rule.webhook_url and alert.webhook_sent_at is None:
        if error := _attempt(lambda: send_webhook(rule.webhook_url, rule.webhook_secret, text)):
            errors.append(error)
        else:
            alert.webhook_sent_at = now
    alert.delivery_attempts += 1
    alert.delivery_error = " ".join(errors)[:500]
    alert.delivered_at = None if errors else now
    alert.next_delivery_at = now + retry_delay(alert.delivery_attempts) if errors else None
    alert.save(
        update_fields=[
            "email_sent_at",
            "webhook_sent_at",
            "delivery_attempts",
            "delivery_error",
            "delivered_at",
            "next_delivery_at",
        ]
    )
    return not errors


def _attempt(send) -> str:
    """Run one channel's send; the failure in words, or "" when it worked."""
    try:
        send()
    except DeliveryError as error:
        return str(error)
    except Exception as error:
        logger.exception("alert delivery crashed")
        return f"Delivery failed unexpectedly ({type(error).__name__}); see the log."
    return ""


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, at most an hour: a receiver that is down for a day still gets it."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 10)), MAX_RETRY_DELAY)


def alert_subject(alert: Alert) -> str:
    return f"[Recdesk] {alert.title}"


def alert_text(alert: Alert) -> str:
    lines = [alert.title, "", alert.message]
    if alert.link:
        lines += ["", f"{settings.SITE_URL.rstrip('/')}{alert.link}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- rules


def alert_rule_save(*, form, request) -> AlertRule:
    creating = form.instance.pk is None
    with transaction.atomic():
        rule = form.save(commit=False)
        if creating:
            rule.created_by = request.user
        rule.save()
        if not creating and {"app", "kind"} & set(form.changed_data):
            # What the open alerts were about is no longer what this rule watches.
            rule.alerts.filter(state=State.OPEN).update(
                state=State.CLEARED, cleared_at=timezone.now()
            )
        audit(
            action="alert_rule.create" if creating else "alert_rule.update",
            request=request,
            obj=rule,
            app=rule.app.app_id,
            kind=rule.kind,
            enabled=rule.enabled,
            changed=form.changed_data,
        )
    return rule


def alert_rule_delete(*, rule: AlertRule, request) -> None:
    with transaction.atomic():
        rule.alerts.filter(state=State.OPEN).update(state=State.CLEARED, cleared_at=timezone.now())
        audit(
            action="alert_rule.delete",
            request=request,
            obj=rule,
            app=rule.app.app_id,
            kind=rule.kind,
        )
        rule.delete()


@dataclass
class ChannelResult:
    channel: str
    error: str = ""


def alert_rule_send_test(*, rule: AlertRule, request) -> list[ChannelResult]:
    """Send a test message on each of the rule's channels now; records nothing but the audit."""
    subject = f"[Recdesk] Test of the alert “{rule}”"
    text = (
        f"Test alert from Recdesk, sent by {request.user.get_username()}: the rule "
        f"“{rule}” can reach you here."
    )
    results = []
    if rule.email_recipients:
        results.append(
            ChannelResult(
                "email", _attempt(lambda: send_email(rule.email_recipients, subject, text))
            )
        )
    if rule.webhook_url:
        results.append(
            ChannelResult(
                "webhook",
                _attempt(lambda: send_webhook(rule.webhook_url, rule.webhook_secret, text)),
            )
        )
    failed = [result for result in results if result.error]
    audit(
        action="alert_rule.test",
        request=request,
        obj=rule,
        outcome=AuditEntry.Outcome.FAILED if failed else AuditEntry.Outcome.OK,
        channels=[result.channel for result in results],
        errors=[f"{result.channel}: {result.error}" for result in failed],
    )
    return results
