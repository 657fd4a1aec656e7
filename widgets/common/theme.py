"""One calm dark palette for 12-hour shifts: low-glare surfaces, priority colours that stand out.

Every panel takes its colours from here so that P1 red means the same thing on every screen.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

# Surfaces and text
BACKGROUND = "#15191e"
SURFACE = "#1d2329"
SURFACE_RAISED = "#252d35"
BORDER = "#34404b"
TEXT = "#dfe5ea"
TEXT_MUTED = "#93a1ad"
ACCENT = "#4f9fd9"  # selection, focus

# Priorities (P1 most urgent). Text on these backgrounds stays readable.
PRIORITY = {1: "#e5484d", 2: "#f08c2e", 3: "#e9c46a", 4: "#6c8ea8"}
PRIORITY_TEXT = {1: "#ffffff", 2: "#111111", 3: "#111111", 4: "#ffffff"}

# States
OK = "#3fb27f"
WARNING = "#e9c46a"
ERROR = "#e5484d"
EXERCISE = "#b48ead"  # CAP Exercise/Test and training data: never mistaken for real

# Unit statuses
UNIT_STATUS = {
    "available": "#3fb27f",
    "dispatched": "#f08c2e",
    "en_route": "#e9c46a",
    "on_scene": "#e5484d",
    "busy": "#8e7cc3",
    "out_of_service": "#6b7580",
}

# Agencies (chips in chat, units board, map legend)
AGENCY = {
    "PL": "#4f9fd9",
    "PS": "#2f6db5",
    "CC": "#c0392b",
    "VVF": "#e67e22",
    "AREU": "#27ae60",
    "PC": "#f1c40f",
    "ATM": "#e4572e",
    "MM": "#9b59b6",
    "GDF": "#b7950b",
}

FONT_FAMILY = "DejaVu Sans"
FONT_SIZE_PT = 11  # minimum body size on a workstation at 1080p


def qcolor(hex_colour: str, alpha: int = 255) -> QColor:
    colour = QColor(hex_colour)
    colour.setAlpha(alpha)
    return colour
