"""Which part of our window other windows leave uncovered, on X11, so covered tiles stop decoding.

Qt's xcb platform never reports a window covered by another application's window as unexposed
(checked here: QWindow.isExposed() stays true and no Expose event arrives, with or without a
window manager). The X server knows the stacking order, though: the top-level windows above
ours, with their geometry. Subtracting them from our window gives what the operator can see.
Asked through libxcb with ctypes (errors come back as values, unlike Xlib, whose default error
handler would end the process), on our own connection, at the wall's visibility check (400 ms).

Under a reparenting window manager (openbox checked) the children of the root are the WM's
frames, decorations included, so frame geometry is what covers and what is ours. Two kinds of
mapped window do not count: a managed window its WM marks minimised (ICCCM WM_STATE Iconic or
EWMH _NET_WM_STATE_HIDDEN, read on the client inside the frame: some compositing WMs keep
minimised windows mapped but do not draw them), and an override-redirect window (menu, tooltip,
drop-down) younger than `override_grace` seconds, so opening a menu over a tile does not restart
its stream; one that stays (a screen locker) counts after that.

Not covered: shaped or translucent windows count as opaque rectangles; Wayland does not tell
clients about other windows at all (there QWindow exposure is all we get); with a Qt scale
factor other than 1 the rectangles are in device pixels and are converted with the window's
device pixel ratio.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import struct
import time
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtGui import QRegion

log = logging.getLogger(__name__)

_MAP_VIEWABLE = 2
_INPUT_ONLY = 2
_WM_STATE_ICONIC = 3
_CLIENT_SEARCH_DEPTH = 3  # frame > (wrapper >) client in the WMs we know
OVERRIDE_GRACE_S = 5.0


# xcb's cookie and intern-atom reply; tests/gui/x11.py (a second X client) uses them too.
class XcbCookie(ctypes.Structure):
    _fields_ = [("sequence", ctypes.c_uint)]


class _TreeReply(ctypes.Structure):
    _fields_ = [
        ("response_type", ctypes.c_uint8),
        ("pad0", ctypes.c_uint8),
        ("sequence", ctypes.c_uint16),
        ("length", ctypes.c_uint32),
        ("root", ctypes.c_uint32),
        ("parent", ctypes.c_uint32),
        ("children_len", ctypes.c_uint16),
        ("pad1", ctypes.c_uint8 * 14),
    ]


class _AttrReply(ctypes.Structure):
    _fields_ = [
        ("response_type", ctypes.c_uint8),
        ("backing_store", ctypes.c_uint8),
        ("sequence", ctypes.c_uint16),
        ("length", ctypes.c_uint32),
        ("visual", ctypes.c_uint32),
        ("klass", ctypes.c_uint16),
        ("bit_gravity", ctypes.c_uint8),
        ("win_gravity", ctypes.c_uint8),
        ("backing_planes", ctypes.c_uint32),
        ("backing_pixel", ctypes.c_uint32),
        ("save_under", ctypes.c_uint8),
        ("map_is_installed", ctypes.c_uint8),
        ("map_state", ctypes.c_uint8),
        ("override_redirect", ctypes.c_uint8),
        ("colormap", ctypes.c_uint32),
        ("all_event_masks", ctypes.c_uint32),
        ("your_event_mask", ctypes.c_uint32),
        ("do_not_propagate_mask", ctypes.c_uint16),
        ("pad0", ctypes.c_uint8 * 2),
    ]


class _GeomReply(ctypes.Structure):
    _fields_ = [
        ("response_type", ctypes.c_uint8),
        ("depth", ctypes.c_uint8),
        ("sequence", ctypes.c_uint16),
        ("length", ctypes.c_uint32),
        ("root", ctypes.c_uint32),
        ("x", ctypes.c_int16),
        ("y", ctypes.c_int16),
        ("width", ctypes.c_uint16),
        ("height", ctypes.c_uint16),
        ("border_width", ctypes.c_uint16),
        ("pad0", ctypes.c_uint8 * 2),
    ]


class XcbAtomReply(ctypes.Structure):
    _fields_ = [
        ("response_type", ctypes.c_uint8),
        ("pad0", ctypes.c_uint8),
        ("sequence", ctypes.c_uint16),
        ("length", ctypes.c_uint32),
        ("atom", ctypes.c_uint32),
    ]


_PROPERTY_HEADER = 32  # xcb_get_property_reply_t; the value follows it


class X11Occlusion:
    """Our own xcb connection; `uncovered(window_id)` in root-window (device) pixels."""

    def __init__(self) -> None:
        self.override_grace = OVERRIDE_GRACE_S
        self._override_seen: dict[int, float] = {}
        self._clients: dict[int, int] = {}  # root child (frame) -> the client inside it
        self._atoms: dict[str, int] = {}
        self._xcb: Any = None
        self._libc: Any = None
        self._conn: Any = None
        name = ctypes.util.find_library("xcb")
        if not name:
            return
        try:
            xcb = ctypes.CDLL(name)
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        except OSError as exc:
            log.info("libxcb not loadable, covered windows not detected: %s", exc)
            return
        xcb.xcb_connect.restype = ctypes.c_void_p
        xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
        xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
        for request in ("xcb_query_tree", "xcb_get_window_attributes", "xcb_get_geometry"):
            fn = getattr(xcb, request)
            fn.restype = XcbCookie
            fn.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        for request, reply in (
            ("xcb_query_tree_reply", _TreeReply),
            ("xcb_get_window_attributes_reply", _AttrReply),
            ("xcb_get_geometry_reply", _GeomReply),
        ):
            fn = getattr(xcb, request)
            fn.restype = ctypes.POINTER(reply)
            fn.argtypes = [ctypes.c_void_p, XcbCookie, ctypes.POINTER(ctypes.c_void_p)]
        xcb.xcb_get_property.restype = XcbCookie
        xcb.xcb_get_property.argtypes = [
            ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
            ctypes.c_uint32, ctypes.c_uint32,
        ]  # fmt: skip
        xcb.xcb_get_property_reply.restype = ctypes.c_void_p
        xcb.xcb_get_property_reply.argtypes = [
            ctypes.c_void_p, XcbCookie, ctypes.POINTER(ctypes.c_void_p),
        ]  # fmt: skip
        xcb.xcb_intern_atom.restype = XcbCookie
        xcb.xcb_intern_atom.argtypes = [
            ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_char_p,
        ]  # fmt: skip
        xcb.xcb_intern_atom_reply.restype = ctypes.POINTER(XcbAtomReply)
        xcb.xcb_intern_atom_reply.argtypes = [
            ctypes.c_void_p, XcbCookie, ctypes.POINTER(ctypes.c_void_p),
        ]  # fmt: skip
        xcb.xcb_query_tree_children.restype = ctypes.POINTER(ctypes.c_uint32)
        xcb.xcb_query_tree_children.argtypes = [ctypes.POINTER(_TreeReply)]
        libc.free.argtypes = [ctypes.c_void_p]
        conn = xcb.xcb_connect(None, None)
        if not conn or xcb.xcb_connection_has_error(conn):
            log.info("no X connection for the covered-window check")
            if conn:
                xcb.xcb_disconnect(conn)
            return
        self._xcb, self._libc, self._conn = xcb, libc, conn
        names = ("WM_STATE", "_NET_WM_STATE", "_NET_WM_STATE_HIDDEN")
        cookies = [xcb.xcb_intern_atom(conn, 0, len(n), n.encode()) for n in names]
        for name, cookie in zip(names, cookies, strict=True):
            atom = self._reply("xcb_intern_atom_reply", cookie)
            self._atoms[name] = int(atom.atom) if atom is not None else 0

    @property
    def available(self) -> bool:
        return self._conn is not None

    def close(self) -> None:
        if self._conn is not None:
            self._xcb.xcb_disconnect(self._conn)
            self._conn = None

    def _reply(self, name: str, cookie: XcbCookie) -> Any:
        """The reply struct (copied) or None on an X error (window gone meanwhile)."""
        error = ctypes.c_void_p()
        ptr = getattr(self._xcb, name)(self._conn, cookie, ctypes.byref(error))
        if error.value:
            self._libc.free(error)
        if not ptr:
            return None
        value = ptr.contents.__class__.from_buffer_copy(ptr.contents)
        self._libc.free(ptr)
        return value

    def _trees(self, windows: list[int]) -> list[tuple[int, int, list[int]] | None]:
        """(root, parent, children bottom to top) of each window, in one round trip."""
        cookies = [self._xcb.xcb_query_tree(self._conn, w) for w in windows]
        out: list[tuple[int, int, list[int]] | None] = []
        for cookie in cookies:
            error = ctypes.c_void_p()
            ptr = self._xcb.xcb_query_tree_reply(self._conn, cookie, ctypes.byref(error))
            if error.value:
                self._libc.free(error)
            if not ptr:
                out.append(None)
                continue
            reply = ptr.contents
            kids = self._xcb.xcb_query_tree_children(ptr)
            out.append((reply.root, reply.parent, [kids[i] for i in range(reply.children_len)]))
            self._libc.free(ptr)
        return out

    def _tree(self, window: int) -> tuple[int, int, list[int]] | None:
        return self._trees([window])[0]

    def _properties(self, asks: list[tuple[int, str]]) -> list[list[int] | None]:
        """The 32-bit values of each (window, property), in one round trip; None if absent."""
        cookies = [
            self._xcb.xcb_get_property(self._conn, 0, w, self._atoms.get(name, 0), 0, 0, 32)
            for w, name in asks
        ]
        out: list[list[int] | None] = []
        for cookie in cookies:
            error = ctypes.c_void_p()
            ptr = self._xcb.xcb_get_property_reply(self._conn, cookie, ctypes.byref(error))
            if error.value:
                self._libc.free(error)
            if not ptr:
                out.append(None)
                continue
            head = ctypes.string_at(ptr, _PROPERTY_HEADER)
            fmt = head[1]
            kind, _after, count = struct.unpack_from("=III", head, 8)
            values = None
            if kind and fmt == 32:
                raw = ctypes.string_at(ptr + _PROPERTY_HEADER, 4 * count)
                values = list(struct.unpack(f"={count}I", raw))
            self._libc.free(ptr)
            out.append(values)
        return out

    def _clients_of(self, frames: list[int]) -> list[int]:
        """The client inside each root child: the window with WM_STATE (ICCCM), breadth first.

        Cached per frame once found; where none has WM_STATE (no window manager), the root
        child itself, not cached (a WM may take the window over later).
        """
        found: dict[int, int] = {}
        level = [(f, f) for f in frames if f not in self._clients]
        for _ in range(_CLIENT_SEARCH_DEPTH):
            if not level:
                break
            states = self._properties([(node, "WM_STATE") for _, node in level])
            for (frame, node), state in zip(level, states, strict=True):
                if state is not None and frame not in found:
                    found[frame] = node
            rest = [(f, n) for f, n in level if f not in found]
            trees = self._trees([n for _, n in rest])
            level = [
                (frame, kid)
                for (frame, _), tree in zip(rest, trees, strict=True)
                if tree is not None
                for kid in tree[2]
            ]
        self._clients.update(found)
        return [self._clients.get(f, f) for f in frames]

    def _minimised(self, clients: list[int]) -> list[bool]:
        """Marked minimised by the WM (WM_STATE Iconic or _NET_WM_STATE_HIDDEN) though mapped."""
        asks = [(c, name) for c in clients for name in ("WM_STATE", "_NET_WM_STATE")]
        values = self._properties(asks)
        hidden = self._atoms.get("_NET_WM_STATE_HIDDEN", 0)
        out = []
        for i in range(len(clients)):
            wm_state, net_state = values[2 * i], values[2 * i + 1]
            iconic = wm_state is not None and wm_state[:1] == [_WM_STATE_ICONIC]
            out.append(iconic or (bool(hidden) and hidden in (net_state or [])))
        return out

    def uncovered(self, window: int) -> QRegion | None:
        """What of `window`'s top-level no window above it covers; None if X cannot tell."""
        if self._conn is None or not window:
            return None
        top = window
        root = 0
        for _ in range(32):  # climb to the child of the root (a WM frame, or our window)
            tree = self._tree(top)
            if tree is None:
                return None
            root, parent, _children = tree
            if parent == root or parent == 0:
                break
            top = parent
        stack = self._tree(root)
        if stack is None or top not in stack[2]:
            return None
        if self._minimised([window])[0]:
            return QRegion()  # marked minimised but kept mapped (Qt sees only WM_STATE Iconic)
        children = set(stack[2])
        self._clients = {f: c for f, c in self._clients.items() if f in children}
        above = stack[2][stack[2].index(top) + 1 :]
        wins = [top, *above]
        attr_cookies = [self._xcb.xcb_get_window_attributes(self._conn, w) for w in wins]
        geom_cookies = [self._xcb.xcb_get_geometry(self._conn, w) for w in wins]
        attrs = [self._reply("xcb_get_window_attributes_reply", c) for c in attr_cookies]
        geoms = [self._reply("xcb_get_geometry_reply", c) for c in geom_cookies]
        if attrs[0] is None or geoms[0] is None:
            return None
        if attrs[0].map_state != _MAP_VIEWABLE:
            return QRegion()  # unmapped: minimised or on another virtual desktop
        g = geoms[0]
        ours = QRect(g.x, g.y, g.width + 2 * g.border_width, g.height + 2 * g.border_width)
        now = time.monotonic()
        seen = self._override_seen
        for w in [w for w in seen if w not in children]:
            del seen[w]
        covering: list[tuple[int, QRect, bool]] = []
        for w, attr, geom in zip(above, attrs[1:], geoms[1:], strict=True):
            if attr is None or geom is None:
                continue
            if attr.map_state != _MAP_VIEWABLE or attr.klass == _INPUT_ONLY:
                seen.pop(w, None)
                continue
            if attr.override_redirect:  # menus, tooltips: they count only once they stay
                mapped_since = seen.setdefault(w, now)
                if now - mapped_since < self.override_grace:
                    continue
            bw = 2 * geom.border_width
            rect = QRect(geom.x, geom.y, geom.width + bw, geom.height + bw)
            if rect.intersects(ours):
                covering.append((w, rect, bool(attr.override_redirect)))
        managed = [w for w, _rect, override in covering if not override]
        minimised = dict(zip(managed, self._minimised(self._clients_of(managed)), strict=True))
        region = QRegion(ours)
        for w, rect, _override in covering:
            if minimised.get(w, False):
                continue
            region -= QRegion(rect)
            if region.isEmpty():
                break
        return region


@functools.cache
def shared_occlusion() -> X11Occlusion | None:
    """One connection for every wall in the process; None where X cannot be reached."""
    probe = X11Occlusion()
    return probe if probe.available else None
