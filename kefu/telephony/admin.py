from django.contrib import admin

from kefu.telephony.models import CallRecord


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "direction",
        "from_number",
        "to_number",
        "state",
        "cause",
        "agent",
    ]
    list_filter = ["direction", "state"]
    search_fields = ["call_id", "customer_number"]
