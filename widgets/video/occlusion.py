"""Which part of our window other windows leave uncovered, on X11, so covered tiles stop decoding.

Qt's xcb platform never reports a window covered by another application's window as unexposed
(checked here: QWindow.isExposed() stays true and no Expose event arrives, with or without a
window manager). The X server knows the stacking order, though: the top-level windows above
ours, with their geometry. Subtracting them from our window gives what the operator can see.
Asked through libxcb with ctypes (errors come back as values, unlike Xlib, whose default error
handler would end the process), on our own connection, at the wall's visibility check (400 ms).

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
from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtGui import QRegion

log = logging.getLogger(__name__)

_MAP_VIEWABLE = 2
_INPUT_ONLY = 2


class _Cookie(ctypes.Structure):
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


class X11Occlusion:
    """Our own xcb connection; `uncovered(window_id)` in root-window (device) pixels."""

    def __init__(self) -> None:
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
            fn.restype = _Cookie
            fn.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        for request, reply in (
            ("xcb_query_tree_reply", _TreeReply),
            ("xcb_get_window_attributes_reply", _AttrReply),
            ("xcb_get_geometry_reply", _GeomReply),
        ):
            fn = getattr(xcb, request)
            fn.restype = ctypes.POINTER(reply)
            fn.argtypes = [ctypes.c_void_p, _Cookie, ctypes.POINTER(ctypes.c_void_p)]
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

    @property
    def available(self) -> bool:
        return self._conn is not None

    def close(self) -> None:
        if self._conn is not None:
            self._xcb.xcb_disconnect(self._conn)
            self._conn = None

    def _reply(self, name: str, cookie: _Cookie) -> Any:
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

    def _tree(self, window: int) -> tuple[int, int, list[int]] | None:
        cookie = self._xcb.xcb_query_tree(self._conn, window)
        error = ctypes.c_void_p()
        ptr = self._xcb.xcb_query_tree_reply(self._conn, cookie, ctypes.byref(error))
        if error.value:
            self._libc.free(error)
        if not ptr:
            return None
        reply = ptr.contents
        kids = self._xcb.xcb_query_tree_children(ptr)
        children = [kids[i] for i in range(reply.children_len)]
        root, parent = reply.root, reply.parent
        self._libc.free(ptr)
        return root, parent, children

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
        region = QRegion(
            QRect(g.x, g.y, g.width + 2 * g.border_width, g.height + 2 * g.border_width)
        )
        for attr, geom in zip(attrs[1:], geoms[1:], strict=True):
            if attr is None or geom is None:
                continue
            if attr.map_state != _MAP_VIEWABLE or attr.klass == _INPUT_ONLY:
                continue
            bw = 2 * geom.border_width
            region -= QRegion(QRect(geom.x, geom.y, geom.width + bw, geom.height + bw))
            if region.isEmpty():
                break
        return region


@functools.cache
def shared_occlusion() -> X11Occlusion | None:
    """One connection for every wall in the process; None where X cannot be reached."""
    probe = X11Occlusion()
    return probe if probe.available else None
