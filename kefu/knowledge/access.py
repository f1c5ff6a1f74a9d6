"""Who may read, write and review the knowledge base.

Every staff member reads the published articles. Staff who answer or handle requests write
drafts and submit them; team leads, supervisors and administrators review, publish and
retire. Drafts are seen by those who may write.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.knowledge.models import Article

WRITER_ROLES: set[str] = {
    Role.AGENT,
    Role.TEAM_LEAD,
    Role.SUPERVISOR,
    Role.QUALITY,
    Role.ADMIN,
    Role.DEPT_HANDLER,
    Role.DEPT_HEAD,
}
REVIEWER_ROLES: set[str] = {Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}


def can_read(actor) -> bool:
    return not scope_of(actor).nothing


def can_write(actor) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and scope.role in WRITER_ROLES


def can_review(actor) -> bool:
    scope = scope_of(actor)
    return not scope.nothing and scope.role in REVIEWER_ROLES


def access_article(actor, article_id: int, *, for_update: bool = False) -> Article:
    """The article ``article_id`` if ``actor`` may read it (a live one, or any one for those who
    may write), else ServiceError(NOT_FOUND). With ``for_update`` the row is locked."""
    if not can_read(actor):
        raise ServiceError(Code.NOT_FOUND, _("知识条目不存在"))
    rows = Article.objects.select_for_update() if for_update else Article.objects.all()
    if not can_write(actor):
        rows = rows.filter(live_version__isnull=False)
    try:
        return rows.get(pk=int(article_id))
    except (Article.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ServiceError(Code.NOT_FOUND, _("知识条目不存在")) from None
