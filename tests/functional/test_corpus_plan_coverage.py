"""How much of the real Heat corpus (openstack/heat-templates) atonix can plan against the
simulator: every template that validates is planned with sensible parameter values (an
existing flavor, image, key pair, network and subnet; a generated name or a dummy value of the
right type for the rest) and checked against the cloud as ``atonix plan`` checks it (custom
constraints). As Heat's own gate does, the objects the parameters name (a domain, region, pool,
security group, image, flavor ...) are first created in the simulator, through its APIs.

The counts are printed (planned / validated / total, and the types most often missing a
provider). A type without a provider is expected (providers arrive over time) and is no
failure; a traceback is, and so is planning or validating fewer templates than the floors
(today's figures: raise them as providers land). Templates Heat itself refuses are listed apart
with Heat's reason (``HEAT_REFUSES``), so the count tells "Heat accepts and atonix plans" from
"Heat refuses".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openstack
import pytest

from atonix_iac.apply.cloud_checks import check_constraints
from atonix_iac.errors import AtonixError, Severity, TemplateError
from atonix_iac.planner import make_plan, validate_stack
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.simulator.server import SimulatorServer
from atonix_iac.state.model import StackKey, State
from atonix_iac.template import Template, bind_parameters, load_template
from atonix_iac.template.constraints import check_constraints as check_constraints_of
from atonix_iac.template.model import Parameter, ParamType
from atonix_iac.workspace.binding import Binding
from tests.functional._corpus_cloud import creators, missing_objects, parameter_values
from tests.template.test_corpus import ENTRIES, MANIFEST, corpus_tree, dummy_value, env_for

__all__ = ["corpus_tree"]  # the fixture, shared with the corpus loading test

# Today's figures (88 planned / 92 validated / 102): a drop below either is a regression.
# (hot/multi_region_hello_world.yaml stopped validating on purpose: an OS::Heat::Stack in
# another region is refused.)
PLANNED_FLOOR = 88
VALIDATED_FLOOR = 92
KEY = StackKey("corpus", "dev", "corpus")
# Templates whose own content Heat refuses too (at stack validate), with Heat's reason: they
# are counted apart from "Heat accepts and atonix cannot plan it yet".
HEAT_REFUSES = {
    "hot/mistral/templates/autoscaling_using_mistral.yaml": (
        "passes `security_group` to server_with_ip.yaml, which declares no such parameter "
        "(Heat: 'Unknown Property security_group')"
    ),
    **{
        f"openshift-origin/F19/hot-template/{variant}/openshift.yaml": (
            "the scaling group's member template nodeinstance.yaml requires `public_net_id`, "
            "which the group does not pass (Heat fails the member stack: 'The Parameter "
            "(public_net_id) was not provided')"
        )
        for variant in (
            "openshift-scalable-cpu",
            "openshift-scalable-cpu-nbgears",
            "openshift-scalable-nbgears",
        )
    },
}
# Values an operator gives on the command line (``-var``) that no rule can guess: the
# OpenShift templates' scaling group takes its member template from a parameter (their README
# passes the node template's address).
OPERATOR_VALUES = {"asg_template_repo_address": "nodeinstance.yaml"}
CATALOGUE = frozenset({"glance.image", "nova.flavor"})

pytestmark = [
    pytest.mark.skipif(not MANIFEST.exists(), reason="corpus not present"),
    pytest.mark.timeout(600),
]


@dataclass(frozen=True)
class CloudNames:
    flavor: str = "m1.small"
    image: str = "cirros"
    key_name: str = "corpus-key"
    network: str = "corpus-net"
    subnet: str = "corpus-subnet"
    public: str = "public"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    names = CloudNames()
    with SimulatorServer(tmp_path_factory.mktemp("sim"), projects=("demo",)) as server:
        clouds = server.write_clouds_yaml()
        mp = pytest.MonkeyPatch()
        mp.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
        sdk = openstack.connect(cloud="atonix-sim", project_name="demo")
        net = sdk.network.create_network(name=names.network)
        sdk.network.create_subnet(
            name=names.subnet, network_id=net.id, cidr="10.99.0.0/24", ip_version=4
        )
        sdk.compute.create_keypair(name=names.key_name)
        binding = Binding("corpus", "dev", "atonix-sim", "demo", "RegionOne")
        registry = Registry.from_providers(
            [HeatProvider(), OpenStackProvider(binding)], plugins=False
        )
        try:
            yield Cloud(registry, names, sdk)
        finally:
            registry.close()
            sdk.close()
            mp.undo()


@dataclass(frozen=True)
class Cloud:
    registry: Registry
    names: CloudNames
    sdk: Any  # admin connection: creates the objects a template's parameters name


def cloud_object(name: str, param: Parameter, cloud: CloudNames) -> str | None:
    """The cloud's own object for a parameter that names one (whatever its default, which
    names an object of the template author's cloud), else None."""
    if param.type is not ParamType.STRING:
        return None
    constraints = set(param.custom_constraints)
    lowered = name.lower()
    if "nova.flavor" in constraints or "flavor" in lowered:
        return cloud.flavor
    if "glance.image" in constraints or "image" in lowered:
        return cloud.image
    if "nova.keypair" in constraints or lowered.startswith("key") or "key_name" in lowered:
        return cloud.key_name
    if "neutron.subnet" in constraints or "subnet" in lowered or "sub_net" in lowered:
        return cloud.subnet
    if "public" in lowered or "external" in lowered or "floating" in lowered:
        return cloud.public
    if "neutron.network" in constraints or lowered.endswith(
        ("net", "network", "net_id", "network_id", "net_name")
    ):
        return cloud.network
    return None


@dataclass
class Coverage:
    total: int = 0
    validated: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    missing: Counter[str] = field(default_factory=Counter)
    why_not: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    validated: bool
    planned: bool
    problem: str | None = None
    missing: frozenset[str] = frozenset()  # types with no provider


def _first_line(err: AtonixError) -> str:
    return err.format().splitlines()[0]


def plan_one(path: str, env: str | None, cloud: Cloud) -> Outcome:
    """Load, validate, plan and check one template; anything but an AtonixError propagates
    (a traceback fails the test)."""
    registry, names = cloud.registry, cloud.names
    try:
        template = load_template(path, [env] if env else [], template_vars=OPERATOR_VALUES)
        params = _bind(template, names)
        errors = [
            d for d in validate_stack(template, registry, params) if d.severity is Severity.ERROR
        ]
    except AtonixError as err:
        return Outcome(False, False, _first_line(err))
    if errors:
        return Outcome(False, False, errors[0].format().splitlines()[0])
    missing = frozenset(
        spec.type
        for spec in template.resources.values()
        if registry.is_known(spec.type) and not registry.has_provider(spec.type)
    )
    try:
        plan = make_plan(template, params, State(KEY), registry)
        _check_creating_named_objects(template, plan, params, cloud)
    except AtonixError as err:
        return Outcome(True, False, _first_line(err), missing)
    return Outcome(True, True, None, missing)


def _check_creating_named_objects(template: Template, plan: Any, params: Any, cloud: Cloud) -> None:
    """The cloud checks, after creating the objects the parameters name (as Heat's gate
    creates a template's prerequisites); a name written in the template is created only for
    the catalogues an operator uploads to (images, flavors, as a mapping's AMI names)."""
    make = creators(cloud.names.subnet, cloud.names.network)
    given = parameter_values(params)
    created: set[tuple[str, str]] = set()
    while True:
        try:
            check_constraints(cloud.registry.implementation, template, plan)
            return
        except TemplateError as err:
            wanted = {
                (kind, name)
                for kind, name in missing_objects(err)
                if (name in given or kind in CATALOGUE)
                and kind in make
                and (kind, name) not in created
            }
            if not wanted:
                raise
            for kind, name in sorted(wanted):
                make[kind](cloud.sdk, name)
                created.add((kind, name))


def _bind(template: Template, names: CloudNames) -> Any:
    """What an operator would pass: the cloud's flavor, image, key pair, network and subnet
    for the parameters that name one, dummy values of the right type for other required
    ones."""
    values: dict[str, Any] = {
        name: value for name, value in OPERATOR_VALUES.items() if name in template.parameters
    }
    for name, param in template.parameters.items():
        from_env = (
            name in template.environment_parameters
            or name in template.environment_parameter_defaults
        )
        if name in values:
            continue
        chosen = cloud_object(name, param, names)
        if chosen is not None and not check_constraints_of(param, chosen):
            values[name] = chosen
        elif not param.has_default and not from_env:
            values[name] = _generated_name(name, param)
    return bind_parameters(
        template, values, stack_name="corpus", stack_id="sid", project_id="pid", region="r1"
    )


def _generated_name(name: str, param: Parameter) -> Any:
    """A name for a required string (the object it names may be created for it), else a dummy
    value of the parameter's type."""
    generated = f"corpus-{name}".replace("_", "-")
    if param.type is ParamType.STRING and not check_constraints_of(param, generated):
        return generated
    return dummy_value(param)


def test_corpus_plan_coverage(
    corpus_tree: Path,
    cloud: Cloud,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(corpus_tree)
    coverage = Coverage(total=len(ENTRIES))
    for entry in ENTRIES:
        path = entry["path"]
        outcome = plan_one(path, env_for(entry), cloud)
        if outcome.validated:
            coverage.validated.append(path)
        if outcome.planned:
            coverage.planned.append(path)
        elif outcome.problem:
            coverage.why_not[path] = outcome.problem
        coverage.missing.update(outcome.missing)
    with capsys.disabled():
        print(
            f"\ncorpus plan coverage: {len(coverage.planned)} planned / "
            f"{len(coverage.validated)} validated / {coverage.total} total"
        )
        print("  types most often missing a provider (templates using each):")
        for type_name, count in coverage.missing.most_common(12):
            print(f"    {count:3d}  {type_name}")
        unplanned = sorted(set(coverage.validated) - set(coverage.planned))
        refused = [p for p in unplanned if p in HEAT_REFUSES]
        print(
            f"  of the {len(unplanned)} validated and not planned, Heat refuses {len(refused)}; "
            f"Heat accepts and atonix does not plan {len(unplanned) - len(refused)}"
        )
        for path in refused:
            print(f"  Heat refuses this too: {path}: {HEAT_REFUSES[path]}")
        for path in unplanned:
            if path not in HEAT_REFUSES:
                print(f"  not planned: {path}: {coverage.why_not.get(path, '?')}")
    assert len(coverage.validated) >= VALIDATED_FLOOR, coverage.why_not
    assert len(coverage.planned) >= PLANNED_FLOOR, coverage.why_not
    for path in HEAT_REFUSES:  # refused here too, and for the reason Heat gives
        assert path not in coverage.planned, path
