"""Old call buckets folded into lifetime totals: never counted twice, never seen going down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring import callcounts
from monitoring.callcounts import fold_old_buckets, lifetime_call_counts, record_call
from monitoring.models import ZegoCallCount, ZegoCallTotal

pytestmark = pytest.mark.django_db


def old_calls(app, n: int, code: int = 0) -> None:
    long_ago = timezone.now() - callcounts.KEEP_BUCKETS - timedelta(hours=1)
    for minute in range(n):
        record_call(app.pk, "DescribeTasks", code, now=long_ago - timedelta(minutes=minute))


def test_folding_again_adds_nothing_and_counts_each_call_once(app):
    old_calls(app, 3)
    record_call(app.pk, "DescribeTasks", 0)
    assert fold_old_buckets() == 3
    assert fold_old_buckets() == 0
    assert ZegoCallTotal.objects.get(app=app).count == 3
    assert lifetime_call_counts() == {(app.pk, "DescribeTasks", 0): 4}


def test_folding_adds_to_the_totals_already_folded(app):
    old_calls(app, 2)
    fold_old_buckets()
    old_calls(app, 1)
    fold_old_buckets()
    assert ZegoCallTotal.objects.get(app=app).count == 3
    assert not ZegoCallCount.objects.exists()


def test_a_large_backlog_is_folded_in_bounded_batches(app, monkeypatch):
    monkeypatch.setattr(callcounts, "FOLD_BATCH", 2)
    old_calls(app, 3)
    assert [fold_old_buckets(), fold_old_buckets(), fold_old_buckets()] == [2, 1, 0]
    assert ZegoCallTotal.objects.get(app=app).count == 3


def test_a_total_another_fold_created_meanwhile_is_added_to_not_a_crash(app, monkeypatch):
    ZegoCallTotal.objects.create(app=app, action="DescribeTasks", code=0, count=10)
    real_filter = ZegoCallTotal.objects.filter
    first_look = iter([True])

    def filter_that_misses_the_rival_once(*args, **kwargs):
        # The first look ran before the other fold's row was committed.
        found = real_filter(*args, **kwargs)
        return found.none() if next(first_look, False) else found

    monkeypatch.setattr(ZegoCallTotal.objects, "filter", filter_that_misses_the_rival_once)
    old_calls(app, 2)
    assert fold_old_buckets() == 2
    assert ZegoCallTotal.objects.get(app=app).count == 12


def test_lifetime_counts_are_read_in_one_statement(app, django_assert_num_queries):
    old_calls(app, 2, code=300000003)
    fold_old_buckets()
    record_call(app.pk, "DescribeTasks", 300000003)
    with django_assert_num_queries(1):
        counts = lifetime_call_counts()
    assert counts == {(app.pk, "DescribeTasks", 300000003): 3}
