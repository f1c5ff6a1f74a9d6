from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from kefu.customers.models import Contact, Customer, CustomerPhone, Store


class PhoneInline(admin.TabularInline):
    model = CustomerPhone
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "account_no", "branch", "area", "is_active"]
    list_filter = ["branch", "is_active", "kind"]
    search_fields = ["name", "account_no", "phones__number"]
    inlines = [ContactInline, PhoneInline]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "branch", "is_active"]
    list_filter = ["branch", "is_active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a store closes (is_active off); its members and purchases stay
