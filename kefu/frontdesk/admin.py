from django.contrib import admin

from kefu.core.admin import ReadOnlyAdmin
from kefu.frontdesk.models import FinanceBatch


@admin.register(FinanceBatch)
class FinanceBatchAdmin(ReadOnlyAdmin):
    """Batches handed to finance, to read; items move only through the desk's pages."""

    list_display = ("serial", "created_at", "count", "created_by")
