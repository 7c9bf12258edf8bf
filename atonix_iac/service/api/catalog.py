"""Stack-less endpoints: validate, template versions and functions, resource types,
build_info, services."""

from __future__ import annotations

import socket
import uuid
from typing import Any

import falcon

import atonix_iac
from atonix_iac.errors import AtonixError
from atonix_iac.providers.base import PropertySchema, ResourceSchema
from atonix_iac.state.records import StackRecord
from atonix_iac.template.functions.table import function_names
from atonix_iac.template.versions import HOT_VERSIONS, VERSION_ALIASES

from ..engine import load_stack_template
from .common import Services, binding, check_tenant, identity, not_found, read_json
from .documents import apply_body, check_record

_PARAM_TYPES = {
    "string": "String",
    "number": "Number",
    "comma_delimited_list": "CommaDelimitedList",
    "json": "Json",
    "boolean": "Boolean",
}


class Validate:
    """``POST /validate``: 200 with the parameters' description, or 400 with the problem."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def on_post(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        body = read_json(req)
        found = binding(req)
        record = StackRecord(
            id=str(uuid.uuid4()),
            project_id=identity(req).project_id,
            name="validate",
            workspace=found.workspace,
            environment=found.environment,
        )
        apply_body(record, body, patch=False, settings=self.services.engine.settings)
        record.parameters = {}  # validate does not need values (Heat's ignore_errors)
        try:
            template = load_stack_template(record)
        except AtonixError as err:
            from .common import bad_request

            raise bad_request(err.message, "StackValidationFailed") from None
        record.parameters = dict(body.get("parameters") or {})
        if all(p.has_default or p.name in record.parameters for p in template.parameters.values()):
            check_record(self.services.engine, record, found)
        parameters: dict[str, Any] = {}
        for name, param in template.parameters.items():
            entry: dict[str, Any] = {
                "Type": _PARAM_TYPES.get(str(param.type).lower(), str(param.type)),
                "Description": param.description or "",
                "Label": param.label or name,
                "NoEcho": "true" if param.hidden else "false",
            }
            if param.has_default:
                entry["Default"] = param.default
            if name in record.parameters:
                entry["Value"] = record.parameters[name]
            parameters[name] = entry
        result: dict[str, Any] = {
            "Description": template.description or "No description",
            "Parameters": parameters,
        }
        if template.parameter_groups:
            result["ParameterGroups"] = [
                {"label": g.label, "description": g.description, "parameters": list(g.parameters)}
                for g in template.parameter_groups
            ]
        resp.media = result


class TemplateVersions:
    def __init__(self, services: Services) -> None:
        self.services = services

    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        versions = []
        for version in HOT_VERSIONS:
            aliases = [
                f"heat_template_version.{a}" for a, v in VERSION_ALIASES.items() if v == version
            ]
            versions.append(
                {"version": f"heat_template_version.{version}", "type": "hot", "aliases": aliases}
            )
        resp.media = {"template_versions": versions}

    def on_get_functions(
        self, req: falcon.Request, resp: falcon.Response, tenant_id: str, template_version: str
    ) -> None:
        check_tenant(req, tenant_id)
        key, _, date = template_version.partition(".")
        date = VERSION_ALIASES.get(date, date)
        if key != "heat_template_version" or date not in HOT_VERSIONS:
            raise not_found(f"Template with version {template_version} ")
        resp.media = {
            "template_functions": [
                {"functions": name, "description": f"HOT function {name}"}
                for name in sorted(function_names(date))
            ]
        }


def _property_view(prop: PropertySchema) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": prop.type.lower(),
        "required": prop.required,
        "update_allowed": prop.update_allowed,
        "immutable": prop.immutable,
        "description": "",
        "constraints": [dict(c) for c in prop.constraints],
    }
    if prop.has_default:
        view["default"] = prop.default
    if prop.schema:
        view["schema"] = {k: _property_view(v) for k, v in prop.schema.items()}
    elif prop.item_schema is not None:
        view["schema"] = {"*": _property_view(prop.item_schema)}
    return view


class ResourceTypes:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _schema(self, req: falcon.Request, type_name: str) -> ResourceSchema:
        schema = self.services.engine.registry(binding(req)).schema(type_name)
        if schema is None:
            raise not_found(f"Resource Type ({type_name}) ")
        return schema

    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        registry = self.services.engine.registry(binding(req))
        names = sorted(registry.type_names())
        wanted = req.get_param("name")
        if wanted:
            names = [n for n in names if wanted in n]
        if req.get_param_as_bool("with_description"):
            resp.media = {
                "resource_types": [{"resource_type": n, "description": ""} for n in names]
            }
        else:
            resp.media = {"resource_types": names}

    def on_get_schema(
        self, req: falcon.Request, resp: falcon.Response, tenant_id: str, type_name: str
    ) -> None:
        check_tenant(req, tenant_id)
        schema = self._schema(req, type_name)
        resp.media = {
            "resource_type": type_name,
            "properties": {k: _property_view(v) for k, v in schema.properties.items()},
            "attributes": {
                k: {"description": "", "type": (v.type or "string").lower()}
                for k, v in schema.attributes.items()
            },
            "support_status": {
                "status": schema.support_status,
                "version": None,
                "message": None,
                "previous_status": None,
            },
            "description": "",
        }

    def on_get_template(
        self, req: falcon.Request, resp: falcon.Response, tenant_id: str, type_name: str
    ) -> None:
        """A HOT template exposing the type: each property a parameter, each attribute an
        output (Heat's ``resource_types/{type}/template``)."""
        check_tenant(req, tenant_id)
        schema = self._schema(req, type_name)
        parameters: dict[str, Any] = {}
        for name, prop in schema.properties.items():
            param: dict[str, Any] = {"type": _hot_type(prop.type), "description": ""}
            if prop.has_default:
                param["default"] = prop.default
            parameters[name] = param
        properties = {name: {"get_param": name} for name in schema.properties}
        resp.media = {
            "heat_template_version": "2016-10-14",
            "description": f"Initial template of {type_name}",
            "parameters": parameters,
            "resources": {"resource": {"type": type_name, "properties": properties}},
            "outputs": {
                name: {"description": "", "value": {"get_attr": ["resource", name]}}
                for name in schema.attributes
            },
        }


def _hot_type(heat_type: str) -> str:
    return {
        "String": "string",
        "Integer": "number",
        "Number": "number",
        "Boolean": "boolean",
        "List": "comma_delimited_list",
        "Map": "json",
        "Json": "json",
    }.get(heat_type, "string")


class BuildInfo:
    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        revision = f"atonix {atonix_iac.__version__}"
        resp.media = {"api": {"revision": revision}, "engine": {"revision": revision}}


class ServiceList:
    """``GET /services``: the workers this process knows of (Heat lists engines; admin)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        if not identity(req).is_admin:
            from .common import HeatError

            raise HeatError(403, "You are not authorized to complete this action.", "Forbidden")
        host = socket.gethostname()
        kind = type(self.services.jobs).__name__
        resp.media = {
            "services": [
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, host)),
                    "host": host,
                    "binary": "atonix-serve",
                    "topic": "engine",
                    "engine_id": kind,
                    "hostname": host,
                    "status": "up",
                    "report_interval": 60,
                    "created_at": None,
                    "updated_at": None,
                    "deleted_at": None,
                }
            ]
        }
