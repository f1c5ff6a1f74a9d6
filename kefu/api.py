"""The one REST API, under /api/v1/. Each app's router is mounted here.

Errors have one shape: ``{"code": ..., "detail": ..., "field": ..., "errors": [...]}`` with a 4xx
status; ``code`` values are stable (see kefu.core.errors.Code).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from kefu.accounts.api_auth import API_AUTH
from kefu.business.api import router as business_router
from kefu.complaints.api import router as complaints_router
from kefu.conversations.api import router as conversations_router
from kefu.core import center
from kefu.core.bodies import load_json
from kefu.core.errors import ServiceError, refuse_nul
from kefu.core.schemas import localized_errors
from kefu.customers.api import router as customers_router
from kefu.desk.api import router as tickets_router
from kefu.desk.api import wording_router
from kefu.dispatch.api import router as dispatch_router
from kefu.followups.api import router as followups_router
from kefu.frontdesk.api import router as lostfound_router
from kefu.frontdesk.api import shift_router
from kefu.knowledge.api import router as knowledge_router
from kefu.notebooks.api import router as notebooks_router
from kefu.notices.api import router as notices_router
from kefu.notify.api import router as notify_router
from kefu.outbound.api import router as outbound_router
from kefu.portal.api import router as portal_router
from kefu.quality.api import router as quality_router
from kefu.reports.api import router as reports_router
from kefu.sla.api import router as sla_router
from kefu.sms.api import router as sms_router
from kefu.telephony.api import router as cti_router
from kefu.telephony.api import telephony_router
from kefu.training.api import router as training_router
from kefu.triage.api import router as triage_router
from kefu.workforce.api import router as workforce_router


class KefuParser(Parser):
    def parse_body(self, request):
        data = load_json(request.body)  # not JSON, or nested too deep: ninja's 400
        refuse_nul(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        result = super().parse_querydict(data, list_fields, request)
        refuse_nul(result)
        return result


class FieldErrorOut(Schema):
    field: str | None
    message: str
    type: str | None = Field(None, description="pydantic's error type, for schema errors")


class ErrorOut(Schema):
    """Every refusal: a stable ``code``, the ``detail`` in the language asked for, the first
    ``field`` at fault and all of them in ``errors``."""

    code: str = Field(..., examples=["invalid"])
    detail: str
    field: str | None
    errors: list[FieldErrorOut]


class KefuAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema, with the error shape published once and declared on every operation
        for any 4xx it answers (``4XX``): a client built from it reads every refusal."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error.pop("$defs", {}))
        components["ErrorOut"] = error
        refused = {
            "description": "Refused: a 4xx in the error shape (README, REST API)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault("4XX", refused)
        return schema


api = KefuAPI(
    title="Kefu API",
    version="1",
    description="客服中心平台接口:受理、工单流转、客户档案、来电弹屏。"
    "Authenticate with `Authorization: Bearer <token>` (`kefu token create --user NAME`).",
    urls_namespace="api",
    auth=API_AUTH,
    parser=KefuParser(),
)


@api.exception_handler(ServiceError)
def on_service_error(request, exc: ServiceError):
    body = exc.as_dict()
    body["errors"] = [{"field": exc.field, "message": exc.detail}] if exc.field else []
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = localized_errors(exc.errors)
    first = errors[0]["field"] if errors else None
    return api.create_response(
        request,
        {"code": "invalid", "detail": _("输入有误"), "field": first, "errors": errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request,
        {"code": "unauthorized", "detail": _("未登录或令牌无效"), "field": None, "errors": []},
        status=401,
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(
        request,
        {"code": "not_found", "detail": _("不存在"), "field": None, "errors": []},
        status=404,
    )


@csrf_exempt  # a POST with a token to a wrong address is a 404 too, not a CSRF refusal
def no_such_path(request, rest: str = ""):
    """Any other address under /api/v1/ (a path parameter of the wrong form, such as
    ``/customers/abc``): 404 in the error shape, not the site's HTML page."""
    return on_not_found(request, Http404())


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return api.create_response(
        request,
        {
            "code": "too_large",
            "detail": _("请求内容过大(最大 %d MB)") % (settings.DATA_UPLOAD_MAX_MEMORY_SIZE >> 20),
            "field": None,
            "errors": [],
        },
        status=413,
    )


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def on_too_many_fields(request, exc):
    """A form or query with more fields (or files) than any operation takes
    (DATA_UPLOAD_MAX_NUMBER_FIELDS, _FILES): Django refuses to read it."""
    return api.create_response(
        request,
        {"code": "invalid", "detail": _("请求的字段或文件过多"), "field": None, "errors": []},
        status=400,
    )


def unreadable_body(request):
    """400: the body is not JSON (or nests too deep), nor a form."""
    return api.create_response(
        request,
        {
            "code": "invalid",
            "detail": _("请求内容无法解析,请发送 JSON 对象或表单"),
            "field": None,
            "errors": [],
        },
        status=400,
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ServiceError):  # ninja wraps what the body parser raises
        return on_service_error(request, exc.__cause__)
    if isinstance(exc.__cause__, RequestDataTooBig):
        return on_too_big(request, exc.__cause__)
    if isinstance(exc.__cause__, TooManyFieldsSent | TooManyFilesSent):
        return on_too_many_fields(request, exc.__cause__)
    if exc.status_code == 400 and exc.__cause__ is not None:  # the body parser's refusal
        return unreadable_body(request)
    return api.create_response(
        request,
        {"code": "error", "detail": str(exc), "field": None, "errors": []},
        status=exc.status_code,
    )


@api.get("/health", auth=None, tags=["system"])
def health(request):
    """Liveness and database check for load balancers and monitoring."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


class CenterOut(Schema):
    name: str
    hotline: str
    sms_signature: str


@api.get("/center", response=CenterOut, tags=["system"])
def center_profile(request):
    """Who the center is (中心信息, edited in the admin): its name, hotline and the SMS
    signature every SMS starts with ("" when none is set). Any signed-in user or token."""
    profile = center.center()
    return {
        "name": profile.name,
        "hotline": profile.hotline,
        "sms_signature": profile.sms_signature,
    }


# Each app's router, mounted under its path.
api.add_router("/tickets", tickets_router)
api.add_router("/conversations", conversations_router)
api.add_router("/sms", sms_router)
api.add_router("/portal", portal_router)
api.add_router("/wording", wording_router)
api.add_router("/customers", customers_router)
api.add_router("/business", business_router)
api.add_router("/sla", sla_router)
api.add_router("/complaints", complaints_router)
api.add_router("/cti", cti_router)
api.add_router("/telephony", telephony_router)
api.add_router("/workforce", workforce_router)
api.add_router("/outbound", outbound_router)
api.add_router("/lostfound", lostfound_router)
api.add_router("/frontdesk", shift_router)
api.add_router("/training", training_router)
api.add_router("/notebooks", notebooks_router)
api.add_router("/quality", quality_router)
api.add_router("/notifications", notify_router)
api.add_router("/followups", followups_router)
api.add_router("/reports", reports_router)
api.add_router("/notices", notices_router)
api.add_router("/workorders", dispatch_router)
api.add_router("/knowledge", knowledge_router)
api.add_router("/triage", triage_router)
