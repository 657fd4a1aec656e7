"""What a panel gets when it is built: the services of the composition root and who is working.

Panels take what they need by name and must cope with a service that is absent (no back-end, a
store not wired yet): `get()` returns None rather than raising, so the panel can say so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PanelContext:
    services: dict[str, object] = field(default_factory=dict)
    operator: str = ""
    mode: str = ""
    # Visitors may see the screen: panels mask plates and personal data.
    kiosk: bool = False
    # Touch table: panels use larger targets.
    touch: bool = False
    # The panel being built: its layout-unique key (the dock's identity, stable across starts),
    # so a panel that keeps state can keep it apart from another panel of the same kind.
    panel: str = ""

    def get(self, name: str) -> object | None:
        return self.services.get(name)
