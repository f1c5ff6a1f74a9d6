from __future__ import annotations

from kefu.customers.services import CustomerIn, PhoneIn, create_customer


def make_customer(actor, *, name="王先生", phones=("13812345678",), area="yhy", **fields):
    return create_customer(
        CustomerIn(name=name, phones=[PhoneIn(p) for p in phones], area=area, **fields),
        actor=actor,
    )
