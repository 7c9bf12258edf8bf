"""OS::Heat::Delay's waits, TestResource's physical name, and the MIME helpers' round trip
(what cloud-init parses is what was put in)."""

from __future__ import annotations

import email
from email.message import Message
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.heat.delay import wait_seconds
from atonix_iac.providers.mime import Part, multipart, split_multipart
from atonix_iac.providers.openstack._userdata import build_user_data


def test_delay_waits_min_wait_plus_jitter_only_in_its_actions(
    identity: ResourceIdentity, sleep: Any
) -> None:
    delay = HeatProvider(sleep=sleep).resource_types()["OS::Heat::Delay"]
    props = {"min_wait": 2, "max_jitter": 3, "jitter_multiplier": 2, "actions": ["CREATE"]}
    created = delay.create(identity, props)
    assert len(sleep.calls) == 1 and 2 <= sleep.calls[0] < 8
    delay.delete(identity, created.physical_id, props)
    assert len(sleep.calls) == 1  # DELETE is not among the actions
    delay.delete(identity, created.physical_id, {**props, "actions": ["DELETE"]})
    assert len(sleep.calls) == 2
    assert wait_seconds(props, "CREATE", draw=0.5) == 5.0
    assert wait_seconds({"min_wait": 1}, "CREATE", draw=0.9) == 1.0  # defaults: no jitter
    assert not delay.schema.updatable("min_wait")  # no handle_update: a change replaces
    assert [d.message for d in delay.check({"min_wait": -1})] == ["`min_wait` must be at least 0"]


def test_test_resource_takes_heats_physical_resource_name(identity: ResourceIdentity) -> None:
    knobs = HeatProvider().resource_types()["OS::Heat::TestResource"]
    made = knobs.create(identity, {"value": "x"})
    stack, name, short = made.physical_id.rsplit("-", 2)
    assert (stack, name, len(short)) == ("stack", "res", 12)


_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=60
).map(lambda s: s.strip() + "\n")
_parts = st.lists(
    st.tuples(_text, st.sampled_from(["", "x-shellscript", "cloud-config", "plain"])),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(_parts)
def test_multipart_round_trips_in_order(items: list[tuple[str, str]]) -> None:
    parts = [
        Part(text, subtype, f"f{i}.txt" if i % 2 else "") for i, (text, subtype) in enumerate(items)
    ]
    message = email.message_from_string(multipart(parts))
    assert message.get_content_type() == "multipart/mixed"
    read = [p for p in message.get_payload() if isinstance(p, Message)]
    assert [p.get_payload() for p in read] == [p.content for p in parts]
    assert [p.get_content_subtype() for p in read] == [p.subtype or "plain" for p in parts]
    assert [p.get_filename() for p in read] == [p.filename or None for p in parts]
    assert split_multipart(multipart(parts)) == [
        Part(p.content, p.subtype or "plain", p.filename) for p in parts
    ]


def test_software_config_user_data_that_is_not_multipart_is_one_plain_part() -> None:
    text = build_user_data("SOFTWARE_CONFIG", "#!/bin/sh\necho hi\n")
    parts = [p for p in email.message_from_string(text).get_payload() if isinstance(p, Message)]
    assert [p.get_content_type() for p in parts] == [
        "text/cloud-config",
        "text/cloud-boothook",
        "text/part-handler",
        "text/plain",
    ]
    assert parts[3].get_payload() == "#!/bin/sh\necho hi\n"
    assert parts[3]["Content-Disposition"] == "attachment; filename"  # as Heat's make_subpart
    assert build_user_data("RAW", "as is") == "as is"
