"""Our CAP export read by a real CAP consumer: the training back-end's CAP 1.2 ingest parses
it (required elements, formats, area) and turns it into an alert, as another agency's system
would."""

from __future__ import annotations

import httpx
import pytest

from console.api import contract
from console.incidents.exports import check_cap, to_cap
from console.training.launcher import TrainingProcess
from tests.integration.conftest import API, auth_headers

pytestmark = [pytest.mark.integration]


def test_cap_export_is_accepted_by_a_cap_consumer(
        shared_training_server: TrainingProcess) -> None:
    server = shared_training_server
    radio = auth_headers(server, "radio")
    created = httpx.post(f"{server.base_url}{API}/incidents", headers=radio, timeout=10, json={
        "type": "flooding", "priority": 2, "lon": 9.2231, "lat": 45.4878,
        "address": "Sottopasso via Ponte Seveso", "comune": "Milano",
        "narrative": "Sottopasso allagato, 40 cm d'acqua, auto bloccata."})
    assert created.status_code == 201, created.text
    incident = contract.Incident.model_validate(created.json())
    xml = to_cap(incident, operator="radio", exercise=True)
    assert check_cap(xml) == []
    supervisor = auth_headers(server, "supervisor")
    r = httpx.post(f"{server.base_url}{API}/cap", content=xml.encode("utf-8"), timeout=10,
                   headers={**supervisor, "Content-Type": "application/cap+xml"})
    assert r.status_code == 200, r.text
    result = contract.CapResult.model_validate(r.json())
    assert result.msg_type == "Alert"
    assert result.status == "Exercise"
    assert len(result.created) == 1
    alert = httpx.get(f"{server.base_url}{API}/alerts/{result.created[0]}", headers=radio,
                      timeout=10).json()
    assert alert["exercise"] is True  # CAP Exercise is never shown as real
    assert alert["geometry"] is not None  # the circle became an area on the map
