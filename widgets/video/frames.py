"""Decoded frames to tile-sized pictures: one swscale pass instead of Qt's convert-then-scale.

Without a GPU, QVideoFrame.paint() converts the whole YUV frame to RGB with Qt's own CPU
converter and then scales the RGB picture into the tile: two passes over full-size pictures,
~60 % of the console's CPU on a 16-tile wall (perf, 16 x 640x360 at 25 fps). libswscale, which
ships inside PySide6 next to QtMultimedia's FFmpeg, converts and scales in one pass straight to
the tile's size (a 4x4 tile is ~40 % of the frame's pixels), and ctypes releases the GIL while
it runs.

`FrameScaler` keeps one swscale context and one output image per tile. Formats it does not know
return None and the tile falls back to QVideoFrame.paint().
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path
from typing import Any

import PySide6
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat

log = logging.getLogger(__name__)

_LIB_DIR = Path(PySide6.__file__).parent / "Qt" / "lib"
_SWS_FAST_BILINEAR = 1
_SWS_BILINEAR = 2
_SWS_CS_ITU709 = 1
_SWS_CS_ITU601 = 5

_PF = QVideoFrameFormat.PixelFormat
# Per plane: (bytes per sample, horizontal shift, vertical shift) - where a crop starts in it.
_P420 = ((1, 0, 0), (1, 1, 1), (1, 1, 1))
_P422 = ((1, 0, 0), (1, 1, 0), (1, 1, 0))
_SEMI = ((1, 0, 0), (2, 1, 1))  # Y plane, then interleaved chroma at half resolution
_PACKED_422 = ((2, 0, 0),)
_PACKED_32 = ((4, 0, 0),)
# Qt pixel format -> (FFmpeg pixel format name, swap U and V planes, plane layout)
_Layout = tuple[tuple[int, int, int], ...]
_FORMATS: dict[QVideoFrameFormat.PixelFormat, tuple[bytes, bool, _Layout]] = {
    _PF.Format_YUV420P: (b"yuv420p", False, _P420),
    _PF.Format_YV12: (b"yuv420p", True, _P420),
    _PF.Format_YUV422P: (b"yuv422p", False, _P422),
    _PF.Format_NV12: (b"nv12", False, _SEMI),
    _PF.Format_NV21: (b"nv21", False, _SEMI),
    _PF.Format_UYVY: (b"uyvy422", False, _PACKED_422),
    _PF.Format_YUYV: (b"yuyv422", False, _PACKED_422),
    _PF.Format_YUV420P10: (b"yuv420p10le", False, ((2, 0, 0), (2, 1, 1), (2, 1, 1))),
    _PF.Format_P010: (b"p010le", False, ((2, 0, 0), (4, 1, 1))),
    _PF.Format_BGRA8888: (b"bgra", False, _PACKED_32),
    _PF.Format_BGRX8888: (b"bgr0", False, _PACKED_32),
    _PF.Format_RGBA8888: (b"rgba", False, _PACKED_32),
    _PF.Format_RGBX8888: (b"rgb0", False, _PACKED_32),
    _PF.Format_ARGB8888: (b"argb", False, _PACKED_32),
    _PF.Format_XRGB8888: (b"0rgb", False, _PACKED_32),
}

_Ptr4 = ctypes.c_void_p * 4
_Int4 = ctypes.c_int * 4


class _Libs:
    def __init__(self, sws: Any, avutil: Any) -> None:
        self.sws = sws
        self.avutil = avutil
        sws.sws_getCachedContext.restype = ctypes.c_void_p
        sws.sws_getCachedContext.argtypes = [
            ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
            ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        sws.sws_scale.restype = ctypes.c_int
        sws.sws_scale.argtypes = [
            ctypes.c_void_p, _Ptr4, _Int4, ctypes.c_int, ctypes.c_int, _Ptr4, _Int4,
        ]  # fmt: skip
        sws.sws_freeContext.argtypes = [ctypes.c_void_p]
        sws.sws_getCoefficients.restype = ctypes.POINTER(ctypes.c_int)
        sws.sws_getCoefficients.argtypes = [ctypes.c_int]
        sws.sws_setColorspaceDetails.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
            ctypes.POINTER(ctypes.c_int), ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
        ]  # fmt: skip
        avutil.av_get_pix_fmt.restype = ctypes.c_int
        avutil.av_get_pix_fmt.argtypes = [ctypes.c_char_p]
        self.bgra = avutil.av_get_pix_fmt(b"bgra")  # QImage.Format_RGB32 in memory, little end
        self.formats = {
            qt: (avutil.av_get_pix_fmt(name), swap, layout)
            for qt, (name, swap, layout) in _FORMATS.items()
        }


_loaded: _Libs | None = None


def _libs() -> _Libs | None:
    """libswscale/libavutil from PySide6's own FFmpeg (the one QtMultimedia decodes with).

    They load only once QtMultimedia's FFmpeg plugin is in (a QMediaPlayer exists: it provides
    symbols they need), so a failure is not remembered: the next tile tries again.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    pairs = (
        ("libswscale.so.8", "libavutil.so.59"),
        ("swscale-8.dll", "avutil-59.dll"),
        ("libswscale.8.dylib", "libavutil.59.dylib"),
    )
    for sws_name, avutil_name in pairs:
        try:
            avutil = ctypes.CDLL(str(_LIB_DIR / avutil_name))
            sws = ctypes.CDLL(str(_LIB_DIR / sws_name))
            _loaded = _Libs(sws, avutil)
            return _loaded
        except (OSError, AttributeError):
            continue
    log.info("libswscale not found in %s: tiles use QVideoFrame.paint()", _LIB_DIR)
    return None


def available() -> bool:
    return _libs() is not None


def _address(view: Any) -> int:
    """Address of a writable buffer (Qt's mapped plane or image bits), without a copy."""
    return ctypes.addressof(ctypes.c_char.from_buffer(view))


class FrameScaler:
    """Converts and scales QVideoFrames for one tile; reuses its context and output image."""

    def __init__(self, smooth: bool = True) -> None:
        self._libs = _libs()
        self._ctx: int | None = None
        self._key: tuple[object, ...] = ()  # (stream format, width, height, smooth, crop) set up
        self._memory: ctypes.Array[ctypes.c_char] | None = None  # the pixels, padded rows
        self._pixels: memoryview | None = None  # the aligned part of it
        self._view: QImage | None = None  # painted by the tile, straight from the memory
        self._dst_planes = _Ptr4()
        self._dst_strides = _Int4()
        self._src, self._strides = _Ptr4(), _Int4()  # the frame's planes, refilled per frame
        self._planes = 0
        self._swap = False
        self._src_h = 0
        self._cropped = False
        self._crop_x = self._crop_y = 0
        self._layout: _Layout = ()
        self.smooth = smooth

    def close(self) -> None:
        if self._ctx and self._libs is not None:
            self._libs.sws.sws_freeContext(self._ctx)
        self._ctx = None
        self._key = ()

    def __del__(self) -> None:
        self.close()

    def scale(
        self,
        frame: QVideoFrame,
        width: int,
        height: int,
        crop: tuple[int, int, int, int] | None = None,
    ) -> QImage | None:
        """`frame` (or its `crop` x, y, w, h in source pixels, for a digital zoom) as a width x
        height RGB32 image; None if this frame cannot be handled.

        An odd width is made even: swscale's fast path wants it (473 px took 0.97 ms a frame,
        472 px 0.26 ms, measured). Runs 400 times a second on a 4x4 wall, so the steady state
        (same stream format, same tile size) makes as few calls into Qt as it can: the frame's
        whole format is compared once instead of asking for its size, pixel format, colour
        space and range one by one (~70 us of Python a frame before, ~25 us now). A crop costs
        nothing more: swscale reads the planes from the crop's corner.
        """
        width &= ~1
        libs = self._libs
        if libs is None or width < 2 or height < 2:
            return None
        fmt = frame.surfaceFormat()
        key = (fmt, width, height, self.smooth, crop)
        if self._key != key and not self._setup(fmt, width, height, crop):
            return None
        if not frame.map(QVideoFrame.MapMode.ReadOnly):
            return None
        try:
            src, strides = self._src, self._strides
            for i in range(self._planes):
                stride = frame.bytesPerLine(i)
                start = _address(frame.bits(i))
                if self._cropped:  # the crop's corner in this plane
                    size, xs, ys = self._layout[i]
                    start += (self._crop_y >> ys) * stride + (self._crop_x >> xs) * size
                src[i] = start
                strides[i] = stride
            if self._swap:
                src[1], src[2] = src[2], src[1]
                strides[1], strides[2] = strides[2], strides[1]
            rows = libs.sws.sws_scale(
                self._ctx, src, strides, 0, self._src_h, self._dst_planes, self._dst_strides
            )
        finally:
            frame.unmap()
        return self._view if rows > 0 else None

    def _setup(
        self,
        fmt: QVideoFrameFormat,
        width: int,
        height: int,
        crop: tuple[int, int, int, int] | None = None,
    ) -> bool:
        """A swscale context and an output image for this stream format, crop and tile size."""
        libs = self._libs
        assert libs is not None
        self._key = ()
        known = libs.formats.get(fmt.pixelFormat())
        if not fmt.isValid() or known is None or known[0] < 0:
            return False
        src_fmt, swap, layout = known
        fw, fh = fmt.frameWidth(), fmt.frameHeight()
        if fw < 2 or fh < 2:
            return False
        self._cropped = crop is not None
        self._layout = layout
        if crop is not None:
            x, y, cw, ch = crop
            # Even corner and size (chroma subsampling), inside the frame.
            cw, ch = max(2, min(cw, fw) & ~1), max(2, min(ch, fh) & ~1)
            x, y = min(max(0, x) & ~1, fw - cw), min(max(0, y) & ~1, fh - ch)
            self._crop_x, self._crop_y = x, y
            fw, fh = cw, ch
        flags = _SWS_BILINEAR if self.smooth else _SWS_FAST_BILINEAR
        ctx = libs.sws.sws_getCachedContext(
            self._ctx, fw, fh, src_fmt, width, height, libs.bgra, flags, None, None, None
        )
        if not ctx:
            return False
        self._ctx = ctx
        self._colorspace(fmt)
        # Our own pixel memory, rows padded to 32 bytes as swscale's SIMD code prefers, and a
        # QImage that paints straight from it. (Writing through QImage.bits() of an image that
        # another QImage also showed left the first bytes of a freed block on screen.)
        stride = ((width * 4) + 31) & ~31
        memory = (ctypes.c_char * (stride * height + 32))()
        offset = (-ctypes.addressof(memory)) % 32
        pixels = memoryview(memory).cast("B")[offset : offset + stride * height]
        self._memory, self._pixels = memory, pixels
        self._view = QImage(pixels, width, height, stride, QImage.Format.Format_RGB32)
        self._dst_planes = _Ptr4(ctypes.addressof(memory) + offset, None, None, None)
        self._dst_strides = _Int4(stride, 0, 0, 0)
        self._src, self._strides = _Ptr4(), _Int4()
        self._planes = min(fmt.planeCount(), 4)
        self._swap = swap and self._planes >= 3
        self._src_h = fh
        self._key = (fmt, width, height, self.smooth, crop)
        return True

    def _colorspace(self, fmt: QVideoFrameFormat) -> None:
        """BT.709 for HD cameras, BT.601 otherwise; full or limited range as the stream says."""
        libs = self._libs
        if libs is None or not self._ctx:
            return
        space = fmt.colorSpace()
        cs = QVideoFrameFormat.ColorSpace
        if space == cs.ColorSpace_BT709 or (
            space == cs.ColorSpace_Undefined and fmt.frameHeight() >= 720
        ):
            coefficients = libs.sws.sws_getCoefficients(_SWS_CS_ITU709)
        else:
            coefficients = libs.sws.sws_getCoefficients(_SWS_CS_ITU601)
        full = int(fmt.colorRange() == QVideoFrameFormat.ColorRange.ColorRange_Full)
        table = libs.sws.sws_getCoefficients(_SWS_CS_ITU601)
        # src table, src range, dst table, dst range (RGB: full), brightness, contrast, saturation
        libs.sws.sws_setColorspaceDetails(
            self._ctx, coefficients, full, table, 1, 0, 1 << 16, 1 << 16
        )
