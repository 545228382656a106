"""Keyset pages: "the 50 rows after this one" instead of COUNT + OFFSET.

A page is one index range scan starting at the cursor (the sort value and id of the last row
shown), so its cost does not grow with the table or with how far down the list one is. Every list
of the console that can grow without bound pages this way; each list's sort fields have an index
ending in `id`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from django import forms
from django.db import models
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

MAX_CURSOR_LENGTH = 80  # an ISO time with its offset and an id fit in half of it


@dataclass(frozen=True)
class Cursor:
    value: object
    pk: int


def parse_cursor(raw: str, field: str, model: type[Model]) -> Cursor:
    """The cursor in a page link; ValueError when it was not made by `cursor_for`."""
    value, _, pk = raw.rpartition("~")
    if isinstance(model._meta.get_field(field.lstrip("-")), models.DateTimeField):
        parsed: object = dt.datetime.fromisoformat(value)
        if timezone.is_naive(parsed):
            raise ValueError("naive cursor")
        try:
            parsed = parsed.astimezone(dt.UTC)
        except OverflowError as error:  # e.g. 9999-12-31T23:59:59-14:00
            raise ValueError("cursor out of range") from error
    else:
        parsed = int(value)
    return Cursor(parsed, int(pk))


def cursor_for(row: Model, field: str) -> str:
    value = getattr(row, field.lstrip("-"))
    text = value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return f"{text}~{row.pk}"


def ordered(queryset: QuerySet, field: str) -> QuerySet:
    """The listing's order: `field`, then id in the same direction (every row has one place)."""
    return queryset.order_by(field, f"{'-' if field.startswith('-') else ''}id")


def _beyond(field: str, cursor: Cursor, forwards: bool) -> Q:
    """Rows after the cursor in the listing's order (`forwards`) or before it.

    Written as `field <= v AND (field < v OR id < pk)` (for a descending order) rather than the
    plain OR, so the database can start an index range scan at the cursor instead of filtering.
    """
    name = field.lstrip("-")
    descending = field.startswith("-") == forwards
    op = "lt" if descending else "gt"
    return Q(**{f"{name}__{op}e": cursor.value}) & (
        Q(**{f"{name}__{op}": cursor.value}) | Q(**{f"pk__{op}": cursor.pk})
    )


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)

    def __iter__(self):
        return iter(self.rows)


def keyset_page(
    queryset: QuerySet,
    field: str,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int,
) -> KeysetPage:
    """One page of `queryset` in `field` order, without COUNT or OFFSET."""
    listing = ordered(queryset, field)
    if before is not None:
        rows = list(listing.filter(_beyond(field, before, False)).reverse()[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows,
            cursor_for(rows[-1], field) if rows else None,
            cursor_for(rows[0], field) if rows and more_before else None,
        )
    if after is not None:
        listing = listing.filter(_beyond(field, after, True))
    rows = list(listing[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        cursor_for(rows[-1], field) if more else None,
        cursor_for(rows[0], field) if rows and after is not None else None,
    )


class KeysetFormMixin(forms.Form):
    """A list's filter form that also carries its page cursor (`after`/`before`, hidden).

    A cursor belongs to one sort order: a form with several overrides `sort_field`. A stale or
    hand-edited cursor is dropped (the first page shows) rather than refused.
    """

    keyset_model: type[Model]
    page_size = 50

    # No max_length: a field error on a hidden field would refuse the whole list invisibly.
    after = forms.CharField(required=False, widget=forms.HiddenInput)
    before = forms.CharField(required=False, widget=forms.HiddenInput)

    def sort_field(self, sort: str | None = None) -> str:
        return "-created_at"

    def clean(self):
        cleaned = super().clean()
        field = self.sort_field(cleaned.get("sort"))
        for name in ("after", "before"):
            raw = cleaned.get(name)
            cleaned[name] = None
            if raw and len(raw) <= MAX_CURSOR_LENGTH:
                with contextlib.suppress(ValueError):
                    cleaned[name] = parse_cursor(raw, field, self.keyset_model)
        return cleaned

    def page(self, queryset: QuerySet) -> KeysetPage:
        """The page this form's cursor asks for, of `queryset` already filtered."""
        data = self.cleaned_data
        return keyset_page(
            queryset,
            self.sort_field(data.get("sort")),
            after=data["after"],
            before=data["before"],
            size=self.page_size,
        )
