from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Customer


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("姓名/名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类别"), choices=Customer.Kind.choices)
    gender = forms.ChoiceField(
        label=_("性别"), choices=[("", "—"), *Customer.Gender.choices], required=False
    )
    phones = forms.CharField(
        label=_("电话"),
        max_length=300,
        required=False,
        help_text=_("多个号码用逗号分隔,第一个为主号码"),
    )
    contacts = forms.CharField(
        label=_("联系人"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一人:姓名,关系/职务,如“王小明,儿子”"),
    )
    account_no = forms.CharField(label=_("户号/账号"), max_length=40, required=False)
    id_number = forms.CharField(label=_("证件号"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    area = forms.CharField(label=_("片区编码"), max_length=30, required=False)
    tags = forms.CharField(label=_("标签"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件(.xlsx)"))


def split_contacts(text: str) -> list[dict[str, str]]:
    """``王小明,儿子`` per line → [{"name": "王小明", "relation": "儿子"}]; a line without a
    comma is a name alone. The last comma splits, so a name may hold one ("Smith, John")."""
    contacts = []
    for line in (text or "").splitlines():
        line = line.replace("\uff0c", ",")
        name, _sep, relation = line.rpartition(",") if "," in line else (line, "", "")
        if name.strip() or relation.strip():
            contacts.append({"name": name.strip(), "relation": relation.strip()})
    return contacts
