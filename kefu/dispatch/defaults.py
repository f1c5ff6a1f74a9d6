"""The dispatch SMS templates Kefu ships, one per kind of order.

Loaded into the database by a migration (templates are data a center edits);
``add_templates`` adds only the kinds that have none, so an edited template is never
overwritten. Kept free of model imports so the migration can use it with historical models.
"""

from __future__ import annotations

# The seed's order (DOMAIN §3): serial, shipper, phone, goods, quantity, weight, volume,
# destination, consignee, phone, payment, extra charges, hint, agent no.
LOGISTICS = (
    "[{serial}]{customer},{phone},{goods},{quantity},{weight},{volume},{destination},"
    "{consignee},{consignee_phone},{payment},{charges},{hint}[{agent_no}]"
)
# On-site work: who, how to reach them, where, what is wrong, when they expect the visit.
ON_SITE = "[{serial}]{customer},{phone},{address},{goods},{window},{hint}[{agent_no}]"

DEFAULT_TEMPLATES: dict[str, str] = {
    "repair": ON_SITE,
    "pickup": LOGISTICS,
    "delivery": LOGISTICS,
    "install": ON_SITE,
    "survey": ON_SITE,
    "other": ON_SITE,
}


def add_templates(MessageTemplate) -> None:
    """Create the active default template of every kind that has no template yet."""
    existing = set(MessageTemplate.objects.values_list("kind", flat=True))
    MessageTemplate.objects.bulk_create(
        MessageTemplate(kind=kind, text=text, is_active=True)
        for kind, text in DEFAULT_TEMPLATES.items()
        if kind not in existing
    )
