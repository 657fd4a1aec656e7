"""The multi-monitor shell: layouts on screens, panels by name, the status strip."""

from widgets.shell.context import PanelContext
from widgets.shell.registry import ErrorPanel, PanelRegistry
from widgets.shell.shell import Shell

__all__ = ["ErrorPanel", "PanelContext", "PanelRegistry", "Shell"]
