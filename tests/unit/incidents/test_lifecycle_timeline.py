from __future__ import annotations

from datetime import timedelta

import pytest

from console.api import contract
from console.incidents import lifecycle, timeline
from tests.unit.incidents.conftest import T0, incident


def test_steps_forward_only_need_units_and_are_stamped() -> None:
    data = incident().model_dump(mode="json")
    with pytest.raises(lifecycle.LifecycleError, match="unità"):
        lifecycle.advance(data, "dispatched", "op1")
    data["units"] = ["U1"]
    step = lifecycle.advance(data, "dispatched", "op1", at=T0 + timedelta(minutes=1))
    assert step["status"] == "dispatched"
    assert step["history"][-1]["user"] == "op1"
    on_scene = lifecycle.advance(step, "on_scene", "op2")  # en route may be skipped
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.advance(on_scene, "dispatched", "op2")
    closed = lifecycle.advance(on_scene, "closed", "op2")
    assert lifecycle.allowed("closed") == []
    assert len(closed["history"]) == 4
    assert data["history"] != closed["history"]  # the input is not modified


def test_timeline_merges_sources_in_time_order() -> None:
    inc = incident()
    alert = contract.Alert(id="A1", source="anpr", type="anpr.hotlist", priority=1,
                           title="Targa rubata FA123BC", created_at=T0 - timedelta(minutes=3),
                           updated_at=T0)
    msg = contract.ChatMessage(id="M1", channel_id="c", sender="vvf1", desk="VVF Milano",
                               text="Squadra in arrivo", sent_at=T0 + timedelta(minutes=4))
    local = [{"at": (T0 + timedelta(minutes=2)).isoformat(), "status": "dispatched",
              "user": "op1"}]
    entries = timeline.build([h.model_dump() for h in inc.history], [alert], [msg], local)
    assert [e.kind for e in entries] == ["alert", "status", "local", "message"]
    assert "attesa" in entries[2].text
    # Once the server has the step (stamped a little later), it is shown once, as confirmed.
    server = [*[h.model_dump() for h in inc.history],
              {"at": T0 + timedelta(minutes=2, seconds=7), "user": "op1", "status": "dispatched"}]
    again = timeline.build(server, local=[*local, {"at": T0.isoformat(), "status": "new"}])
    assert [e.kind for e in again] == ["status", "status"]


def test_server_and_alert_codes_map_onto_the_taxonomy() -> None:
    from console.incidents import taxonomy

    assert taxonomy.canonical("furto") == "theft"
    assert taxonomy.get("veicolo_in_sosta_vietata").code == "illegal_parking"
    assert taxonomy.from_prefill("anpr.hotlist") == ("suspicious_vehicle", [])
    assert taxonomy.from_prefill("cap.weather") == ("other", ["cap.weather"])
    assert taxonomy.from_prefill("fire") == ("fire", [])
    assert taxonomy.get("sconosciuto").label == "sconosciuto"  # kept, not lost


def test_chat_messages_about_an_incident_are_collected_once(qtbot: object) -> None:
    from console.incidents.messages import IncidentMessages

    messages = IncidentMessages()
    msg = {"id": "M1", "channel_id": "pl-vvf", "sender": "vvf1", "desk": "VVF Milano",
           "text": "APS in arrivo", "sent_at": T0.isoformat(), "incident_id": "INC-1"}
    events = [contract.Event(id=1, event="chat.message", data=msg),
              contract.Event(id=2, event="chat.message", data={**msg, "id": "M0",
                                                                "incident_id": None}),
              contract.Event(id=3, event="chat.message", data={"id": "bad"})]
    seen: list[list[str]] = []
    messages.messages_changed.connect(seen.append)
    messages.apply(events)
    messages.apply(events[:1])  # replay
    assert seen == [["INC-1"]]
    assert [m.text for m in messages.for_incident("INC-1")] == ["APS in arrivo"]
    assert messages.for_incident("INC-2") == []
