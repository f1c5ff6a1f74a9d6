from django.contrib import admin

from kefu.quality.models import QualitySettings


@admin.register(QualitySettings)
class QualitySettingsAdmin(admin.ModelAdmin):
    list_display = ("period", "share_percent", "minimum", "updated_at")
