from django.contrib import admin

from kefu.sla.models import Policy, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "ticket_type", "severity", "complaint_class", "channel", "is_active"]
    list_filter = ["is_active", "ticket_type", "severity", "complaint_class"]
    inlines = [TargetInline]
