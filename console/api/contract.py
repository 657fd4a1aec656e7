"""The back-end contract v1: the pydantic types shared by the training back-end and the console.

The server's OpenAPI document is generated from these types, and the console parses what it
receives with them, so the two cannot drift apart. Times are timezone-aware UTC datetimes;
coordinates are WGS84 longitude/latitude in degrees; geometry is GeoJSON (RFC 7946).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1"


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False, populate_by_name=True)


# --- auth -------------------------------------------------------------------------------------


class Role(StrEnum):
    RADIO = "radio"
    VIDEO = "video"
    SUPERVISOR = "supervisor"
    COC = "coc"
    KIOSK = "kiosk"
    ADMIN = "admin"


class TokenResponse(Model):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    username: str
    display_name: str = ""
    roles: list[Role]


class RefreshRequest(Model):
    refresh_token: str


class Health(Model):
    status: str = "ok"
    version: str
    training: bool
    last_event_id: int
    started_at: datetime
    video: str = Field("", description="camera streams: 'ok', 'off', 'starting' or the reason")


# --- errors (RFC 9457) ------------------------------------------------------------------------


class Problem(Model):
    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None


# --- events ------------------------------------------------------------------------------------


class EventType(StrEnum):
    UNIT_MOVED = "unit.moved"
    UNIT_UPDATED = "unit.updated"
    ALERT_CREATED = "alert.created"
    ALERT_UPDATED = "alert.updated"
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    CHAT_MESSAGE = "chat.message"
    CHAT_RECEIPT = "chat.receipt"
    CHAT_PRESENCE = "chat.presence"
    CHAT_CHANNEL = "chat.channel"
    CHAT_FLASH_ESCALATED = "chat.flash_escalated"
    CAMERA_UPDATED = "camera.updated"
    SENSOR_READING = "sensor.reading"
    MARKER_UPDATED = "marker.updated"
    AUDIT_APPENDED = "audit.appended"
    WATCHLIST_UPDATED = "watchlist.updated"
    WATCHLIST_REMOVED = "watchlist.removed"
    RESYNC = "resync"


class Event(Model):
    """One Server-Sent Event as the console stores it: `id`, `event` and parsed `data`."""

    id: int
    event: str
    data: dict[str, Any]


# --- cameras -----------------------------------------------------------------------------------


class CameraStreams(Model):
    main_rtsp: str
    sub_rtsp: str
    main_http: str | None = None  # HTTP MPEG-TS, for players without RTSP (Debian's libVLC)
    sub_http: str | None = None


class PtzPreset(Model):
    id: str
    name: str
    heading: float


class Camera(Model):
    id: str
    name: str
    lon: float
    lat: float
    heading: float = Field(description="degrees clockwise from north")
    fov: float = Field(60.0, description="horizontal field of view, degrees")
    range_m: float = 120.0
    streams: CameraStreams
    ptz: bool = False
    presets: list[PtzPreset] = []
    # Polygons in normalised picture coordinates (0..1, origin top-left) to black out.
    privacy_masks: list[list[tuple[float, float]]] = []
    address: str = ""


class PtzCommand(Model):
    pan: float = 0.0  # degrees, relative
    tilt: float = 0.0
    zoom: float = 0.0
    preset: str | None = None


# --- units (AVL) -------------------------------------------------------------------------------


class Agency(StrEnum):
    PL = "PL"  # Polizia Locale
    PS = "PS"  # Polizia di Stato
    CC = "CC"  # Carabinieri
    VVF = "VVF"  # Vigili del Fuoco
    AREU = "AREU"  # AREU 118
    PC = "PC"  # Protezione Civile
    ATM = "ATM"
    MM = "MM"
    GDF = "GDF"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    BUSY = "busy"
    OUT_OF_SERVICE = "out_of_service"


class Unit(Model):
    id: str
    callsign: str
    agency: Agency
    kind: str = Field(description="car, motorbike, van, ambulance, fire_engine, foot, ...")
    status: UnitStatus = UnitStatus.AVAILABLE
    status_since: datetime
    lon: float
    lat: float
    heading: float = 0.0
    speed_kmh: float = 0.0
    skills: list[str] = []
    incident_id: str | None = None
    emergency: bool = False


class UnitPosition(Model):
    """Payload of `unit.moved`: the hot path, kept small."""

    id: str
    lon: float
    lat: float
    heading: float
    speed_kmh: float
    ts: datetime


# --- alerts ------------------------------------------------------------------------------------


class AlertState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class AlertAction(Model):
    """One entry of an alert's audit trail."""

    at: datetime
    user: str
    action: str  # created, ack, assign, escalate, snooze, verify, close, update, ...
    reason: str = ""
    state: AlertState
    owner: str | None = None


class Alert(Model):
    id: str
    source: str = Field(description="anpr, cap, sensor, unit, analytics, system, ...")
    type: str = Field(description="e.g. anpr.hotlist, cap.weather, sensor.hydro, unit.emergency")
    priority: int = Field(ge=1, le=4, description="1 most urgent")
    state: AlertState = AlertState.NEW
    title: str
    detail: str = ""
    owner: str | None = None
    created_at: datetime
    updated_at: datetime
    geometry: dict[str, Any] | None = None  # GeoJSON geometry
    cameras: list[str] = []
    incident_id: str | None = None
    exercise: bool = False  # CAP status Exercise/Test: shown as such, never as real
    payload: dict[str, Any] = {}  # type-specific: ANPR hit, CAP info, sensor reading...
    history: list[AlertAction] = []
    version: int = 1


class AlertCommand(Model):
    action: str = Field(description="ack, assign, escalate, snooze, verify, close, link")
    reason: str = ""
    owner: str | None = None
    incident_id: str | None = None
    until: datetime | None = None  # snooze
    outcome: str | None = None  # close
    verification: str | None = None  # verify: confirmed | misread


# --- incidents ---------------------------------------------------------------------------------


class IncidentStatus(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class StatusChange(Model):
    at: datetime
    user: str
    status: IncidentStatus
    note: str = ""


class Caller(Model):
    name: str = ""
    phone: str = ""
    reliability: str = ""


class Person(Model):
    name: str = ""
    role: str = ""  # injured, witness, suspect, ...
    note: str = ""


class Vehicle(Model):
    plate: str = ""
    description: str = ""


class Incident(Model):
    id: str
    version: int = 1
    type: str
    priority: int = Field(3, ge=1, le=4)
    status: IncidentStatus = IncidentStatus.NEW
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    municipio: str = ""
    nil: str = ""
    comune: str = ""
    caller: Caller = Caller()
    narrative: str = ""
    people: list[Person] = []
    vehicles: list[Vehicle] = []
    units: list[str] = []
    alerts: list[str] = []
    attachments: list[str] = []
    tags: list[str] = []
    created_at: datetime
    updated_at: datetime
    created_by: str = ""
    history: list[StatusChange] = []


class IncidentWrite(Model):
    """Create or update body; `version` is the one the client last saw (optimistic locking)."""

    version: int | None = None
    type: str
    priority: int = Field(3, ge=1, le=4)
    status: IncidentStatus | None = None
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    municipio: str = ""
    nil: str = ""
    comune: str = ""
    caller: Caller = Caller()
    narrative: str = ""
    people: list[Person] = []
    vehicles: list[Vehicle] = []
    units: list[str] = []
    alerts: list[str] = []
    attachments: list[str] = []
    tags: list[str] = []


# --- chat --------------------------------------------------------------------------------------


class ChannelKind(StrEnum):
    AGENCY = "agency"
    INCIDENT = "incident"
    DIRECT = "direct"
    BROADCAST = "broadcast"


class Channel(Model):
    id: str
    name: str
    kind: ChannelKind
    members: list[str] = []  # desk ids
    incident_id: str | None = None


class ChatMessage(Model):
    id: str
    channel_id: str
    sender: str  # username
    desk: str  # e.g. "PL Milano - Sala Radio", "VVF Milano"
    text: str = Field(max_length=4000)
    flash: bool = False
    sent_at: datetime
    ref: str | None = None  # message this one corrects or replies to
    lon: float | None = None
    lat: float | None = None
    incident_id: str | None = None
    alert_id: str | None = None
    attachment: str | None = None
    # The sender's Idempotency-Key: lets the sending console match the event to its pending copy.
    client_key: str | None = None


class ChatMessageWrite(Model):
    text: str = Field(max_length=4000)
    flash: bool = False
    ref: str | None = None
    lon: float | None = None
    lat: float | None = None
    incident_id: str | None = None
    alert_id: str | None = None
    attachment: str | None = None


class Receipt(Model):
    """delivered/read are cumulative: a desk that read message M has read the channel up to M."""

    message_id: str
    desk: str
    kind: str  # delivered | read | ack
    at: datetime


class PresenceStatus(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class Presence(Model):
    desk: str
    status: PresenceStatus
    at: datetime  # the desk's last word (its console repeats its status every 20 s)
    since: datetime | None = None  # when this status began (away: the operator's last input)


class PresenceWrite(Model):
    status: PresenceStatus


class FlashEscalation(Model):
    """A flash nobody acknowledged in time, raised by the back-end to the supervisor.

    Announced as `chat.flash_escalated` at each level (1 after the server's deadline, then one
    more per further deadline, at most 3) and once more with `resolved` set when a desk other
    than the sender acknowledges it; the server also posts a notice in its supervisor channel.
    """

    message_id: str
    channel_id: str
    desk: str  # the sender's desk
    text: str
    level: int = Field(ge=0, le=3)
    sent_at: datetime
    at: datetime
    pending: list[str] = []  # desks that were expected to acknowledge and have not
    acked_by: list[str] = []
    resolved: bool = False
    notice_channel: str | None = None  # where the server posted its notice


class ChannelWrite(Model):
    """Open an incident channel (`incident_id`) or a direct channel with one other desk."""

    kind: ChannelKind
    incident_id: str | None = Field(default=None, max_length=100)
    desk: str | None = Field(default=None, max_length=200, description="direct: the other desk")
    name: str | None = Field(default=None, max_length=200)


# --- audit -------------------------------------------------------------------------------------


class AuditWrite(Model):
    """Actions the law wants justified (plate search, transit history, playback, export)."""

    action: str
    object: str = ""
    reason: str = Field(min_length=3)
    case_ref: str = ""


class AuditEntry(Model):
    id: int
    at: datetime
    user: str
    action: str
    object: str
    reason: str
    case_ref: str
    prev_hash: str
    hash: str


# --- layers ------------------------------------------------------------------------------------


class LayerInfo(Model):
    id: str
    title: str
    kind: str  # base | selectable
    attribution: str = ""
    feature_count: int = 0


# --- additions: markers, sensors, conflicts, layers (v1, backwards compatible) ----------------


class Marker(Model):
    """Payload of `marker.updated`: a CoT track or map marker that is not one of our units."""

    id: str
    type: str = Field(description="CoT type, e.g. a-h-G, a-f-G-U-C")
    callsign: str = ""
    lon: float
    lat: float
    hae: float | None = None
    ce: float | None = None
    le: float | None = None
    course: float | None = None
    speed_ms: float | None = None
    remarks: str = ""
    source: str = "cot"
    time: datetime
    stale: datetime


class SensorReading(Model):
    """Payload of `sensor.reading` (river levels, rain gauges)."""

    sensor_id: str
    station: str
    kind: str = Field(description="e.g. Livello Idrometrico")
    unit: str = "cm"
    value: float
    lon: float
    lat: float
    ts: datetime
    thresholds: dict[str, float] = {}
    level: str = Field("normal", description="normal, attention, alarm")


class ChatChannelMessages(Model):
    channel_id: str
    messages: list[ChatMessage]
    has_more: bool
    receipts: list[Receipt] = []  # the receipts of the messages on this page


class ReceiptWrite(Model):
    kind: str = Field(pattern="^(delivered|read|ack)$")


class IncidentConflict(Problem):
    """409 body of a stale incident update: the incident as it is now, to merge against."""

    current: Incident


class AuditVerify(Model):
    ok: bool
    entries: int
    first_bad_id: int | None = None
    detail: str = ""


class CapResult(Model):
    """What `POST /cap` did: alerts created, updated or cancelled by the message."""

    identifier: str
    msg_type: str
    status: str
    created: list[str] = []
    updated: list[str] = []
    cancelled: list[str] = []


class CotResult(Model):
    uid: str
    type: str
    applied_as: str = Field(description="unit, marker or chat")
    object_id: str


# --- additions: operator watchlist (v1, backwards compatible) ----------------------------------


class WatchEntry(Model):
    """A plate of interest an operator put on the watchlist; payload of `watchlist.updated`.

    The back-end runs every gate transit through it; a hit becomes an `anpr.hotlist` alert with
    list `watch`. `watchlist.removed` carries `{"plate", "removed_by", "at"}`.
    """

    plate: str = Field(description="normalised: upper case, no spaces or separators")
    reason: str
    expiry: datetime = Field(description="after this the plate no longer matches")
    added_by: str
    added_at: datetime
    hits: int = 0
    last_hit_at: datetime | None = None
    last_gate: str = ""


class WatchWrite(Model):
    """Body of `PUT /watchlist/{plate}`: reason and expiry are mandatory (law: justified and
    time-limited)."""

    reason: str = Field(min_length=3, max_length=500)
    expiry: datetime
