"""A second X client for the covered-window tests: what a taskbar or a window manager would send.

It sets window-manager properties and sends the EWMH/ICCCM client messages that a taskbar sends
(minimise, activate), over its own libxcb connection (ctypes), so a test can drive a real window
manager, or stand in for one that behaves differently from openbox (one that keeps minimised
windows mapped, as compositing managers may).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
from typing import Any

from widgets.video.occlusion import XcbAtomReply, XcbCookie

WM_STATE_NORMAL = 1
WM_STATE_ICONIC = 3
_ATOM = 4  # the predefined ATOM atom
_CLIENT_MESSAGE = 33
_SUBSTRUCTURE_NOTIFY = 1 << 19
_SUBSTRUCTURE_REDIRECT = 1 << 20


class _ScreenIterator(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("rem", ctypes.c_int), ("index", ctypes.c_int)]


class XClient:
    """One connection to `display`; raises OSError where libxcb or the display is missing."""

    def __init__(self, display: str) -> None:
        name = ctypes.util.find_library("xcb")
        if not name:
            raise OSError("libxcb not found")
        xcb: Any = ctypes.CDLL(name)
        self._libc: Any = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        self._libc.free.argtypes = [ctypes.c_void_p]
        xcb.xcb_connect.restype = ctypes.c_void_p
        xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
        xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
        xcb.xcb_flush.argtypes = [ctypes.c_void_p]
        xcb.xcb_intern_atom.restype = XcbCookie
        xcb.xcb_intern_atom.argtypes = [
            ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_char_p,
        ]  # fmt: skip
        xcb.xcb_intern_atom_reply.restype = ctypes.POINTER(XcbAtomReply)
        xcb.xcb_intern_atom_reply.argtypes = [ctypes.c_void_p, XcbCookie, ctypes.c_void_p]
        xcb.xcb_change_property.restype = XcbCookie
        xcb.xcb_change_property.argtypes = [
            ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
            ctypes.c_uint8, ctypes.c_uint32, ctypes.c_void_p,
        ]  # fmt: skip
        xcb.xcb_send_event.restype = XcbCookie
        xcb.xcb_send_event.argtypes = [
            ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_char_p,
        ]  # fmt: skip
        xcb.xcb_get_setup.restype = ctypes.c_void_p
        xcb.xcb_get_setup.argtypes = [ctypes.c_void_p]
        xcb.xcb_setup_roots_iterator.restype = _ScreenIterator
        xcb.xcb_setup_roots_iterator.argtypes = [ctypes.c_void_p]
        conn = xcb.xcb_connect(display.encode(), None)
        if not conn or xcb.xcb_connection_has_error(conn):
            if conn:
                xcb.xcb_disconnect(conn)
            raise OSError(f"cannot connect to X display {display}")
        self._xcb, self._conn = xcb, conn
        screen = xcb.xcb_setup_roots_iterator(xcb.xcb_get_setup(conn)).data
        self.root = int(ctypes.cast(screen, ctypes.POINTER(ctypes.c_uint32))[0])  # first field

    def close(self) -> None:
        if self._conn is not None:
            self._xcb.xcb_disconnect(self._conn)
            self._conn = None

    def atom(self, name: str) -> int:
        raw = name.encode()
        cookie = self._xcb.xcb_intern_atom(self._conn, 0, len(raw), raw)
        reply = self._xcb.xcb_intern_atom_reply(self._conn, cookie, None)
        if not reply:
            raise OSError(f"cannot intern {name}")
        value = int(reply.contents.atom)
        self._libc.free(reply)
        return value

    def set_cardinals(self, window: int, prop: str, kind: str, values: list[int]) -> None:
        """Replace a 32-bit property (type `kind`: "WM_STATE", "ATOM", ...) and flush."""
        kind_atom = _ATOM if kind == "ATOM" else self.atom(kind)
        data = (ctypes.c_uint32 * max(1, len(values)))(*values)
        self._xcb.xcb_change_property(
            self._conn, 0, window, self.atom(prop), kind_atom, 32, len(values), data
        )
        self._xcb.xcb_flush(self._conn)

    def mark_hidden(self, window: int, hidden: bool) -> None:
        """What a WM that keeps minimised windows mapped sets on its client: ICCCM + EWMH."""
        state = WM_STATE_ICONIC if hidden else WM_STATE_NORMAL
        self.set_cardinals(window, "WM_STATE", "WM_STATE", [state, 0])
        net = [self.atom("_NET_WM_STATE_HIDDEN")] if hidden else []
        self.set_cardinals(window, "_NET_WM_STATE", "ATOM", net)

    def client_message(self, window: int, kind: str, data: list[int]) -> None:
        """A ClientMessage about `window` to the root, as a taskbar sends it to the WM."""
        words = (data + [0] * 5)[:5]
        event = struct.pack("=BBHII5I", _CLIENT_MESSAGE, 32, 0, window, self.atom(kind), *words)
        mask = _SUBSTRUCTURE_NOTIFY | _SUBSTRUCTURE_REDIRECT
        self._xcb.xcb_send_event(self._conn, 0, self.root, mask, event)
        self._xcb.xcb_flush(self._conn)

    def minimise(self, window: int) -> None:
        """ICCCM 4.1.4: ask the WM to iconify (what a taskbar or the title-bar button does)."""
        self.client_message(window, "WM_CHANGE_STATE", [WM_STATE_ICONIC])

    def activate(self, window: int) -> None:
        """EWMH _NET_ACTIVE_WINDOW from a pager (source 2): restore and raise."""
        self.client_message(window, "_NET_ACTIVE_WINDOW", [2, 0, 0])

    def switch_desktop(self, number: int) -> None:
        """EWMH _NET_CURRENT_DESKTOP, as a pager or a workspace key binding asks for it."""
        self.client_message(self.root, "_NET_CURRENT_DESKTOP", [number, 0])

    def window_manager(self) -> int:
        """The EWMH check window a running WM advertises on the root, 0 when none."""
        prop = self.atom("_NET_SUPPORTING_WM_CHECK")
        self._xcb.xcb_get_property.restype = XcbCookie
        self._xcb.xcb_get_property.argtypes = [
            ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
            ctypes.c_uint32, ctypes.c_uint32,
        ]  # fmt: skip
        self._xcb.xcb_get_property_reply.restype = ctypes.c_void_p
        self._xcb.xcb_get_property_reply.argtypes = [ctypes.c_void_p, XcbCookie, ctypes.c_void_p]
        cookie = self._xcb.xcb_get_property(self._conn, 0, self.root, prop, 0, 0, 1)
        reply = self._xcb.xcb_get_property_reply(self._conn, cookie, None)
        if not reply:
            return 0
        raw = ctypes.string_at(reply, 36)
        self._libc.free(reply)
        value_len = struct.unpack_from("=I", raw, 16)[0]
        return struct.unpack_from("=I", raw, 32)[0] if value_len else 0

    def compositor(self) -> int:
        """The owner of _NET_WM_CM_S0 (EWMH: a compositing manager runs), 0 when none."""
        self._xcb.xcb_get_selection_owner.restype = XcbCookie
        self._xcb.xcb_get_selection_owner.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        self._xcb.xcb_get_selection_owner_reply.restype = ctypes.POINTER(XcbAtomReply)
        self._xcb.xcb_get_selection_owner_reply.argtypes = [
            ctypes.c_void_p, XcbCookie, ctypes.c_void_p,
        ]  # fmt: skip
        cookie = self._xcb.xcb_get_selection_owner(self._conn, self.atom("_NET_WM_CM_S0"))
        reply = self._xcb.xcb_get_selection_owner_reply(self._conn, cookie, None)
        if not reply:
            return 0
        owner = int(reply.contents.atom)  # same layout: the owner where the atom would be
        self._libc.free(reply)
        return owner
