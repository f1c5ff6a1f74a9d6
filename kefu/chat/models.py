"""Web chat and 留言: the widget a center puts on its site, the agents' console.

A visitor opens a chat (``ChatSession``, known by a random public token, no account); it waits
for an agent who is online (``AgentPresence``), who accepts it, exchanges lines
(``ChatLine``) and ends it; on the way it may become a ticket or join the customer's ticket.
Outside the hours (``ChatSettings``) or with nobody online the visitor leaves a message (留言),
which becomes a ticket at once.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch
from kefu.tickets.models import Ticket

# A line says at most this much; a visitor's longer line is refused, not cut.
MAX_LINE = 1000


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ChatSession(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("排队中")
        ACTIVE = "active", _("接待中")
        ENDED = "ended", _("已结束")
        LEFT_MESSAGE = "left_message", _("留言")

    ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.WAITING: (State.ACTIVE, State.ENDED),
        State.ACTIVE: (State.ACTIVE, State.ENDED),  # active → active: a transfer
        State.ENDED: (),
        State.LEFT_MESSAGE: (),
    }

    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    visitor_name = models.CharField(_("访客称呼"), max_length=40, blank=True)
    visitor_phone = models.CharField(_("访客电话"), max_length=20, blank=True)
    page_url = models.CharField(_("来源页面"), max_length=500, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.WAITING, db_index=True
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("接待坐席"),
    )
    transferred_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("转自坐席"),
    )
    # The branch the website's widget names (data-branch): its agents and the center-wide
    # staff take the chat, and its ticket is the branch's. None: the center's, any agent's.
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分支机构"),
    )
    started_at = models.DateTimeField(_("发起时间"), db_index=True)
    # The first reply is due by then (the chat channel's time limit, kefu.conversations).
    first_reply_due = models.DateTimeField(_("首次答复时限"), null=True, blank=True)
    first_reply_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接入时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.CharField(_("结束方"), max_length=10, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工单"),
    )
    # Visitor lines refused (too fast, too many, too long): the flood record.
    refused_lines = models.PositiveIntegerField(_("拒收条数"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("在线会话")
        verbose_name_plural = _("在线会话")
        indexes = [models.Index(fields=["ip", "started_at"], name="chat_session_ip")]

    def __str__(self) -> str:
        return f"{self.visitor_name or self.token[:8]} {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.WAITING, self.State.ACTIVE)


class ChatLine(models.Model):
    class Side(models.TextChoices):
        VISITOR = "visitor", _("访客")
        AGENT = "agent", _("坐席")
        SYSTEM = "system", _("系统")

    session = models.ForeignKey(ChatSession, on_delete=models.PROTECT, related_name="lines")
    at = models.DateTimeField(_("时间"))
    side = models.CharField(_("发言方"), max_length=8, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("坐席"),
    )
    text = models.TextField(_("内容"), max_length=MAX_LINE)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("会话记录")
        verbose_name_plural = _("会话记录")
        indexes = [models.Index(fields=["session", "side", "at"], name="chat_line_session")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.side} {self.at:%H:%M:%S}"


class AgentPresence(models.Model):
    """An agent's 在线/离开 in the console; online counts only while the console's heartbeat
    is fresh (PRESENCE_FRESH)."""

    class Status(models.TextChoices):
        ONLINE = "online", _("在线")
        AWAY = "away", _("离开")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence"
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.AWAY)
    last_seen = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("坐席在线状态")
        verbose_name_plural = _("坐席在线状态")

    def __str__(self) -> str:
        return f"{self.user_id} {self.status}"


PRESENCE_FRESH = dt.timedelta(seconds=90)


class ChatSettings(models.Model):
    """The chat's hours (one row, edited in the admin): open on the working calendar's
    working days between opening and closing (every day when ``every_day``)."""

    enabled = models.BooleanField(_("启用在线客服"), default=True)
    opening = models.TimeField(_("开始时间"), default=dt.time(8, 30))
    closing = models.TimeField(_("结束时间"), default=dt.time(17, 30))
    every_day = models.BooleanField(
        _("节假日也接待"), default=False, help_text=_("不勾选则只在工作日接待(按工作日历)")
    )
    greeting = models.CharField(
        _("欢迎语"), max_length=200, default="您好,欢迎咨询,请问有什么可以帮您?"
    )
    # Flood limits of one visitor (per chat) and one IP address.
    lines_per_window = models.PositiveSmallIntegerField(_("每 5 秒最多发言"), default=5)
    lines_per_session = models.PositiveIntegerField(_("每次会话最多发言"), default=200)
    sessions_per_ip_hour = models.PositiveIntegerField(_("每 IP 每小时最多会话"), default=20)

    class Meta:
        verbose_name = _("在线客服设置")
        verbose_name_plural = _("在线客服设置")

    def __str__(self) -> str:
        return f"{self.opening:%H:%M}–{self.closing:%H:%M}"
