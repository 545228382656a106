"""Alert rules, evaluation and delivery. Views and the worker call these."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit
from accounts.models import AuditEntry
from core.jobs import one_pass_at_a_time
from monitoring.callcounts import fold_old_buckets
from monitoring.conditions import Finding, findings_for
from monitoring.delivery import DeliveryError, send_email, send_webhook
from monitoring.models import Alert, AlertRule
from monitoring.scheduling import ALERTS_JOB

logger = logging.getLogger(__name__)
State = Alert.State

# How long one delivery attempt holds an alert, so an overlapping evaluation does not send it twice.
DELIVERY_CLAIM = timedelta(minutes=2)
MAX_RETRY_DELAY = timedelta(hours=1)
# Undelivered this long after opening, an alert is marked undeliverable and no longer retried.
GIVE_UP_AFTER = timedelta(hours=24)
DUE_PER_PASS = 1000
# Per rule and pass, this many alerts go out one by one; the rest of the rule's in one digest.
SINGLE_DELIVERIES_PER_RULE = 5
DIGEST_LISTS = 30
# A condition must be absent this long (at least two passes) before its alert clears...
CLEAR_AFTER = timedelta(minutes=2)
# ...and coming back within this long after clearing, it reopens the alert instead of a new one.
REOPEN_WITHIN = timedelta(hours=1)
# Longer than any pass takes; a crashed pass's lease runs out after it.
PASS_HOLD = timedelta(minutes=10)


@dataclass
class EvaluationReport:
    rules: int = 0
    opened: int = 0
    reopened: int = 0
    cleared: int = 0
    delivered: int = 0
    delivery_failures: int = 0
    undeliverable: int = 0
    errors: int = 0
    skipped: bool = False


# ---------------------------------------------------------------------------------- evaluation


def alerts_evaluate(now: datetime | None = None) -> EvaluationReport:
    """One pass: open alerts for new conditions, clear the ones gone, deliver what is due.

    Skipped while another pass runs, which would otherwise open, clear and fold alongside it.
    """
    now = now or timezone.now()
    report = EvaluationReport()
    with one_pass_at_a_time(ALERTS_JOB, PASS_HOLD) as running:
        if not running:
            report.skipped = True
            return report
        _evaluate_rules(now, report)
        report.cleared += _clear(_unwatched_open_alerts(), now)
        alerts_deliver_due(now, report)
        fold_old_buckets(now)
    return report


def _evaluate_rules(now: datetime, report: EvaluationReport) -> None:
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


def _evaluate_rule(rule: AlertRule, now: datetime, report: EvaluationReport) -> None:
    findings = {finding.subject: finding for finding in findings_for(rule, now)}
    open_alerts = {alert.subject: alert for alert in rule.alerts.filter(state=State.OPEN)}
    for subject, finding in findings.items():
        alert = open_alerts.get(subject)
        if alert is not None:
            if alert.absent_since:
                Alert.objects.filter(pk=alert.pk).update(absent_since=None)
        elif _reopen_recent(rule, finding, now):
            report.reopened += 1
        elif _open_alert(rule, finding, now):
            report.opened += 1
    absent = [alert for subject, alert in open_alerts.items() if subject not in findings]
    report.cleared += _note_absence(absent, now)


def _note_absence(absent: list[Alert], now: datetime) -> int:
    """Start the absence clock of alerts just found absent; clear those absent long enough."""
    newly = [alert.pk for alert in absent if alert.absent_since is None]
    Alert.objects.filter(pk__in=newly, absent_since__isnull=True).update(absent_since=now)
    long_gone = [
        alert.pk
        for alert in absent
        if alert.absent_since and now - alert.absent_since >= CLEAR_AFTER
    ]
    return _clear(Alert.objects.filter(pk__in=long_gone, state=State.OPEN), now)


def _clear(alerts: QuerySet[Alert], now: datetime) -> int:
    """Clear open alerts; one not delivered yet is no longer sent (it is over)."""
    return alerts.filter(state=State.OPEN).update(
        state=State.CLEARED, cleared_at=now, absent_since=None, next_delivery_at=None
    )


def _reopen_recent(rule: AlertRule, finding: Finding, now: datetime) -> bool:
    """Reopen the alert about this subject cleared within REOPEN_WITHIN, if any: no new report."""
    recent = (
        rule.alerts.filter(
            subject=finding.subject,
            kind=rule.kind,
            state=State.CLEARED,
            cleared_at__gte=now - REOPEN_WITHIN,
        )
        .order_by("-cleared_at", "-pk")
        .first()
    )
    if recent is None:
        return False
    still_to_send = recent.delivered_at is None and recent.undeliverable_at is None
    try:
        with transaction.atomic():
            Alert.objects.filter(pk=recent.pk, state=State.CLEARED).update(
                state=State.OPEN,
                cleared_at=None,
                absent_since=None,
                title=finding.title[:200],
                message=finding.message,
                link=finding.link,
                next_delivery_at=now if still_to_send else None,
            )
    except IntegrityError:
        pass  # an overlapping pass opened one first
    return True


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


def _unwatched_open_alerts() -> QuerySet[Alert]:
    """Open alerts whose rule is disabled or whose app was deactivated are no longer watched."""
    return Alert.objects.filter(Q(rule__enabled=False) | Q(app__is_active=False), state=State.OPEN)


# ---------------------------------------------------------------------------------- delivery


def alerts_deliver_due(now: datetime, report: EvaluationReport) -> None:
    """Send the open alerts due; past a few per rule, the rest of the rule's go in one digest."""
    due = (
        Alert.objects.filter(
            state=State.OPEN,
            delivered_at__isnull=True,
            next_delivery_at__lte=now,
            rule__isnull=False,
        )
        .select_related("rule", "app")
        .order_by("rule_id", "next_delivery_at", "pk")[:DUE_PER_PASS]
    )
    for _rule_id, rule_alerts in groupby(due, key=lambda alert: alert.rule_id):
        claimed = [alert for alert in rule_alerts if _claim(alert, now)]
        singles = claimed[:SINGLE_DELIVERIES_PER_RULE]
        digest = claimed[SINGLE_DELIVERIES_PER_RULE:]
        for batch in [[alert] for alert in singles] + ([digest] if digest else []):
            _count_outcome(report, batch, alert_deliver(batch, now))


def _count_outcome(report: EvaluationReport, batch: list[Alert], delivered: bool) -> None:
    if delivered:
        report.delivered += len(batch)
    else:
        report.delivery_failures += len(batch)
        report.undeliverable += sum(1 for alert in batch if alert.undeliverable_at)


def _claim(alert: Alert, now: datetime) -> bool:
    claimed = Alert.objects.filter(pk=alert.pk, next_delivery_at=alert.next_delivery_at).update(
        next_delivery_at=now + DELIVERY_CLAIM
    )
    return bool(claimed)


def alert_deliver(alerts: list[Alert], now: datetime) -> bool:
    """Send alerts of one rule (one alone, or several as a digest) on every channel that has
    not taken them yet; remember failures and retry."""
    rule = alerts[0].rule
    failures: dict[str, str] = {}
    for sent_field, send in _channels(rule):
        pending = [alert for alert in alerts if getattr(alert, sent_field) is None]
        if not pending:
            continue
        if error := _attempt(lambda send=send, pending=pending: send(pending)):
            failures[sent_field] = error
        else:
            for alert in pending:
                setattr(alert, sent_field, now)
    for alert in alerts:
        _record_attempt(alert, _errors_left(alert, failures), now)
    return not failures


def _errors_left(alert: Alert, failures: dict[str, str]) -> list[str]:
    """The failures of the channels that still have not taken this alert."""
    return [error for sent_field, error in failures.items() if getattr(alert, sent_field) is None]


def _channels(rule: AlertRule) -> list[tuple[str, Callable[[list[Alert]], None]]]:
    """(the alert's field saying the channel took it, how to send alerts on it) per channel."""
    channels = []
    if rule.email_recipients:
        channels.append(
            (
                "email_sent_at",
                lambda alerts: send_email(
                    rule.email_recipients, message_subject(alerts), message_text(alerts)
                ),
            )
        )
    if rule.webhook_url:
        channels.append(
            (
                "webhook_sent_at",
                lambda alerts: send_webhook(
                    rule.webhook_url, rule.webhook_secret, webhook_payload(alerts)
                ),
            )
        )
    return channels


def _record_attempt(alert: Alert, errors: list[str], now: datetime) -> None:
    alert.delivery_attempts += 1
    alert.delivery_error = " ".join(errors)[:500]
    if not errors:
        alert.delivered_at, alert.next_delivery_at = now, None
    elif now - alert.opened_at >= GIVE_UP_AFTER:
        alert.undeliverable_at, alert.next_delivery_at = now, None
    else:
        alert.next_delivery_at = now + retry_delay(alert.delivery_attempts)
    alert.save(
        update_fields=[
            "email_sent_at",
            "webhook_sent_at",
            "delivery_attempts",
            "delivery_error",
            "delivered_at",
            "undeliverable_at",
            "next_delivery_at",
        ]
    )


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
    """1, 2, 4, … minutes, at most an hour, for GIVE_UP_AFTER: a receiver down a night gets it."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 10)), MAX_RETRY_DELAY)


def message_subject(alerts: list[Alert]) -> str:
    if len(alerts) == 1:
        return f"[Recdesk] {alerts[0].title}"
    return f"[Recdesk] {len(alerts)} more alerts: {alerts[0].rule}"


def message_text(alerts: list[Alert]) -> str:
    if len(alerts) == 1:
        alert = alerts[0]
        lines = [alert.title, "", alert.message]
        if alert.link:
            lines += ["", _absolute(alert.link)]
        return "\n".join(lines)
    listed = [
        f"- {alert.title}" + (f" {_absolute(alert.link)}" if alert.link else "")
        for alert in alerts[:DIGEST_LISTS]
    ]
    if len(alerts) > DIGEST_LISTS:
        listed.append(f"- and {len(alerts) - DIGEST_LISTS} more")
    intro = (
        f"{len(alerts)} more alerts of the rule “{alerts[0].rule}” opened; they are sent together "
        "so a condition on many subjects does not flood you. All of them:"
    )
    return "\n".join([intro, _absolute(reverse("monitoring:alert_list")), "", *listed])


def webhook_payload(alerts: list[Alert]) -> dict:
    return {"text": message_text(alerts), "alerts": [_alert_fields(alert) for alert in alerts]}


def _alert_fields(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "state": alert.state,
        "opened_at": alert.opened_at.isoformat(),
        "kind": alert.kind,
        "app_id": alert.app.app_id,
        "subject": alert.subject,
        "title": alert.title,
        "link": _absolute(alert.link) if alert.link else "",
    }


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


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
            _clear(rule.alerts.all(), timezone.now())
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
        _clear(rule.alerts.all(), timezone.now())
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
                _attempt(
                    lambda: send_webhook(
                        rule.webhook_url, rule.webhook_secret, {"text": text, "alerts": []}
                    )
                ),
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
