from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from kefu.accounts import views as account_views
from kefu.api import api, no_such_path
from kefu.business import views as business_views
from kefu.complaints import views as complaint_views
from kefu.customers import views as customer_views
from kefu.dashboard import views as dashboard_views
from kefu.desk import views as ticket_views
from kefu.dispatch import mobile as field_views
from kefu.dispatch import views as dispatch_views
from kefu.followups import views as followup_views
from kefu.frontdesk import checklist_views
from kefu.frontdesk import views as lostfound_views
from kefu.knowledge import views as knowledge_views
from kefu.notices import views as notice_views
from kefu.notify import views as notify_views
from kefu.outbound import views as outbound_views
from kefu.reports import views as report_views
from kefu.telephony import views as call_views
from kefu.workforce import views as roster_views

urlpatterns = [
    path("", ticket_views.workbench, name="workbench"),
    path("workbench/lookup", ticket_views.lookup_partial, name="workbench-lookup"),
    path("workbench/triage", ticket_views.triage_partial, name="workbench-triage"),
    path("tickets/", ticket_views.queue, name="queue"),
    path("tickets/new", ticket_views.intake, name="intake"),
    path("tickets/bulk", ticket_views.bulk, name="queue-bulk"),
    path("tickets/views", ticket_views.save_view, name="queue-save-view"),
    path("tickets/views/<int:view_id>/remove", ticket_views.remove_view, name="queue-remove-view"),
    path("tickets/<str:serial>/", ticket_views.detail, name="ticket"),
    path("tickets/<str:serial>/action", ticket_views.action, name="ticket-action"),
    path("tickets/<str:serial>/note", ticket_views.note, name="ticket-note"),
    path("tickets/<str:serial>/reply", ticket_views.reply, name="ticket-reply"),
    path("wording/check", ticket_views.wording_partial, name="wording-check"),
    path("tickets/<str:serial>/assign", ticket_views.assign, name="ticket-assign"),
    path("tickets/<str:serial>/merge", ticket_views.merge, name="ticket-merge"),
    path("tickets/<str:serial>/attach", ticket_views.attach, name="ticket-attach"),
    path("tickets/<str:serial>/customer", ticket_views.link_customer, name="ticket-customer"),
    path(
        "tickets/<str:serial>/complaint/<slug:name>",
        complaint_views.step,
        name="complaint-step",
    ),
    path("complaints/groups/<int:group_id>/", complaint_views.group, name="complaint-group"),
    path(
        "complaints/groups/<int:group_id>/owner",
        complaint_views.group_owner,
        name="complaint-group-owner",
    ),
    path("legal-holds/", ticket_views.legal_hold_set, name="legal-hold-set"),
    path("legal-holds/<int:hold_id>/lift", ticket_views.legal_hold_lift, name="legal-hold-lift"),
    path("customers/", customer_views.customer_list, name="customers"),
    path("customers/new", customer_views.customer_edit, name="customer-new"),
    path("customers/import", customer_views.customer_import, name="customer-import"),
    path("customers/<int:customer_id>/", customer_views.customer_detail, name="customer"),
    path("customers/<int:customer_id>/edit", customer_views.customer_edit, name="customer-edit"),
    path(
        "customers/<int:customer_id>/overview",
        ticket_views.customer_overview_partial,
        name="customer-overview",
    ),
    path("business/panel", business_views.panel_partial, name="business-panel"),
    path("business/import", business_views.import_page, name="business-import"),
    path("roster/", roster_views.rosters, name="rosters"),
    path("roster/new", roster_views.roster_create, name="roster-create"),
    path("roster/mine/", roster_views.my_roster, name="my-roster"),
    path("roster/swaps/", roster_views.swap_list, name="roster-swaps"),
    path("roster/swaps/new", roster_views.swap_ask, name="roster-swap-ask"),
    path(
        "roster/swaps/<int:swap_id>/<str:action>",
        roster_views.swap_act,
        name="roster-swap-act",
    ),
    path("roster/attendance/", roster_views.attendance_page, name="roster-attendance"),
    path("roster/leave/", roster_views.leave_list, name="roster-leave"),
    path("roster/leave/new", roster_views.leave_ask, name="roster-leave-ask"),
    path(
        "roster/leave/<int:leave_id>/<str:action>",
        roster_views.leave_act,
        name="roster-leave-act",
    ),
    path("roster/tables/", roster_views.five_tables_page, name="roster-tables"),
    path("roster/tables.xlsx", roster_views.five_tables_export, name="roster-tables-export"),
    path("roster/attendance.xlsx", roster_views.attendance_export, name="roster-attendance-export"),
    path("roster/shifts/new", roster_views.template_create, name="shift-create"),
    path(
        "roster/shifts/<int:template_id>/toggle",
        roster_views.template_toggle,
        name="shift-toggle",
    ),
    path("roster/<int:roster_id>/", roster_views.roster, name="roster"),
    path("roster/<int:roster_id>.xlsx", roster_views.roster_export, name="roster-export"),
    path("roster/<int:roster_id>/publish", roster_views.roster_publish, name="roster-publish"),
    path("roster/<int:roster_id>/discard", roster_views.roster_discard, name="roster-discard"),
    path("frontdesk/shift/", lostfound_views.shift_desk, name="shift"),
    path("frontdesk/shift/signin", lostfound_views.shift_sign_in, name="shift-signin"),
    path("frontdesk/duty/open", lostfound_views.duty_open, name="duty-open"),
    path("frontdesk/duty/month/", lostfound_views.duty_month, name="duty-month"),
    path("frontdesk/duty/<int:record_id>/", lostfound_views.duty, name="duty"),
    path("frontdesk/handovers/new", lostfound_views.handover_create, name="handover-create"),
    path("frontdesk/handovers/<int:handover_id>/", lostfound_views.handover, name="handover"),
    path("frontdesk/meetings/new", lostfound_views.meeting_create, name="meeting-create"),
    path("frontdesk/meetings/<int:meeting_id>/", lostfound_views.meeting, name="meeting"),
    path("frontdesk/checklists/", checklist_views.checklists_page, name="checklists"),
    path(
        "frontdesk/checklists/<int:checklist_id>/fill",
        checklist_views.checklist_fill,
        name="checklist-fill",
    ),
    path(
        "frontdesk/checklists/runs/<int:run_id>/",
        checklist_views.checklist_run,
        name="checklist-run",
    ),
    path(
        "frontdesk/checklists/templates/",
        checklist_views.checklist_templates,
        name="checklist-templates",
    ),
    path(
        "frontdesk/checklists/templates/<int:checklist_id>/",
        checklist_views.checklist_template,
        name="checklist-template",
    ),
    path("lostfound/", lostfound_views.items, name="lostfound"),
    path("lostfound/new", lostfound_views.register, name="lostfound-register"),
    path("lostfound/<int:item_id>/", lostfound_views.item, name="lostfound-item"),
    path("lostfound/<int:item_id>/link", lostfound_views.link, name="lostfound-link"),
    path("lostfound/<int:item_id>/custody", lostfound_views.custody, name="lostfound-custody"),
    path("lostfound/<int:item_id>/claim", lostfound_views.claim, name="lostfound-claim"),
    path("lostfound/<int:item_id>/card", lostfound_views.card, name="lostfound-card"),
    path("lostfound/photo/<int:photo_id>", lostfound_views.photo, name="lostfound-photo"),
    path(
        "lostfound/signature/<int:claim_id>", lostfound_views.signature, name="lostfound-signature"
    ),
    path("lostfound/reports/", lostfound_views.reports, name="lostfound-reports"),
    path("lostfound/reports/<int:report_id>/", lostfound_views.report, name="lostfound-report"),
    path("lostfound/summary/", lostfound_views.summary, name="lostfound-summary"),
    path("lostfound/summary.xlsx", lostfound_views.summary_xlsx, name="lostfound-summary-xlsx"),
    path("lostfound/finance/", lostfound_views.batches, name="lostfound-batches"),
    path("lostfound/finance/<int:batch_id>/", lostfound_views.batch, name="lostfound-batch"),
    path("outbound/", outbound_views.lists, name="outbound-lists"),
    path("outbound/new", outbound_views.create, name="outbound-create"),
    path("outbound/sample.xlsx", outbound_views.sample_sheet, name="outbound-sample"),
    path("outbound/<int:list_id>/", outbound_views.detail, name="outbound-list"),
    path("outbound/<int:list_id>.xlsx", outbound_views.export, name="outbound-export"),
    path("outbound/<int:list_id>/work", outbound_views.work, name="outbound-work"),
    path("outbound/<int:list_id>/next", outbound_views.take_next, name="outbound-next"),
    path("outbound/<int:list_id>/<str:action>", outbound_views.move, name="outbound-move"),
    path("outbound/entry/<int:entry_id>/dial", outbound_views.dial, name="outbound-dial"),
    path("outbound/entry/<int:entry_id>/attempt", outbound_views.attempt, name="outbound-attempt"),
    path("outbound/entry/<int:entry_id>/release", outbound_views.release, name="outbound-release"),
    path("calls/", call_views.call_log, name="calls"),
    path("calls/missed/", call_views.missed_calls, name="call-missed"),
    path("calls/floor/", call_views.floor_page, name="call-floor"),
    path("calls/plan/", call_views.plan_page, name="call-plan"),
    path("calls/plan.xlsx", call_views.plan_export, name="call-plan-export"),
    path("calls/floor/panel", call_views.floor_panel, name="call-floor-panel"),
    path(
        "calls/floor/ladder/<int:step_id>/answer",
        call_views.ladder_step,
        {"action": "answer"},
        name="call-ladder-answer",
    ),
    path(
        "calls/floor/ladder/<int:step_id>/sign-out",
        call_views.ladder_step,
        {"action": "sign_out"},
        name="call-ladder-sign-out",
    ),
    path("calls/state", call_views.my_state, name="call-state"),
    path("calls/missed/<int:entry_id>/close", call_views.missed_close, name="call-missed-close"),
    path("calls/blacklist/", call_views.blacklist_page, name="call-blacklist"),
    path("calls/blacklist/add", call_views.blacklist_add, name="call-blacklist-add"),
    path(
        "calls/blacklist/<int:entry_id>/lift",
        call_views.blacklist_lift,
        name="call-blacklist-lift",
    ),
    path("calls/flag-script", call_views.flag_script, name="call-flag-script"),
    path("notifications/", notify_views.inbox, name="notifications"),
    path("notifications/read-all", notify_views.mark_all_read, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/read",
        notify_views.mark_read,
        name="notification-read",
    ),
    path("followups/", followup_views.task_list, name="followups"),
    path("followups/new", followup_views.create, name="followup-new"),
    path("followups/stats", followup_views.stats, name="followup-stats"),
    path("followups/<int:task_id>/", followup_views.task_detail, name="followup"),
    path("followups/<int:task_id>/attempt", followup_views.attempt, name="followup-attempt"),
    path("s/<str:token>", followup_views.survey, name="survey"),
    path("notices/", notice_views.notice_list, name="notices"),
    path("notices/new", notice_views.notice_create, name="notice-new"),
    path("notices/<int:notice_id>/", notice_views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/<slug:name>", notice_views.notice_action, name="notice-action"),
    path("portal/notices/", notice_views.portal_notices, name="portal-notices"),
    path("knowledge/", knowledge_views.search_page, name="knowledge"),
    path("knowledge/suggest", knowledge_views.suggest, name="knowledge-suggest"),
    path("knowledge/scripts", knowledge_views.scripts_partial, name="knowledge-scripts"),
    path("knowledge/manage/", knowledge_views.manage, name="knowledge-manage"),
    path("knowledge/questions/", knowledge_views.questions, name="knowledge-questions"),
    path("tickets/<str:serial>/question", knowledge_views.ask, name="ticket-question"),
    path("knowledge/new", knowledge_views.edit, name="knowledge-new"),
    path("knowledge/synonyms/", knowledge_views.synonyms, name="knowledge-synonyms"),
    path("knowledge/files/<int:attachment_id>", knowledge_views.file, name="knowledge-file"),
    path("knowledge/<int:article_id>/", knowledge_views.article, name="knowledge-article"),
    path("knowledge/<int:article_id>/edit", knowledge_views.edit, name="knowledge-edit"),
    path("knowledge/<int:article_id>/<slug:name>", knowledge_views.action, name="knowledge-action"),
    path("workorders/", dispatch_views.order_list, name="workorders"),
    path("workorders/new", dispatch_views.order_new, name="workorder-new"),
    path("workorders/preview", dispatch_views.preview, name="workorder-preview"),
    path("workorders/calls/", dispatch_views.call_list, name="workorder-calls"),
    path(
        "workorders/calls/<int:task_id>/record", dispatch_views.call_record, name="workorder-call"
    ),
    path(
        "workorders/messages/<int:message_id>/resend",
        dispatch_views.message_resend,
        name="workorder-resend",
    ),
    path("workorders/<str:serial>/", dispatch_views.order_detail, name="workorder"),
    path(
        "workorders/<str:serial>/<slug:name>", dispatch_views.order_action, name="workorder-action"
    ),
    path("wall/", dashboard_views.wall, name="wall"),
    path("wall/panel", dashboard_views.panel, name="wall-panel"),
    path("wall/phones", dashboard_views.phones, name="wall-phones"),
    path("reports/complaints/", report_views.monthly, name="report-complaints"),
    path(
        "reports/complaints/<str:month>.xlsx",
        report_views.workbook,
        name="report-complaints-xlsx",
    ),
    path(
        "reports/complaints/<str:month>/<slug:name>",
        report_views.action,
        name="report-complaints-action",
    ),
    # The field staff's phone pages; photos and signatures only to those who may see the order.
    path("m/", field_views.my_orders, name="m-orders"),
    path("m/files/<path:path>", field_views.order_file, name="m-file"),
    path("m/<str:serial>/", field_views.order_detail, name="m-order"),
    path("m/<str:serial>/step", field_views.step, name="m-step"),
    path("m/<str:serial>/complete", field_views.complete, name="m-complete"),
    path("m/<str:serial>/photos", field_views.add_photos, name="m-photos"),
    path("m/<str:serial>/note", field_views.add_note, name="m-note"),
    path("portal/", include("kefu.portal.urls")),
    path("chat/", include("kefu.chat.urls")),
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("login/code", account_views.login_code, name="login-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", account_views.my_account, name="my-account"),
    path("me/two-factor/start", account_views.two_factor_start, name="two-factor-start"),
    path("me/two-factor/confirm", account_views.two_factor_confirm, name="two-factor-confirm"),
    path("accounts/security/", account_views.security, name="login-security"),
    path("accounts/security/unlock", account_views.unlock, name="login-unlock"),
    path(
        "accounts/security/two-factor/<int:user_id>/reset",
        account_views.two_factor_reset,
        name="two-factor-reset",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    # One way in: the admin's own login page would skip the second step.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", no_such_path),
    # Attachments are served only to logged-in staff who may see the ticket, as downloads.
    # Nothing under MEDIA_ROOT is served any other way (kefu.core.downloads).
    path("media/<path:path>", ticket_views.media, name="media"),
]
