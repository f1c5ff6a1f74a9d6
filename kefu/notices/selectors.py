"""Reads of notices: the lists, one notice, the active ones of an area, the public board."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _

from kefu.accounts import org
from kefu.accounts.models import ServiceArea
from kefu.core.errors import Code, ServiceError
from kefu.core.paging import PER_PAGE, Page, paginate
from kefu.notices.access import access_notice, can_read
from kefu.notices.models import Notice, NoticeUpdate
from kefu.notices.streets import address_has, street_words

State = Notice.State


def _with_relations(rows):
    return rows.select_related("created_by__staff", "published_by__staff", "closed_by__staff")


def list_notices(
    actor, *, state: str = "", area: str = "", page: int = 1, per_page: int = PER_PAGE
) -> Page[Notice]:
    """Active notices first, then drafts, then the closed ones, each the latest start first;
    filtered by state and by area code; one page (kefu.core.paging). Empty for who may not
    read notices."""
    if not can_read(actor):
        return paginate(Notice.objects.none(), page=page, per_page=per_page)
    rows = Notice.objects.all()
    if state:
        rows = rows.filter(state=state)
    if area:
        rows = rows.filter(areas__code=area)
    rows = rows.annotate(
        rank=Case(
            When(state=State.PUBLISHED, then=Value(0)),
            When(state=State.DRAFT, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "-starts_at", "-id")
    rows = _with_relations(rows).prefetch_related("areas")
    return paginate(rows, page=page, per_page=per_page)


def get_notice(actor, notice_id: int) -> Notice:
    """One notice with its areas and updates. Raises ServiceError(NOT_FOUND)."""
    notice = access_notice(actor, notice_id)
    return (
        _with_relations(Notice.objects.filter(pk=notice.pk))
        .prefetch_related(
            "areas",
            Prefetch("updates", queryset=NoticeUpdate.objects.select_related("by__staff")),
            "links__ticket",
        )
        .get()
    )


def _active_in(area_id: int) -> QuerySet[Notice]:
    return (
        Notice.objects.filter(state=State.PUBLISHED, areas=area_id)
        .prefetch_related("areas")
        .order_by("starts_at", "id")
    )


def active_notices_for(customers) -> list[Notice]:
    """The published notices affecting any of ``customers`` (a caller with several customer
    records), each once, soonest start first: a notice of the customer's area, narrowed by
    its streets as its SMS recipients are (kefu.notices.streets) — a 朝阳路 caller is not told
    of a 滨河路 outage in the same area."""
    customers = [c for c in customers if c.area_id is not None]
    ids = {c.area_id for c in customers}
    if not ids:
        return []
    notices = (
        Notice.objects.filter(
            state=State.PUBLISHED,
            pk__in=Notice.areas.through.objects.filter(servicearea_id__in=ids).values("notice_id"),
        )
        .prefetch_related("areas")
        .order_by("starts_at", "id")
    )
    found = []
    for notice in notices:
        words = street_words(notice.streets)
        areas = {area.pk for area in notice.areas.all()}
        if any(
            c.area_id in areas and (not words or address_has(c.address, words)) for c in customers
        ):
            found.append(notice)
    return found


def affected_notices(
    actor, area_code: str, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[Notice]:
    """Active notices of the area with code ``area_code``, soonest start first, one page.
    Raises NOT_FOUND for an unknown area or for who may not read notices."""
    area = org.area_by_code(area_code) if can_read(actor) else None
    if area is None:
        raise ServiceError(Code.NOT_FOUND, _("片区不存在"), field="area")
    return paginate(_active_in(area.pk), page=page, per_page=per_page)


def public_board() -> list[tuple[ServiceArea, list[Notice]]]:
    """The portal's board: each area with its active notices, areas by name. No staff, no
    customers, no drafts — what anyone may read."""
    notices = list(
        Notice.objects.filter(state=State.PUBLISHED)
        .prefetch_related("areas", "updates")
        .order_by("starts_at", "id")
    )
    by_area: dict[int, tuple[ServiceArea, list[Notice]]] = {}
    for notice in notices:
        for area in notice.areas.all():
            by_area.setdefault(area.pk, (area, []))[1].append(notice)
    return sorted(by_area.values(), key=lambda pair: (pair[0].name, pair[0].code))


def calls_of(notice: Notice) -> dict[str, int]:
    """The calls recorded against the notice, and those it answered on the spot (from the
    links ``get_notice`` prefetched)."""
    links = list(notice.links.all())
    return {"total": len(links), "answered": sum(link.answered for link in links)}
