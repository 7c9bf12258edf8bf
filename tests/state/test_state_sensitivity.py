"""The propagation rule: an attribute holding a secret property's value, verbatim or encoded
the way a cloud echoes it, is secret as a whole; the store seals it whoever wrote it."""

from __future__ import annotations

import base64
import json

import pytest
from _state_kit import KEY, Backend
from hypothesis import given, settings
from hypothesis import strategies as st

from atonix_iac.apply.refresh import refreshed_resource
from atonix_iac.providers.base import ResourceResult
from atonix_iac.state.model import ResourceState
from atonix_iac.state.sensitivity import Needles, secret_attribute_names
from atonix_iac.state.sql import SqlStateStore

SECRET = "tok3n-Zq9x-Lw2m-Vb7c"
SCRIPT = f"#!/bin/sh\necho {SECRET} > /etc/app-token\n"
SCRIPT_B64 = base64.b64encode(SCRIPT.encode()).decode()

secrets_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=6, max_size=40
)
context_text = st.text(max_size=30)


def names(attributes: dict[str, object], secret: object) -> frozenset[str]:
    return secret_attribute_names(attributes, {"user_data": secret}, ["user_data"])


def test_nova_show_echoing_user_data_base64_is_secret_as_a_whole() -> None:
    attributes = {
        "name": "app",
        "show": {"id": "9b1", "name": "app", "user_data": SCRIPT_B64, "flavor": {"vcpus": 1}},
        "first_address": "10.0.0.5",
    }
    assert names(attributes, SCRIPT) == {"show"}


@pytest.mark.parametrize(
    ("echo", "secret"),
    [
        (SCRIPT, SCRIPT),  # verbatim
        (SCRIPT_B64, SCRIPT),  # base64, standard alphabet
        (base64.urlsafe_b64encode(SCRIPT.encode()).decode(), SCRIPT),  # URL-safe alphabet
        (SCRIPT_B64.rstrip("="), SCRIPT),  # base64 without its padding
        ("\n".join(SCRIPT_B64[i : i + 8] for i in range(0, len(SCRIPT_B64), 8)), SCRIPT),
        (json.dumps({"script": SCRIPT}), SCRIPT),  # inside a JSON document (escaped)
        (SCRIPT_B64, SECRET),  # a secret inside an encoded script
        (f"token={base64.b64encode(SECRET.encode()).decode()};", SECRET),  # its own base64
    ],
)
def test_every_echo_of_the_secret_counts(echo: str, secret: str) -> None:
    assert names({"echo": {"deep": [echo]}, "name": "app"}, secret) == {"echo"}


def test_unrelated_attributes_and_short_numbers_stay_plain() -> None:
    attributes = {"name": "app", "vcpus": 1, "size": 2048, "id": "5f0e3c1e-0b0b-4b1e"}
    assert names(attributes, SCRIPT) == frozenset()
    assert names(attributes, {"port": 22}) == frozenset()  # a count, not a secret
    assert names(attributes, {"pin": 2048}) == {"size"}  # four digits and more: a secret


def test_no_secret_properties_means_no_walk() -> None:
    assert not Needles([])
    assert not Needles(["", None, [], {}])
    assert secret_attribute_names({"a": "x"}, {"p": "x"}, [], {"declared"}) == {"declared"}


@settings(max_examples=150, deadline=None)
@given(secret=secrets_text, before=context_text, after=context_text, nested=st.booleans())
def test_a_secret_inside_any_text_or_its_base64_is_found(
    secret: str, before: str, after: str, nested: bool
) -> None:
    text = before + secret + after
    for echo in (text, base64.b64encode(text.encode()).decode()):
        value: object = {"show": {"user_data": echo}} if nested else echo
        assert Needles([secret]).found_in(value)


# JSON-like attribute values made of characters no secret below uses, and short numbers.
plain_leaf = st.one_of(
    st.text(alphabet=" .,;:!?()[]<>@#%&*", max_size=20),
    st.integers(min_value=-999, max_value=999),
    st.booleans(),
    st.none(),
)
plain_value = st.recursive(
    plain_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)
plain_attributes = st.dictionaries(st.text(min_size=1, max_size=8), plain_value, max_size=6)
word_secret = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789", min_size=6)


@settings(max_examples=150, deadline=None)
@given(attributes=plain_attributes, secret=word_secret)
def test_attributes_without_the_secret_stay_plain(
    attributes: dict[str, object], secret: str
) -> None:
    assert names(attributes, secret) == frozenset()


@settings(max_examples=150, deadline=None)
@given(attributes=plain_attributes, secret=word_secret, data=st.data())
def test_the_attribute_that_gains_the_secret_and_only_it_turns_secret(
    attributes: dict[str, object], secret: str, data: st.DataObject
) -> None:
    encode = data.draw(st.sampled_from([str, lambda t: base64.b64encode(t.encode()).decode()]))
    echo = encode(f"#!/bin/sh\nexport TOKEN={secret}\n")
    attributes = {**attributes, "show": {"nested": [attributes, {"user_data": echo}]}}
    assert names(attributes, secret) == {"show"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_refresh_keeps_an_echoed_secret_sealed(backend: Backend, store: SqlStateStore) -> None:
    resource = ResourceState(
        "server",
        "OS::Nova::Server",
        "9b1",
        properties={"name": "app", "user_data": SCRIPT},
        attributes={"name": "app", "show": {"user_data": None}},
        sensitive_properties=frozenset({"user_data"}),
    )
    read = ResourceResult("9b1", {"show": {"name": "app", "user_data": SCRIPT_B64}})

    fresh = refreshed_resource(resource, read)

    assert fresh.sensitive_attributes == {"show"}


def test_the_store_seals_derived_attributes_whoever_wrote_them(
    backend: Backend, store: SqlStateStore
) -> None:
    # Written as a caller that never looked at the attributes: the store looks.
    store.put_resource(
        KEY,
        ResourceState(
            "server",
            "OS::Nova::Server",
            "9b1",
            properties={"name": "app", "user_data": SCRIPT},
            attributes={"name": "app", "show": {"name": "app", "user_data": SCRIPT_B64}},
            sensitive_properties=frozenset({"user_data"}),
        ),
    )
    raw = repr(backend.raw_rows("resources"))
    for needle in (SECRET, SCRIPT_B64, SCRIPT_B64[:40]):
        assert needle not in raw
    assert "app" in raw
    loaded = store.load(KEY).resources["server"]
    assert loaded.sensitive_attributes == {"show"}
    assert loaded.attributes["show"]["user_data"] == SCRIPT_B64


def test_an_output_echoing_a_secret_parameter_is_sealed(
    backend: Backend, store: SqlStateStore
) -> None:
    store.set_outputs(
        KEY,
        {"dsn": f"postgres://app:{SECRET}@db/app", "host": "db"},
        frozenset(),
        {"db_password": SECRET},
        None,
        sensitive_parameters=frozenset({"db_password"}),
    )
    assert SECRET not in repr(backend.raw_rows("stacks"))
    assert store.load(KEY).sensitive_outputs == {"dsn"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_rows_written_before_the_rule_are_masked_when_read(
    backend: Backend, store: SqlStateStore
) -> None:
    """A row from before encodings were matched: `show` plain beside a sealed user_data."""
    store.put_resource(
        KEY,
        ResourceState(
            "server",
            "OS::Nova::Server",
            "9b1",
            properties={"user_data": SCRIPT},
            attributes={"show": {"name": "app"}},
            sensitive_properties=frozenset({"user_data"}),
        ),
    )
    backend.execute(
        "UPDATE resources SET attributes = "
        + repr(json.dumps({"show": {"user_data": SCRIPT_B64}}))
        + ", sensitive_attributes = '[]'"
    )
    assert store.load(KEY).resources["server"].sensitive_attributes == {"show"}


def test_reseal_seals_what_an_older_version_left_in_the_clear(
    backend: Backend, store: SqlStateStore
) -> None:
    """user_data unmarked and `show` echoing it, as written before either was secret."""
    store.put_resource(
        KEY,
        ResourceState(
            "server",
            "OS::Nova::Server",
            "9b1",
            properties={"name": "app", "user_data": SCRIPT},
            attributes={"name": "app", "show": {"name": "app", "user_data": SCRIPT_B64}},
        ),
    )
    store.put_resource(
        KEY, ResourceState("net", "OS::Neutron::Net", "n1", properties={"name": "n"})
    )
    assert SECRET in repr(backend.raw_rows("resources"))

    def schema_secrets(type_name: str) -> frozenset[str]:
        return frozenset({"user_data"}) if type_name == "OS::Nova::Server" else frozenset()

    assert store.reseal(KEY, schema_secrets) == ["server"]

    raw = repr(backend.raw_rows("resources"))
    assert SECRET not in raw and SCRIPT_B64[:40] not in raw and "app" in raw
    server = store.load(KEY).resources["server"]
    assert server.sensitive_properties == {"user_data"}
    assert server.sensitive_attributes == {"show"}
    assert server.properties["user_data"] == SCRIPT
    assert store.reseal(KEY, schema_secrets) == []  # nothing left to do
