"""Set-MailboxServer -MAPIEncryptionRequired adds its core time to that server's Store Driver traffic."""

from __future__ import annotations

import pytest
from conftest import ZERO_STAGES, one_site

import sim


def scenario(required: bool) -> dict:
    s = one_site(hubs=1, mailbox_servers=2, rate="0.2/s", duration="1h", record="hops", stages=ZERO_STAGES)
    s["sites"][0]["hubs"][0]["cores"] = 64
    s["sites"][0]["mailbox_servers"][0].update(mapi_encryption_required=required, mapi_encryption_cost="3ms")
    return s


def test_encryption_costs_core_time_on_submission_from_and_delivery_to_that_server():
    result = sim.run(scenario(required=True))
    hops = result.hops
    submit = hops[hops["station"] == "StoreDriverSubmission"]
    by_origin = submit.assign(origin=submit["message_id"]).merge(
        result.messages[["message_id", "origin_server"]].drop_duplicates(), on="message_id"
    )
    from_encrypted = by_origin[by_origin["origin_server"] == "MBX1"]["service_s"]
    from_plain = by_origin[by_origin["origin_server"] == "MBX2"]["service_s"]
    assert from_encrypted.to_numpy() == pytest.approx(0.003) and len(from_encrypted) > 100
    assert (from_plain == 0).all() and len(from_plain) > 100
    deliveries = hops[hops["station"].isin(["MBX1", "MBX2"])]
    assert deliveries[deliveries["station"] == "MBX1"]["service_s"].to_numpy() == pytest.approx(0.003)
    assert (deliveries[deliveries["station"] == "MBX2"]["service_s"] == 0).all()


def test_no_encryption_no_cost():
    hops = sim.run(scenario(required=False)).hops
    assert (hops["service_s"] == 0).all()
