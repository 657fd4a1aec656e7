"""Cursor-on-Target parsing, without a server."""

from __future__ import annotations

import pytest

from console.training import cot

T = 'time="2026-03-01T10:00:00Z" start="2026-03-01T10:00:00Z" stale="2026-03-01T10:05:00.5Z"'


def test_position_event() -> None:
    ev = cot.parse(f"""<event version="2.0" uid="u-1" type="a-f-G-U-C" {T} how="m-g">
        <point lat="45.47" lon="9.19" hae="9999999.0" ce="12" le="9999999.0"/>
        <detail><contact callsign="Delta 01"/><track course="270" speed="5"/>
        </detail></event>""".encode())
    assert ev.kind == "atom"
    assert (ev.lat, ev.lon, ev.hae, ev.ce, ev.le) == (45.47, 9.19, None, 12.0, None)
    assert (ev.callsign, ev.course, ev.speed_ms) == ("Delta 01", 270.0, 5.0)
    assert ev.stale.microsecond == 500_000


def test_geochat_event() -> None:
    ev = cot.parse(f"""<event version="2.0" uid="GeoChat.A.All Chat Rooms.1" type="b-t-f" {T}
        how="h-g-i-g-o"><point lat="0" lon="0" hae="0" ce="0" le="0"/><detail>
        <__chat chatroom="All Chat Rooms" senderCallsign="ALFA"/><remarks>ciao</remarks>
        </detail></event>""".encode())
    assert (ev.kind, ev.chatroom, ev.chat_sender, ev.remarks) == (
        "chat", "All Chat Rooms", "ALFA", "ciao")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"not xml", 400),
        (b"<alert/>", 422),
        (f'<event uid="x" type="a-f-G" {T}/>'.encode(), 422),  # no point
        (f'<event uid="x" type="a-f-G" {T}><point lat="95" lon="0"/></event>'.encode(), 422),
        (f'<event uid="x" type="a-f-G" {T}><point lat="nan" lon="0"/></event>'.encode(), 422),
        (b'<event uid="x" type="a-f-G" time="yesterday" start="x" stale="y">'
         b'<point lat="1" lon="1"/></event>', 422),
        (f'<event uid="x" type="u-d-p" {T}><point lat="1" lon="1"/></event>'.encode(), 422),
    ],
)
def test_garbage_is_refused(body: bytes, status: int) -> None:
    with pytest.raises(cot.CotError) as err:
        cot.parse(body)
    assert err.value.status == status
