"""Environment files: sections, merging, the resource registry and Heat's global aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.environment import Environment, global_environment, load_environments
from atonix_iac.template.files import FileReader


def _load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *texts: str) -> Environment:
    monkeypatch.chdir(tmp_path)
    names = []
    for i, text in enumerate(texts):
        name = f"env{i}.yaml"
        (tmp_path / name).write_text(text)
        names.append(name)
    return load_environments(names, FileReader().read)


def test_sections_merge_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _load(
        tmp_path,
        monkeypatch,
        "parameters: {a: 1, b: x}\nparameter_defaults: {d: 1}\n",
        "parameters:\n  b: y\nencrypted_param_names: [b]\n",
    )
    assert env.parameters == {"a": 1, "b": "y"}
    assert env.parameter_defaults == {"d": 1}
    assert env.parameter_sources["b"] == SourceLocation("env1.yaml", 2, 3)
    assert env.encrypted_param_names == ["b"]


def test_merge_strategies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _load(
        tmp_path,
        monkeypatch,
        "parameters: {tags: [a], cfg: {x: {p: 1}}, s: one}\n",
        "parameter_merge_strategies: {tags: merge, cfg: deep_merge, s: merge}\n"
        "parameters: {tags: [b], cfg: {x: {q: 2}}, s: two}\n",
    )
    assert env.parameters == {
        "tags": ["a", "b"],
        "cfg": {"x": {"p": 1, "q": 2}},
        "s": "one,two",
    }


def test_unknown_and_empty_sections_are_located_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(TemplateError) as info:
        _load(tmp_path, monkeypatch, "parameter:\n  a: 1\nresource_registry:\n")
    assert info.value.format().splitlines() == [
        "env0.yaml:1:1: error: unknown environment section `parameter` "
        "(did you mean `parameters`?)",
        "env0.yaml:3:1: error: environment section `resource_registry` is empty "
        "(remove it or fill it in)",
    ]


def test_registry_maps_types_globs_and_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub" / "env.yaml").write_text(
        "resource_registry:\n"
        '  "My::Server": server.yaml\n'
        '  "OS::Network*": "OS::Neutron*"\n'
        '  "My::Alias": "My::Server"\n'
        "  resources:\n"
        "    db*:\n"
        '      "My::Server": "OS::Heat::None"\n'
        "      hooks: pre-create\n"
    )
    env = load_environments(["sub/env.yaml"], FileReader().read)
    server = env.resolve_type("My::Server", "web")
    assert (server.type, server.is_template) == ("sub/server.yaml", True)
    assert env.resolve_type("My::Alias").type == "sub/server.yaml"
    assert env.resolve_type("OS::Network::Port").type == "OS::Neutron::Port"
    assert env.resolve_type("My::Server", "db1").type == "OS::Heat::None"
    assert env.overrides[0].hooks == ("pre-create",)
    assert env.resolve_type("OS::Nova::Server").via is None


def test_global_environment_keeps_old_names_working() -> None:
    env = global_environment()
    assert env.resolve_type("OS::Quantum::Net").type == "OS::Neutron::Net"
    assert env.resolve_type("OS::Ceilometer::Alarm").type == "OS::Aodh::Alarm"


@pytest.mark.parametrize(
    ("registry", "message"),
    [
        ('"My::T": server.yml', "must end in .yaml or .template"),
        ('"My::T": https://example.com/x.yaml', "remote template"),
        ('"My::T": [a]', "must map to a type name or a template file"),
        ('"My::*::T": "X"', r"only a trailing `\*` glob"),
    ],
)
def test_bad_registry_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: str, message: str
) -> None:
    with pytest.raises(TemplateError, match=message) as info:
        _load(tmp_path, monkeypatch, f"resource_registry:\n  {registry}\n")
    assert info.value.diagnostics[0].location is not None


def test_missing_env_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TemplateError, match="file `nope.yaml` does not exist"):
        load_environments(["nope.yaml"], FileReader().read)
