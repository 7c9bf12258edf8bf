"""A template whose properties are wrong is refused (400) in Heat's words, which heatclient
and ``openstack stack create`` print as Heat users know them:
``Property error: resources.<name>.properties.<prop>: <message>``, type
``StackValidationFailed``."""

from __future__ import annotations

import pytest
from _service_kit import RunningService, openstack_cli
from heatclient import exc as heat_exc

pytestmark = pytest.mark.timeout(120)


def _template(resource: str) -> str:
    return "heat_template_version: 2018-08-31\nresources:\n" + resource


CASES = [
    (
        "  word:\n    type: OS::Heat::RandomString\n    properties: {lenght: 8}\n",
        "Property error: resources.word.properties: Unknown Property lenght",
    ),
    (
        "  v:\n    type: OS::Heat::Value\n",
        "Property error: resources.v.properties: Property value not assigned",
    ),
    (
        "  word:\n    type: OS::Heat::RandomString\n    properties: {length: abc}\n",
        "Property error: resources.word.properties.length: Value 'abc' is not an integer",
    ),
    (
        "  word:\n    type: OS::Heat::RandomString\n    properties: {length: 0}\n",
        "Property error: resources.word.properties.length: 0 is out of range (min: 1,",
    ),
    (
        "  v:\n    type: OS::Heat::Value\n    properties: {value: 1, type: nope}\n",
        'Property error: resources.v.properties.type: "nope" is not an allowed value [',
    ),
    (
        "  word:\n    type: OS::Heat::RandomString\n    properties:\n"
        "      character_classes: [{class: lowercase, min: x}]\n",
        "Property error: resources.word.properties.character_classes[0].min:"
        " Value 'x' is not an integer",
    ),
]


@pytest.mark.parametrize(("resource", "expected"), CASES)
def test_property_errors_read_as_heat_words_them(
    service: RunningService, resource: str, expected: str
) -> None:
    heat = service.heat("demo")
    with pytest.raises(heat_exc.HTTPBadRequest) as caught:
        heat.stacks.create(stack_name="invalid", template=_template(resource))
    assert expected in str(caught.value)
    assert caught.value.error["error"]["type"] == "StackValidationFailed"
    assert caught.value.error["error"]["message"].startswith("Property error: resources.")
    with pytest.raises(heat_exc.HTTPBadRequest) as validated:
        heat.stacks.validate(template=_template(resource))
    assert expected in str(validated.value)


def test_hidden_values_stay_out_of_property_errors(service: RunningService) -> None:
    template = (
        "heat_template_version: 2018-08-31\n"
        "parameters:\n  pw: {type: string, hidden: true, default: s3cret-value}\n"
        "resources:\n  word:\n    type: OS::Heat::RandomString\n"
        "    properties: {length: {get_param: pw}}\n"
    )
    heat = service.heat("demo")
    with pytest.raises(heat_exc.HTTPBadRequest) as caught:
        heat.stacks.create(stack_name="invalid", template=template)
    assert "resources.word.properties.length" in str(caught.value)
    assert "s3cret-value" not in str(caught.value)


def test_openstack_stack_create_prints_heats_words(service: RunningService) -> None:
    path = service.root / "invalid.yaml"
    path.write_text(_template(CASES[0][0]))
    created = openstack_cli(service, "stack", "create", "-t", str(path), "invalid")
    assert created.returncode != 0
    assert f"ERROR: {CASES[0][1]}" in created.stderr
    assert "Traceback" not in created.stderr
