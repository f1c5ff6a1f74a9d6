from io import BytesIO

import pytest
from openpyxl import Workbook

from kefu.core.errors import ServiceError
from kefu.core.models import AuditLog
from kefu.customers.importer import import_customers
from kefu.customers.models import Customer, CustomerPhone
from kefu.customers.selectors import lookup_by_phone
from kefu.customers.services import CustomerIn, PhoneIn, create_customer
from tests.customers.factories import make_customer


def test_caller_is_found_whatever_way_the_number_is_written(agent):
    customer = make_customer(agent, phones=["138-1234-5678", "(010) 8888 1234"])
    for raw in ["13812345678", "+86 138 1234 5678", "008613812345678", "010-88881234"]:
        assert [c.id for c in lookup_by_phone(agent, raw)] == [customer.id]
    assert lookup_by_phone(agent, "13900000000") == []


def test_lookup_is_one_indexed_equality(agent, django_assert_max_num_queries):
    create_customer(
        CustomerIn(
            name="物业公司",
            phones=[
                PhoneIn("13812345678"),
                *(PhoneIn(f"1391234567{i}", contact=f"经理{i}") for i in range(3)),
            ],
            contacts=[{"name": f"经理{i}"} for i in range(3)],
            area="yhy",
        ),
        actor=agent,
    )
    lookup_by_phone(agent, "13812345678")  # reads the branch and area once per process
    # The customers, then their tags, contacts and phones (with whose each phone is).
    with django_assert_max_num_queries(4):
        found = lookup_by_phone(agent, "138 1234 5678")
        phones = [(p.number, p.contact.name if p.contact else "") for p in found[0].phones.all()]
    assert sorted(phones) == [
        ("13812345678", ""),
        *((f"1391234567{i}", f"经理{i}") for i in range(3)),
    ]


def test_bad_phone_is_refused_and_nothing_written(agent):
    with pytest.raises(ServiceError) as err:
        make_customer(agent, phones=["13812345678", "abc"])
    assert err.value.field == "phones.1"
    assert Customer.objects.count() == 0
    assert CustomerPhone.objects.count() == 0


def test_department_staff_cannot_edit_the_archive(dept_handler):
    with pytest.raises(ServiceError) as err:
        create_customer(CustomerIn(name="李女士"), actor=dept_handler)
    assert err.value.code == "forbidden"


def test_branch_agent_sees_only_its_branch_customers(people):
    hq_customer = make_customer(people["agent"], area="yhy")
    sz_customer = make_customer(
        people["agent"], name="深圳客户", phones=["13900001111"], area="nsh"
    )
    assert lookup_by_phone(people["sz_agent"], "13812345678") == []
    assert [c.id for c in lookup_by_phone(people["sz_agent"], "13900001111")] == [sz_customer.id]
    assert hq_customer.branch.code == "hq"


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_excel_import_reports_each_bad_row_and_writes_only_good_ones(agent):
    data = _xlsx(
        [
            ["姓名", "电话", "地址", "片区", "户号", "标签"],
            ["王先生", "138 1234 5678, 010-88881234", "阳光花园1栋", "yhy", "A001", "VIP"],
            ["", "13900000000", "", "", "", ""],
            ["李女士", "not-a-phone", "", "", "", ""],
            ["张先生", "13700000000", "", "nowhere", "", ""],
            ["赵先生", "13600000000", "", "", "A001", ""],
            [None, None, None, None, None, None],
            ["陈女士", "13500000000", "", "nsh", "B002", "老人独居, 欠费提醒"],
        ]
    )
    result = import_customers(data, actor=agent)
    assert result.created == 2
    assert result.rejected == 4
    assert [(e["row"], e["field"]) for e in result.errors] == [
        (3, "name"),
        (4, "phones.0"),
        (5, "area"),
        (6, "account_no"),
    ]
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["王先生", "陈女士"]
    wang = Customer.objects.get(name="王先生")
    assert sorted(wang.phones.values_list("number", flat=True)) == ["01088881234", "13812345678"]
    chen = Customer.objects.get(name="陈女士")
    assert chen.branch.code == "sz"
    assert sorted(chen.tags.values_list("name", flat=True)) == ["欠费提醒", "老人独居"]


def test_excel_import_reads_the_gender(agent):
    data = _xlsx(
        [["姓名", "电话", "性别"], ["刘洋", "13800001111", "男"], ["周敏", "13800002222", "外星"]]
    )
    result = import_customers(data, actor=agent)
    assert (result.created, [(e["row"], e["field"]) for e in result.errors]) == (1, [(3, "gender")])
    assert Customer.objects.get(name="刘洋").gender == "male"


def test_import_refuses_a_file_that_is_not_excel(agent):
    with pytest.raises(ServiceError) as err:
        import_customers(b"name,phone\n", actor=agent)
    assert err.value.field == "file"


def test_api_customer_crud_never_hard_deletes(agent, api_as):
    api = api_as(agent)
    created = api.post(
        "/customers",
        {
            "name": "王先生",
            "phones": [
                {"number": "+86 138 1234 5678"},
                {"number": "0755-86001234", "label": "座机"},
            ],
            "area": "yhy",
            "account_no": "A100",
            "id_number": "110101199003071234",
            "tags": ["VIP"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert [p["number"] for p in body["phones"]] == ["13812345678", "075586001234"]
    assert body["branch"] == "hq"
    cid = body["id"]
    duplicate = api.post("/customers", {"name": "重复", "account_no": "A100"})
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "account_no"
    updated = api.put(
        f"/customers/{cid}", {"name": "王建国", "phones": [{"number": "13812345678"}]}
    )
    assert updated.status_code == 200
    assert updated.json()["name"] == "王建国"
    gone = api.delete(f"/customers/{cid}")
    assert gone.status_code == 200
    assert gone.json()["is_active"] is False
    assert Customer.objects.filter(pk=cid).exists()
    assert AuditLog.objects.filter(object_id=str(cid), action="customer.deactivate").count() == 1
    lookup = api.get("/customers/lookup", {"phone": "138-1234-5678"})
    assert lookup.status_code == 200
    assert [c["id"] for c in lookup.json()["customers"]] == [cid]


def test_api_masks_personal_data_for_roles_without_permission(people, api_as):
    make_customer(
        people["agent"], id_number="110101199003071234", address="朝阳区幸福路12号3单元501"
    )
    full = api_as(people["agent"]).get("/customers/lookup", {"phone": "13812345678"}).json()
    masked = api_as(people["quality"]).get("/customers/lookup", {"phone": "13812345678"}).json()
    assert full["customers"][0]["phones"][0]["number"] == "13812345678"
    assert masked["phone"] == "138****5678"
    customer = masked["customers"][0]
    assert customer["phones"][0]["number"] == "138****5678"
    assert customer["id_number"] == "110***********1234"
    assert customer["address"] == "朝阳区幸福路****"
    assert customer["masked"] is True


def test_api_rejects_bad_customer_input_with_field_errors(agent, api_as):
    response = api_as(agent).post("/customers", {"name": "", "phones": [{"number": "x"}]})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert "name" in [e["field"] for e in body["errors"]]
    assert Customer.objects.count() == 0


def test_customer_page_audits_unmasked_views(agent, web_as):
    customer = make_customer(agent)
    response = web_as(agent).get(f"/customers/{customer.id}/")
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    assert (
        AuditLog.objects.filter(action="customer.view_pii", object_id=str(customer.id)).count() == 1
    )


def test_customer_form_shows_localized_error(agent, web_as):
    response = web_as(agent).post(
        "/customers/new", {"name": "王先生", "kind": "person", "phones": "12"}
    )
    assert response.status_code == 422
    assert "电话号码无效" in response.content.decode()
    assert Customer.objects.count() == 0


def test_phone_inputs_are_accepted_as_dataclass(agent):
    customer = create_customer(
        CustomerIn(name="单位客户", kind="organization", phones=[PhoneIn("95598")]), actor=agent
    )
    assert customer.phones.get().number == "95598"


def test_api_contacts_are_created_replaced_and_validated(agent, api_as):
    api = api_as(agent)
    created = api.post(
        "/customers",
        {
            "name": "幸福里物业",
            "kind": "organization",
            "contacts": [{"name": "张经理", "relation": "物业经理"}, {"name": "李师傅"}],
            "phones": [{"number": "13900001111", "contact": "张经理"}],
        },
    )
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    assert created.json()["contacts"] == [
        {"name": "张经理", "relation": "物业经理"},
        {"name": "李师傅", "relation": ""},
    ]
    updated = api.put(
        f"/customers/{cid}",
        {
            "name": "幸福里物业",
            "kind": "organization",
            "contacts": [{"name": "张经理", "relation": "总经理"}, {"name": "赵会计"}],
            "phones": [{"number": "13900001111", "contact": "张经理"}],
        },
    )
    assert updated.status_code == 200, updated.content
    assert sorted((c["name"], c["relation"]) for c in updated.json()["contacts"]) == [
        ("张经理", "总经理"),
        ("赵会计", ""),
    ]
    phone = CustomerPhone.objects.get(customer_id=cid)
    assert phone.contact.name == "张经理"
    audit = AuditLog.objects.get(object_id=str(cid), action="customer.update")
    assert {"name": "李师傅", "relation": ""} in audit.detail["before"]["contacts"]
    bad = api.put(
        f"/customers/{cid}",
        {"name": "幸福里物业", "contacts": [{"name": "   "}]},
    )
    assert bad.status_code == 422
    assert Customer.objects.get(pk=cid).contacts.count() == 2  # nothing changed


def test_customer_form_edits_contacts_one_per_line(agent, web_as):
    client = web_as(agent)
    response = client.post(
        "/customers/new",
        {
            "name": "韩梅梅",
            "kind": "person",
            "phones": "13812345678",
            "contacts": "李雷\uff0c丈夫\n韩奶奶",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert sorted(customer.contacts.values_list("name", "relation")) == [
        ("李雷", "丈夫"),
        ("韩奶奶", ""),
    ]
    form = client.get(f"/customers/{customer.id}/edit").content.decode()
    assert "李雷,丈夫" in form


def test_api_update_without_contacts_keeps_them_and_duplicates_are_refused(agent, api_as):
    api = api_as(agent)
    cid = api.post(
        "/customers", {"name": "李雷", "contacts": [{"name": "韩梅梅", "relation": "妻子"}]}
    ).json()["id"]
    kept = api.put(f"/customers/{cid}", {"name": "李雷", "phones": [{"number": "13900002222"}]})
    assert kept.status_code == 200
    assert kept.json()["contacts"] == [{"name": "韩梅梅", "relation": "妻子"}]
    twice = api.put(
        f"/customers/{cid}",
        {"name": "李雷", "contacts": [{"name": "韩梅梅"}, {"name": "韩梅梅", "relation": "妻子"}]},
    )
    assert twice.status_code == 422
    assert twice.json()["field"] == "contacts.1"
    many = [{"name": f"联系人{n}"} for n in range(20)]
    over = api.put(
        f"/customers/{cid}",
        {
            "name": "李雷",
            "contacts": many,
            "phones": [{"number": "13900003333", "contact": "新人"}],
        },
    )
    assert over.status_code == 422
    assert over.json()["field"] == "contacts"
    assert Customer.objects.get(pk=cid).contacts.count() == 1


def test_contact_lines_split_at_the_last_comma():
    from kefu.customers.forms import split_contacts

    assert split_contacts("Smith, John,landlord\n\n王小明\uff0c儿子\n韩奶奶\n") == [
        {"name": "Smith, John", "relation": "landlord"},
        {"name": "王小明", "relation": "儿子"},
        {"name": "韩奶奶", "relation": ""},
    ]


def test_api_profile_audits_unmasked_views_and_not_masked_ones(people, api_as):
    customer = make_customer(people["agent"])
    assert api_as(people["agent"]).get(f"/customers/{customer.id}").status_code == 200
    assert api_as(people["quality"]).get(f"/customers/{customer.id}").status_code == 200
    views = AuditLog.objects.filter(action="customer.view_pii", object_id=str(customer.id))
    assert list(views.values_list("actor__username", flat=True)) == ["agent"]
