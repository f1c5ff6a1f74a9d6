"""The events Kefu ships words for, with the channels each goes out on by default.

Loaded into the database by a migration (templates and rules are data, edited in the admin);
``load_defaults`` adds only what is missing, so an edited template is never overwritten.
Every template can use ``serial``, ``title`` and ``url``; the rest are named per event.
The words use the one placeholder syntax of every template (kefu.core.placeholders):
``{serial}``, with ``{{`` and ``}}`` for a literal brace.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Words:
    subject: str
    text: str  # the in-app body; e-mail adds the link below it
    sms: str


@dataclass(frozen=True)
class Event:
    name: str
    context: tuple[str, ...]  # keys beyond serial, title, url
    email: bool
    sms: bool
    zh: Words
    en: Words
    inapp: bool = True  # False: a message to a customer, never in a staff inbox


EVENTS: dict[str, Event] = {
    "sla.warning": Event(
        "时限预警",
        ("target", "due"),
        email=False,
        sms=False,
        zh=Words(
            "时限预警:工单 {serial}",
            "工单 {serial}({title})的「{target}」将于 {due} 到期,请尽快处理。",
            "工单{serial}「{target}」将于{due}到期,请尽快处理。",
        ),
        en=Words(
            "Time limit warning: ticket {serial}",
            "“{target}” of ticket {serial} ({title}) is due at {due}. Please act soon.",
            "Ticket {serial}: “{target}” due at {due}.",
        ),
    ),
    "sla.breach": Event(
        "已超时",
        ("target", "due"),
        email=True,
        sms=False,
        zh=Words(
            "已超时:工单 {serial}",
            "工单 {serial}({title})的「{target}」已超时(期限 {due})。",
            "工单{serial}「{target}」已超时(期限{due})。",
        ),
        en=Words(
            "Overdue: ticket {serial}",
            "“{target}” of ticket {serial} ({title}) is overdue (due {due}).",
            "Ticket {serial}: “{target}” overdue (due {due}).",
        ),
    ),
    "sla.escalation": Event(
        "超时升级",
        ("target", "due", "level"),
        email=True,
        sms=True,
        zh=Words(
            "升级至{level}:工单 {serial}",
            "工单 {serial}({title})的「{target}」已超时(期限 {due}),已升级至{level},请督办。",
            "工单{serial}「{target}」超时(期限{due}),已升级至{level},请督办。",
        ),
        en=Words(
            "Escalated to {level}: ticket {serial}",
            "“{target}” of ticket {serial} ({title}) is overdue (due {due}) "
            "and has been escalated to {level}.",
            "Ticket {serial} overdue (due {due}), escalated to {level}.",
        ),
    ),
    "complaint.assigned": Event(
        "投诉已派至部门",
        ("department",),
        email=True,
        sms=False,
        zh=Words(
            "投诉已派至{department}:工单 {serial}",
            "投诉工单 {serial}({title})已派至{department},请及时响应并提出处理方案。",
            "投诉工单{serial}已派至{department},请及时处理。",
        ),
        en=Words(
            "Complaint assigned to {department}: ticket {serial}",
            "Complaint {serial} ({title}) has been assigned to {department}. "
            "Please respond and propose a handling plan.",
            "Complaint {serial} assigned to {department}.",
        ),
    ),
    "complaint.plan_submitted": Event(
        "处理方案待审批",
        ("department", "submitter"),
        email=True,
        sms=False,
        zh=Words(
            "处理方案待审批:工单 {serial}",
            "{department}{submitter}提交了投诉工单 {serial}({title})的处理方案,请审批。",
            "投诉工单{serial}的处理方案待您审批。",
        ),
        en=Words(
            "Handling plan awaiting approval: ticket {serial}",
            "{submitter} ({department}) submitted a handling plan for complaint "
            "{serial} ({title}). Please review it.",
            "Plan for complaint {serial} awaits your approval.",
        ),
    ),
    "complaint.plan_decided": Event(
        "处理方案已审批",
        ("decision", "note"),
        email=False,
        sms=False,
        zh=Words(
            "处理方案{decision}:工单 {serial}",
            "投诉工单 {serial}({title})的处理方案{decision}。{note}",
            "投诉工单{serial}处理方案{decision}。",
        ),
        en=Words(
            "Handling plan {decision}: ticket {serial}",
            "The handling plan of complaint {serial} ({title}) was {decision}. {note}",
            "Plan for complaint {serial} {decision}.",
        ),
    ),
    "complaint.major": Event(
        "重大投诉",
        ("reason",),
        email=True,
        sms=True,
        zh=Words(
            "重大投诉:工单 {serial}",
            "工单 {serial}({title})已定为重大投诉:{reason}。须 2 个工作日内处理完毕。",
            "重大投诉:工单{serial},{reason},请关注。",
        ),
        en=Words(
            "Major complaint: ticket {serial}",
            "Ticket {serial} ({title}) is a major complaint: {reason}. "
            "It must be handled within 2 working days.",
            "Major complaint {serial}: {reason}.",
        ),
    ),
    "complaint.unsatisfied": Event(
        "客户不满意",
        ("note",),
        email=True,
        sms=False,
        zh=Words(
            "客户不满意,退回重新处理:工单 {serial}",
            "投诉工单 {serial}({title})回访时客户不满意,已退回重新处理。{note}",
            "投诉工单{serial}客户不满意,已退回重新处理。",
        ),
        en=Words(
            "Customer not satisfied, reopened: ticket {serial}",
            "The customer of complaint {serial} ({title}) was not satisfied at the "
            "callback; it is back for handling. {note}",
            "Complaint {serial}: customer not satisfied, reopened.",
        ),
    ),
    "followup.due": Event(
        "回访任务",
        ("due",),
        email=False,
        sms=False,
        zh=Words(
            "回访任务:工单 {serial}",
            "请在 {due} 前回访工单 {serial}({title})的客户。",
            "请在{due}前回访工单{serial}的客户。",
        ),
        en=Words(
            "Callback due: ticket {serial}",
            "Please call back the customer of ticket {serial} ({title}) by {due}.",
            "Call back ticket {serial} by {due}.",
        ),
    ),
    "report.due": Event(
        "月报即将到期",
        ("month", "due"),
        email=True,
        sms=False,
        zh=Words(
            "月报即将到期:{month}投诉统计",
            "{month}投诉统计月报须于 {due} 前经总经理审阅并归档,请及时提交审阅:{url}",
            "{month}投诉月报须于{due}前审阅归档,请及时处理。",
        ),
        en=Words(
            "Monthly report due soon: complaints of {month}",
            "The complaint report of {month} must be reviewed by the general manager and "
            "filed before {due}: {url}",
            "Complaint report of {month} due before {due}.",
        ),
    ),
    "report.overdue": Event(
        "月报已超期",
        ("month", "due"),
        email=True,
        sms=False,
        zh=Words(
            "月报已超期:{month}投诉统计",
            "{month}投诉统计月报未在 {due} 前归档,已超期,请尽快审阅归档:{url}",
            "{month}投诉月报未在{due}前归档,已超期。",
        ),
        en=Words(
            "Monthly report overdue: complaints of {month}",
            "The complaint report of {month} was not filed before {due}. "
            "Please review and file it now: {url}",
            "Complaint report of {month} overdue (due {due}).",
        ),
    ),
    "report.branch_due": Event(
        "分支机构月报即将到期",
        ("month", "branch", "due"),
        email=True,
        sms=False,
        zh=Words(
            "月报即将到期:{branch}{month}投诉统计",
            "{branch}{month}投诉统计月报须于 {due} 前经总经理审阅并归档,请及时提交审阅:{url}",
            "{branch}{month}投诉月报须于{due}前审阅归档,请及时处理。",
        ),
        en=Words(
            "Monthly report due soon: complaints of {branch}, {month}",
            "The complaint report of {branch} for {month} must be reviewed by the general "
            "manager and filed before {due}: {url}",
            "Complaint report of {branch}, {month} due before {due}.",
        ),
    ),
    "report.branch_overdue": Event(
        "分支机构月报已超期",
        ("month", "branch", "due"),
        email=True,
        sms=False,
        zh=Words(
            "月报已超期:{branch}{month}投诉统计",
            "{branch}{month}投诉统计月报未在 {due} 前归档,已超期,请尽快审阅归档:{url}",
            "{branch}{month}投诉月报未在{due}前归档,已超期。",
        ),
        en=Words(
            "Monthly report overdue: complaints of {branch}, {month}",
            "The complaint report of {branch} for {month} was not filed before {due}. "
            "Please review and file it now: {url}",
            "Complaint report of {branch}, {month} overdue (due {due}).",
        ),
    ),
    "roster.swap_asked": Event(
        "调班申请",
        ("who", "shift"),
        email=False,
        sms=False,
        zh=Words(
            "调班申请:{who}",
            "{who}请您调班:{shift}。请在「我的排班」中同意或拒绝:{url}",
            "{who}请您调班:{shift},请登录系统答复。",
        ),
        en=Words(
            "Shift swap asked by {who}",
            "{who} asks you to swap shifts: {shift}. Agree or decline under My roster: {url}",
            "{who} asks you to swap shifts: {shift}.",
        ),
    ),
    "roster.swap_agreed": Event(
        "调班待审批",
        ("who", "shift"),
        email=False,
        sms=False,
        zh=Words(
            "调班待审批:{who}",
            "{who}已同意调班({shift}),等待审批:{url}",
            "{who}已同意调班({shift}),待审批。",
        ),
        en=Words(
            "Shift swap awaiting approval: {who}",
            "{who} agreed to the swap ({shift}); it awaits approval: {url}",
            "{who} agreed to the swap ({shift}); awaiting approval.",
        ),
    ),
    "roster.swap_declined": Event(
        "调班被拒绝",
        ("who", "shift"),
        email=False,
        sms=False,
        zh=Words(
            "调班被拒绝:{who}",
            "{who}拒绝了您的调班申请({shift})。",
            "{who}拒绝了您的调班申请({shift})。",
        ),
        en=Words(
            "Shift swap declined by {who}",
            "{who} declined your swap ({shift}).",
            "{who} declined your swap ({shift}).",
        ),
    ),
    "roster.swap_approved": Event(
        "调班已批准",
        ("who", "shift"),
        email=False,
        sms=False,
        zh=Words(
            "调班已批准",
            "{who}批准了调班({shift}),请按新的排班上班:{url}",
            "调班已批准({shift}),请按新的排班上班。",
        ),
        en=Words(
            "Shift swap approved",
            "{who} approved the swap ({shift}); work by the new roster: {url}",
            "Swap approved ({shift}); work by the new roster.",
        ),
    ),
    "roster.swap_rejected": Event(
        "调班被驳回",
        ("who", "shift", "note"),
        email=False,
        sms=False,
        zh=Words(
            "调班被驳回",
            "{who}驳回了调班申请({shift})。意见:{note}",
            "调班申请被驳回({shift})。",
        ),
        en=Words(
            "Shift swap rejected",
            "{who} rejected the swap ({shift}). Note: {note}",
            "Swap rejected ({shift}).",
        ),
    ),
    "roster.swap_withdrawn": Event(
        "调班已撤回",
        ("who", "shift"),
        email=False,
        sms=False,
        zh=Words(
            "调班已撤回:{who}",
            "{who}撤回了调班申请({shift})。",
            "{who}撤回了调班申请({shift})。",
        ),
        en=Words(
            "Shift swap withdrawn by {who}",
            "{who} withdrew the swap ({shift}).",
            "{who} withdrew the swap ({shift}).",
        ),
    ),
    "frontdesk.visitor_count": Event(
        "游客人数报告",
        ("count", "at", "who"),
        email=False,
        sms=False,
        zh=Words(
            "游客人数报告:{serial} {title}",
            "{who} 报告:{serial} {title} {at} 游客人数 {count} 人。值班记录:{url}",
            "{serial}{title}{at}游客人数{count}人({who}报告)。",
        ),
        en=Words(
            "Visitor count: {serial} {title}",
            "{who} reports {count} visitors at {at} ({serial}, {title}). Duty record: {url}",
            "{count} visitors at {at} ({serial} {title}), reported by {who}.",
        ),
    ),
    "frontdesk.checklist_exception": Event(
        "班后检查异常",
        ("shift", "item", "note", "who"),
        email=False,
        sms=False,
        zh=Words(
            "班后检查异常:{title}",
            "{who} 填写 {serial} {shift}的「{title}」时发现异常:{item}。说明:{note}。请处理:{url}",
            "{serial}{shift}「{title}」异常:{item}({note}),请处理。",
        ),
        en=Words(
            "End-of-shift check exception: {title}",
            "{who} found an exception in “{title}” ({serial}, {shift}): {item}. Note: {note}. "
            "Please act: {url}",
            "{serial} {shift} “{title}”: {item} ({note}). Please act.",
        ),
    ),
    # An owner's loss report made on the portal (kefu.frontdesk): the number to quote.
    "report.delivery": Event(
        "报表订阅发送",
        ("name", "period", "reports"),
        email=True,
        sms=False,
        inapp=False,
        zh=Words(
            "报表:{name}({period})",
            "您订阅的报表“{name}”已生成,统计期间 {period}:{reports}。Excel 文件见附件;"
            "在系统中查看与下钻:{url}",
            "报表“{name}”({period})已发送到您的邮箱。",
        ),
        en=Words(
            "Reports: {name} ({period})",
            'Your subscribed reports "{name}" for {period}: {reports}. The Excel files are '
            "attached; read and drill down in Kefu: {url}",
            'Reports "{name}" ({period}) sent to your mailbox.',
        ),
    ),
    "frontdesk.loss_report": Event(
        "网上失物登记回执",
        ("report",),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "失物登记回执",
            "您的失物登记{report}已收到,找到相符物品后我们会电话联系您。",
            "您的失物登记{report}已收到,找到相符物品后我们会电话联系您。",
        ),
        en=Words(
            "Loss report received",
            "Your loss report {report} is received; we will call you when a matching item is found.",
            "Your loss report {report} is received; we will call you when a matching item is found.",
        ),
    ),
    "quality.inspected": Event(
        "质检结果",
        ("score",),
        email=False,
        sms=False,
        zh=Words(
            "质检结果:{serial}",
            "您受理的 {serial} 已质检,得分 {score}。如有异议可申诉一次:{url}",
            "您的{serial}质检得分{score}。",
        ),
        en=Words(
            "Quality check: {serial}",
            "Your work {serial} was checked: score {score}. You may appeal once: {url}",
            "Your {serial} was checked: score {score}.",
        ),
    ),
    "quality.send_back": Event(
        "质检整改",
        ("fix", "due"),
        email=False,
        sms=False,
        zh=Words(
            "质检整改:{serial}",
            "{serial} 经质检退回整改:{fix}。请于 {due} 前完成并填写整改结果:{url}",
            "{serial}质检退回整改,期限{due}。",
        ),
        en=Words(
            "Fix required: {serial}",
            "{serial} was sent back by quality control: {fix}. Fix it by {due} and record it: {url}",
            "{serial} sent back for a fix by {due}.",
        ),
    ),
    "quality.appeal_decided": Event(
        "质检申诉结果",
        ("outcome", "score"),
        email=False,
        sms=False,
        zh=Words(
            "质检申诉结果:{serial}",
            "您对质检 {serial} 的申诉已裁定:{outcome},得分 {score}。{url}",
            "质检申诉已裁定:{outcome},得分{score}。",
        ),
        en=Words(
            "Appeal decided: {serial}",
            "Your appeal of quality check {serial} was decided: {outcome}, score {score}. {url}",
            "Appeal decided: {outcome}, score {score}.",
        ),
    ),
    "notebooks.weekly_problems": Event(
        "问题周汇总",
        ("count",),
        email=False,
        sms=False,
        zh=Words(
            "问题周汇总:{serial} 起的一周",
            "上周坐席登记的问题已汇总给您({count} 条),请逐条答复或转交:{url}",
            "上周问题汇总 {count} 条,请答复。",
        ),
        en=Words(
            "Problems of the week from {serial}",
            "The agents' problems of last week are collected to you ({count}). "
            "Answer or forward each: {url}",
            "{count} problems of last week to answer.",
        ),
    ),
    "notebooks.problem_answered": Event(
        "问题已答复",
        ("who",),
        email=False,
        sms=False,
        zh=Words(
            "问题已答复:{serial} {title}",
            "{who} 答复了您登记的问题 {serial}({title}):{url}",
            "您登记的问题{serial}已由{who}答复。",
        ),
        en=Words(
            "Problem answered: {serial} {title}",
            "{who} answered the problem you logged, {serial} ({title}): {url}",
            "{who} answered your problem {serial}.",
        ),
    ),
    "notebooks.problem_forwarded": Event(
        "问题转交",
        ("who", "note"),
        email=False,
        sms=False,
        zh=Words(
            "问题转交给您:{serial} {title}",
            "{who} 将问题 {serial}({title})转交给您答复。{note} {url}",
            "{who}转交问题{serial}给您答复。",
        ),
        en=Words(
            "Problem forwarded to you: {serial} {title}",
            "{who} forwarded the problem {serial} ({title}) to you to answer. {note} {url}",
            "{who} forwarded problem {serial} to you.",
        ),
    ),
    "roster.leave_asked": Event(
        "请假待审批",
        ("who", "agent", "days", "kind", "note"),
        email=False,
        sms=False,
        zh=Words(
            "请假待审批:{agent}",
            "{agent}申请{kind}:{days}。请审批:{url}",
            "{agent}申请{kind}({days}),待审批。",
        ),
        en=Words(
            "Leave awaiting approval: {agent}",
            "{agent} asks for {kind}: {days}. Please decide: {url}",
            "{agent} asks for {kind} ({days}).",
        ),
    ),
    "roster.leave_approved": Event(
        "请假已批准",
        ("who", "agent", "days", "kind", "note"),
        email=False,
        sms=False,
        zh=Words(
            "请假已批准:{days}",
            "{who}批准了您的{kind}:{days}。",
            "您的{kind}({days})已批准。",
        ),
        en=Words(
            "Leave approved: {days}",
            "{who} approved your {kind}: {days}.",
            "Your {kind} ({days}) is approved.",
        ),
    ),
    "roster.leave_rejected": Event(
        "请假被驳回",
        ("who", "agent", "days", "kind", "note"),
        email=False,
        sms=False,
        zh=Words(
            "请假被驳回:{days}",
            "{who}驳回了您的{kind}申请({days})。意见:{note}",
            "您的{kind}申请({days})被驳回。",
        ),
        en=Words(
            "Leave rejected: {days}",
            "{who} rejected your {kind} ({days}). Note: {note}",
            "Your {kind} ({days}) was rejected.",
        ),
    ),
    "roster.leave_cancelled": Event(
        "请假已取消",
        ("who", "agent", "days", "kind", "note"),
        email=False,
        sms=False,
        zh=Words(
            "请假已取消:{days}",
            "{who}取消了您的{kind}({days}),请按排班上班。原因:{note}",
            "您的{kind}({days})已取消,请按排班上班。",
        ),
        en=Words(
            "Leave cancelled: {days}",
            "{who} cancelled your {kind} ({days}); work as rostered. Reason: {note}",
            "Your {kind} ({days}) is cancelled; work as rostered.",
        ),
    ),
    "roster.leave_withdrawn": Event(
        "请假已撤回",
        ("who", "agent", "days", "kind", "note"),
        email=False,
        sms=False,
        zh=Words(
            "请假已撤回:{agent}",
            "{agent}撤回了{kind}申请({days}),无需审批。",
            "{agent}撤回了{kind}申请({days})。",
        ),
        en=Words(
            "Leave withdrawn: {agent}",
            "{agent} withdrew the {kind} asked for ({days}); nothing to decide.",
            "{agent} withdrew the {kind} ({days}).",
        ),
    ),
    "survey.invite": Event(
        "满意度评价邀请",
        (),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "满意度评价:工单 {serial}",
            "您反映的问题(工单 {serial})已处理完毕,请对我们的服务进行评价:{url}",
            "您反映的问题(工单{serial})已处理完毕,请点击评价我们的服务:{url}",
        ),
        en=Words(
            "How did we do? Ticket {serial}",
            "Your request (ticket {serial}) has been handled. Please rate our service: {url}",
            "Your request {serial} is handled. Please rate our service: {url}",
        ),
    ),
    # A caller's question an agent could not answer, to the team leads (kefu.knowledge).
    "question.asked": Event(
        "待答疑问",
        ("question", "asker", "promised"),
        email=False,
        sms=False,
        zh=Words(
            "待答疑问:工单 {serial}",
            "{asker}记录了客户的疑问:“{question}”,已承诺 {promised} 前答复客户,请尽快答复。",
            "工单{serial}有待答疑问,{promised}前答复。",
        ),
        en=Words(
            "Question to answer: ticket {serial}",
            "{asker} recorded a caller's question: “{question}”. The customer was "
            "promised an answer by {promised}.",
            "Ticket {serial}: a question to answer by {promised}.",
        ),
    ),
    "question.answered": Event(
        "疑问已答复",
        ("question", "answer", "answerer"),
        email=False,
        sms=False,
        zh=Words(
            "疑问已答复:工单 {serial}",
            "{answerer}答复了疑问“{question}”:{answer}。已为您生成回电任务,请回电告知客户。",
            "工单{serial}的疑问已答复,请回电客户。",
        ),
        en=Words(
            "Question answered: ticket {serial}",
            "{answerer} answered “{question}”: {answer}. A callback task is yours: "
            "call the customer back with the answer.",
            "Ticket {serial}: question answered, please call the customer back.",
        ),
    ),
    # The agent's reply to the customer (kefu.desk.services.reply_to_customer); the reply is
    # checked for forbidden phrases before it is sent (kefu.core.wording).
    "ticket.reply": Event(
        "答复客户",
        ("reply",),
        email=True,
        sms=True,
        inapp=False,
        zh=Words(
            "答复:您反映的问题(工单 {serial})",
            "您好!关于您反映的问题(工单 {serial}):{reply}",
            "【答复】工单{serial}:{reply}",
        ),
        en=Words(
            "Reply: your request (ticket {serial})",
            "Hello, about your request (ticket {serial}): {reply}",
            "Ticket {serial}: {reply}",
        ),
    ),
    # The acknowledgement of a request that came in by itself (a mail, an SMS; kefu.
    # conversations.receive): its serial, to quote when writing again. ``subject`` is the
    # customer's subject or the first words of the text.
    "ticket.received": Event(
        "受理回执",
        ("subject",),
        email=True,
        sms=True,
        inapp=False,
        zh=Words(
            "已受理:{subject} [#{serial}]",
            "您好!您的来信已收到并受理,工单号 {serial}。我们会尽快答复;"
            "回复本邮件或来电时请提供工单号。\n\n此邮件为自动回执。",
            "您的诉求已受理,工单号{serial},我们会尽快答复。回复本短信可补充说明。",
        ),
        en=Words(
            "Received: {subject} [#{serial}]",
            "Hello, your message has been received and registered as ticket {serial}. We "
            "will answer soon; please quote the number when you write or call again.\n\n"
            "This is an automatic acknowledgement.",
            "Your request is registered as ticket {serial}. We will answer soon.",
        ),
    ),
    # A reply posted for the customer on the portal (kefu.conversations.reply, via web): an
    # SMS telling them to look, with no words of the reply (nothing personal goes by SMS).
    # ``portal_url`` the request's page on the portal.
    "ticket.web_reply": Event(
        "网站答复提醒",
        ("portal_url",),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "您的工单{serial}有新答复",
            "您的工单{serial}有新答复,请到{portal_url}查看。",
            "您的工单{serial}有新答复,请到{portal_url}查看。",
        ),
        en=Words(
            "New reply on your ticket {serial}",
            "Your ticket {serial} has a new reply. Please see {portal_url}",
            "Your ticket {serial} has a new reply. Please see {portal_url}",
        ),
    ),
    # The answer to a customer who texted 退订 / 订阅 (kefu.sms): notice SMS stop or start
    # again; replies to their own requests still come.
    # The portal's SMS code (kefu.portal): the customer proves the number before submitting
    # or tracking a request. ``passcode`` the 6 digits, ``minutes`` how long they hold.
    "portal.code": Event(
        "自助服务验证码",
        ("passcode", "minutes"),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "验证码",
            "您的验证码是{passcode},{minutes}分钟内有效。请勿告诉他人。",
            "您的验证码是{passcode},{minutes}分钟内有效。请勿告诉他人。",
        ),
        en=Words(
            "Verification code",
            "Your code is {passcode}, valid for {minutes} minutes. Do not share it.",
            "Your code is {passcode}, valid for {minutes} minutes. Do not share it.",
        ),
    ),
    "sms.unsubscribed": Event(
        "短信退订确认",
        ("hotline",),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "已退订公告短信",
            "您已退订停水等公告短信,此后不再收到停水、抢修通知;您的诉求答复仍会短信告知。"
            "如需恢复,请回复“订阅”。服务热线{hotline}。",
            "您已退订停水等公告短信,此后不再收到停水、抢修通知;您的诉求答复仍会短信告知。"
            "如需恢复,请回复“订阅”。服务热线{hotline}。",
        ),
        en=Words(
            "Unsubscribed from notice SMS",
            "You will no longer get outage and repair notices by SMS; answers to your own "
            "requests still come. Reply SUBSCRIBE to get them again. Hotline {hotline}.",
            "You will no longer get outage and repair notices by SMS; answers to your own "
            "requests still come. Reply SUBSCRIBE to get them again. Hotline {hotline}.",
        ),
    ),
    "sms.resubscribed": Event(
        "短信恢复订阅确认",
        ("hotline",),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "已恢复公告短信",
            "您已恢复订阅停水等公告短信。如需退订,请回复“TD”。服务热线{hotline}。",
            "您已恢复订阅停水等公告短信。如需退订,请回复“TD”。服务热线{hotline}。",
        ),
        en=Words(
            "Notice SMS on again",
            "You will get outage and repair notices by SMS again. Reply TD to stop them. "
            "Hotline {hotline}.",
            "You will get outage and repair notices by SMS again. Reply TD to stop them. "
            "Hotline {hotline}.",
        ),
    ),
    # The gateway puts the center's signature (【某某水务】) first: the words never start with
    # one of their own. ``streets`` (the streets within the areas, e.g. "(解放路、人民路)") and
    # ``advice`` (a sentence without its full stop, e.g. 请提前储水) may be empty.
    "notice.published": Event(
        "停水/抢修公告",
        ("kind", "notice_title", "areas", "streets", "starts_at", "expected_end", "advice"),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "{kind}公告:{notice_title}",
            "{kind}公告:{notice_title}。影响范围:{areas}{streets},{starts_at}至{expected_end}。"
            "给您带来不便,敬请谅解。{advice}",
            "{kind}通知:{notice_title},{areas}{streets},{starts_at}至{expected_end}。{advice}",
        ),
        en=Words(
            "{kind} notice: {notice_title}",
            "{kind} notice: {notice_title}. Affected: {areas}{streets}, from {starts_at} "
            "to {expected_end}. We apologise for the inconvenience. {advice}",
            "{kind}: {notice_title}, {areas}{streets}, {starts_at} to {expected_end}. {advice}",
        ),
    ),
    # The end of a notice, to the customers its publishing SMS went to (kefu.notices.campaign);
    # closing_text comes without a final full stop, the words add it.
    "notice.closed": Event(
        "停水/抢修结束通知",
        ("kind", "notice_title", "areas", "streets", "actual_end", "closing_text"),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "{kind}结束:{notice_title}",
            "{kind}结束:{notice_title}(影响范围:{areas}{streets})已于{actual_end}结束,"
            "{closing_text}。感谢您的理解。",
            "{kind}结束:{notice_title},{areas}{streets}已于{actual_end}结束,{closing_text}。"
            "感谢您的理解。",
        ),
        en=Words(
            "{kind} over: {notice_title}",
            "{kind} over: {notice_title} (affected: {areas}{streets}) ended at "
            "{actual_end}. {closing_text}. Thank you for your patience.",
            "{kind} over: {notice_title}, {areas}{streets}, ended at {actual_end}. {closing_text}. "
            "Thank you for your patience.",
        ),
    ),
    # Work orders (kefu.dispatch). The dispatch SMS itself is the text the dispatch template
    # made (at most 70 characters, see kefu.dispatch.message); the inbox line names the order.
    "workorder.dispatch": Event(
        "派工通知",
        ("text", "order_url"),
        email=False,
        sms=True,
        zh=Words(
            "新派工单 {serial}",
            "{text}",
            "{text}",
        ),
        en=Words(
            "New work order {serial}",
            "{text}",
            "{text}",
        ),
    ),
    "workorder.call_task": Event(
        "派工短信失败,需电话通知",
        ("who", "phone", "reason"),
        email=False,
        sms=False,
        zh=Words(
            "请电话通知:派工单 {serial}",
            "派工短信未能发给 {who}({phone}):{reason}。请立即电话通知并记录。",
            "派工单{serial}短信未能发给{who},请电话通知。",
        ),
        en=Words(
            "Phone needed: work order {serial}",
            "The dispatch SMS to {who} ({phone}) failed: {reason}. "
            "Please phone them now and record the call.",
            "Work order {serial}: SMS to {who} failed, please phone.",
        ),
    ),
    "workorder.en_route": Event(
        "外勤出发(告知客户)",
        ("name", "staff_phone", "code"),
        email=False,
        sms=True,
        inapp=False,
        zh=Words(
            "维修人员已出发:{serial}",
            "您的派工单{serial}:{name}({staff_phone})已出发,请保持电话畅通。"
            "完工确认码{code},满意后告知工作人员。",
            "您的派工单{serial}:{name}({staff_phone})已出发,请保持电话畅通。"
            "完工确认码{code},满意后告知工作人员。",
        ),
        en=Words(
            "Our staff are on their way: {serial}",
            "Work order {serial}: {name} ({staff_phone}) is on the way. Your "
            "completion code is {code}; give it to them when you are satisfied.",
            "Order {serial}: {name} ({staff_phone}) is on the way. Completion code {code}.",
        ),
    ),
    "workorder.check": Event(
        "派工检查",
        ("state", "who", "due"),
        email=False,
        sms=False,
        zh=Words(
            "派工检查:{serial} {state}",
            "派工单 {serial} 派工已一小时,{who} 仍为「{state}」。请跟进并写跟踪记录。",
            "派工单{serial}派工一小时仍为{state},请跟进。",
        ),
        en=Words(
            "Dispatch check: {serial} {state}",
            "Work order {serial} was dispatched an hour ago and {who} is still at "
            "“{state}”. Please follow up and write it on the tracking record.",
            "Order {serial} still {state} an hour after dispatch.",
        ),
    ),
    "workorder.chase": Event(
        "派工单超期催办",
        ("order_no", "overdue", "agent_no", "who", "chases", "due"),
        email=False,
        sms=True,
        zh=Words(
            "超期催办:派工单 {serial}",
            "派工单 {serial}(订单{order_no})已超过完成时间{overdue}(期限 {due}),"
            "{who} 仍未处理,这是第{chases}次催办。请跟进并写跟踪记录。[{agent_no}]",
            "[{serial}]订单{order_no}已超过完成时间{overdue},请尽快处理。[{agent_no}]",
        ),
        en=Words(
            "Overdue: work order {serial}",
            "Work order {serial} (order {order_no}) is {overdue} past its due time "
            "({due}) and {who} has not handled it; this is chase {chases}. Please "
            "follow up and write it on the tracking record. [{agent_no}]",
            "[{serial}] order {order_no} is {overdue} past its due time, please act. [{agent_no}]",
        ),
    ),
    "workorder.escalate": Event(
        "超期派工单上报",
        ("order_no", "overdue", "agent_no", "who", "chases"),
        email=True,
        sms=True,
        zh=Words(
            "超期未处理:派工单 {serial}",
            "[{serial}]订单{order_no}已超过完成时间{overdue},催办{chases}次仍未处理"
            "({who}),请督办。[{agent_no}]",
            "[{serial}]订单{order_no}超时{overdue},催办{chases}次未处理,请督办。[{agent_no}]",
        ),
        en=Words(
            "Still not handled: work order {serial}",
            "[{serial}] order {order_no} is {overdue} past its due time and was "
            "chased {chases} times ({who}). Please step in. [{agent_no}]",
            "[{serial}] order {order_no} {overdue} overdue, chased {chases} "
            "times. Please step in. [{agent_no}]",
        ),
    ),
}

COMMON = ("serial", "title", "url")

# What each placeholder stands for (the template editor's list).
VARIABLE_LABELS = {
    "serial": _("工单号"),
    "title": _("工单标题"),
    "url": _("链接"),
    "target": _("时限项目"),
    "due": _("期限"),
    "level": _("升级至"),
    "department": _("部门"),
    "submitter": _("提交人"),
    "decision": _("审批结果"),
    "note": _("备注"),
    "reason": _("原因"),
    "month": _("月份"),
    "question": _("疑问"),
    "asker": _("记录人"),
    "promised": _("承诺答复时间"),
    "answer": _("答复"),
    "answerer": _("答复人"),
    "reply": _("答复内容"),
    "kind": _("公告类型"),
    "notice_title": _("公告标题"),
    "areas": _("影响区域"),
    "streets": _("影响街道"),
    "starts_at": _("开始时间"),
    "expected_end": _("预计结束时间"),
    "advice": _("温馨提示"),
    "actual_end": _("实际结束时间"),
    "closing_text": _("结束说明"),
    "text": _("派工短信"),
    "order_url": _("派工单链接"),
    "who": _("接收人"),
    "phone": _("电话"),
    "name": _("外勤姓名"),
    "staff_phone": _("外勤电话"),
    "code": _("完工确认码"),
    "state": _("状态"),
    "order_no": _("订单号"),
    "overdue": _("超时时长"),
    "agent_no": _("坐席工号"),
    "chases": _("催办次数"),
    "hotline": _("服务热线"),
    "passcode": _("验证码"),
    "minutes": _("有效分钟"),
    "portal_url": _("自助查询链接"),
}

# What the template editor's preview fills in (kefu.notify.admin).
SAMPLE_VALUES = {
    "serial": "251124003",
    "title": "厨房水管爆裂",
    "url": "https://kefu.example.cn/t/251124003",
    "target": "结果反馈",
    "due": "2025-11-24 11:00",
    "level": "部门负责人",
    "department": "维修部",
    "submitter": "王强",
    "decision": "已通过",
    "note": "请于今日内回复客户",
    "reason": "同一小区多户停水超过24小时",
    "month": "2025年11月",
    "question": "阶梯水价怎么计算?",
    "asker": "李娜",
    "promised": "11-25 17:00",
    "answer": "按年度用水量分三档计价",
    "answerer": "张伟",
    "reply": "维修人员已于今日修复管道,请您试用。",
    "kind": "停水",
    "notice_title": "解放路管道抢修",
    "areas": "城东片区",
    "streets": "(解放路、人民路)",
    "starts_at": "11月25日08:00",
    "expected_end": "11月25日18:00",
    "advice": "请提前储水",
    "actual_end": "11月25日16:30",
    "closing_text": "已恢复供水",
    "text": "[P251124001]王建国,13512345678,解放路88号,厨房水管漏水[8011]",
    "order_url": "https://kefu.example.cn/dispatch/P251124001/",
    "who": "赵师傅",
    "phone": "13912345678",
    "name": "赵师傅",
    "staff_phone": "13912345678",
    "code": "4821",
    "state": "未接单",
    "order_no": "SO20251124001",
    "overdue": "2小时",
    "agent_no": "8011",
    "chases": "2",
    "hotline": "96000",
    "passcode": "382916",
    "minutes": "10",
    "portal_url": "https://kefu.example.cn/portal/requests/251124003/",
}

# Events integrators hear by webhook only (no words): code → name.
WEBHOOK_EVENTS = {
    "ticket.created": _("工单已创建"),
    "ticket.changed": _("工单已变更"),
    "workorder.created": _("派工单已创建"),
    "workorder.changed": _("派工单已变更"),
    "workorder.dispatched": _("派工单已派出"),
    "notice.updated": _("公告已更新"),
}


def variables(event: str) -> tuple[str, ...]:
    """The placeholders the words of ``event`` may use: the common ones and the event's own."""
    spec = EVENTS.get(event)
    return COMMON + (spec.context if spec else ())


def event_choices() -> list[tuple[str, str]]:
    """The events that have words, for a choice field: (code, "名称 (code)")."""
    return [(code, f"{event.name} ({code})") for code, event in EVENTS.items()]


def webhook_event_choices() -> list[tuple[str, str]]:
    """Every event a webhook can subscribe to."""
    return event_choices() + [(code, f"{name} ({code})") for code, name in WEBHOOK_EVENTS.items()]


# Below a staff member's e-mail: the ticket's page. Never below a customer's (an event not in
# the staff inbox): the page is the staff's, and behind their login.
EMAIL_LINK = {"zh-hans": "\n\n查看工单:{url}\n", "en": "\n\nOpen the ticket: {url}\n"}


def default_templates() -> list[dict]:
    """Every shipped template as field values: in-app, e-mail and SMS, in both languages."""
    rows = []
    for code, event in EVENTS.items():
        for language, words in (("zh-hans", event.zh), ("en", event.en)):
            link = "" if "{url}" in words.text or not event.inapp else EMAIL_LINK[language]
            texts = [("email", words.subject, words.text + link), ("sms", "", words.sms)]
            if event.inapp:
                texts.insert(0, ("inapp", words.subject, words.text))
            for channel, subject, body in texts:
                rows.append(
                    {
                        "event": code,
                        "channel": channel,
                        "language": language,
                        "subject": subject,
                        "body": body,
                    }
                )
    return rows


def load_defaults(template_model, rule_model) -> None:
    """Create the shipped templates and rules that are missing (models passed in, so a data
    migration can use its historical models)."""
    for row in default_templates():
        template_model.objects.get_or_create(
            event=row["event"],
            channel=row["channel"],
            language=row["language"],
            defaults={"subject": row["subject"], "body": row["body"]},
        )
    for code, event in EVENTS.items():
        rule_model.objects.get_or_create(
            event=code, defaults={"name": event.name, "email": event.email, "sms": event.sms}
        )
