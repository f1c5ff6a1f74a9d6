"""Admin widgets shared by the apps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.functional import Promise


class TemplateEditor(forms.Textarea):
    """A template's textarea with its placeholders (click to insert at the cursor), a live
    preview, the character count and the errors as one types (kefu/template_editor.js).

    ``preview_url`` answers GET ``text`` plus the values of the ``context_fields`` (other
    fields of the form, by id, e.g. the event or the kind) with JSON from the app's own filler
    (see kefu.dispatch.admin, kefu.notify.admin): the page never fills a template itself.
    """

    template_name = "kefu/widgets/template_editor.html"

    def __init__(
        self,
        *,
        preview_url: str | Promise,
        placeholders: Iterable[tuple[str, str | Promise]] = (),
        context_fields: Sequence[str] = (),
        attrs: dict[str, Any] | None = None,
    ) -> None:
        base: dict[str, Any] = {
            "rows": 4,
            "cols": 80,
            "data-template-editor": "",
            "data-preview-url": preview_url,
        }
        base["data-context-fields"] = ",".join(context_fields)
        super().__init__(attrs={**base, **(attrs or {})})
        self.placeholders = [(name, str(label)) for name, label in placeholders]

    class Media:
        js = ["kefu/template_editor.js"]
        css = {"all": ["kefu/template_editor.css"]}

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["placeholders"] = self.placeholders
        return context
