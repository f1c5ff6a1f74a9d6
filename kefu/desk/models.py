"""What the desk keeps of its own: the queue views people save."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A queue's filters and order under a name of its owner's (我的超时投诉, 今天的报修). Only
    its owner sees it; a removed one is kept, off the list."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("名称"), max_length=30)
    query = models.CharField(_("筛选条件"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("队列视图")
        verbose_name_plural = _("队列视图")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=models.Q(is_active=True),
                name="desk_saved_view_name_once",
            )
        ]

    def __str__(self) -> str:
        return self.name
