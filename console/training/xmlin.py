"""The safe front end shared by the XML ingests (CAP, CoT): one error type, one hostile-XML rule.

defusedxml refuses DTDs, entity expansion (billion laughs) and external entities; what it
refuses, or what is not well-formed XML, is a 400; what is XML but not the expected document is
a 422, decided by each format's own parser.
"""

from __future__ import annotations

import xml.etree.ElementTree as StdET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from console.i18n import tr


class IngestError(ValueError):
    """Bad input: `status` is the HTTP status to answer (400 unreadable/hostile, 422 invalid)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def safe_root(body: bytes, error: type[IngestError], empty: str) -> StdET.Element:
    """The document's root element, or `error(400, ...)` saying why not (`empty` if blank)."""
    if not body.strip():
        raise error(400, empty)
    try:
        return SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise error(
            400,
            tr(
                "XML rifiutato perché non sicuro ({k}): DTD ed entità non sono ammesse.",
                k=type(exc).__name__,
            ),
        ) from None
    except (StdET.ParseError, ValueError, UnicodeError) as exc:
        raise error(400, tr("Il contenuto non è XML ben formato: {e}", e=exc)) from None
