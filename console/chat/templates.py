"""Quick replies and message templates for the radio room (Italian operational phrasing).

Quick replies go out as they are; templates have `{campi}` the operator fills in the composer
(the composer selects the first one). Kept as data here so a city can replace the list without
touching the panel.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    label: str
    text: str
    flash: bool = False

    @property
    def has_fields(self) -> bool:
        return "{" in self.text


QUICK_REPLIES: tuple[Template, ...] = (
    Template("Ricevuto", "Ricevuto."),
    Template("Ricevuto, in carico", "Ricevuto, preso in carico."),
    Template("Confermo", "Confermo."),
    Template("Negativo", "Negativo."),
    Template("Attendere", "Attendere, verifichiamo e vi ricontattiamo."),
    Template("Ripetere", "Non ricevuto, ripetere per favore."),
)

TEMPLATES: tuple[Template, ...] = (
    Template("Richiesta supporto", "Richiesta supporto in {luogo} per {motivo}."),
    Template(
        "Pattuglia inviata", "Inviata pattuglia {unita} in {luogo}, arrivo stimato {minuti} minuti."
    ),
    Template(
        "Chiusura strada", "Chiusura al traffico di {via} tra {da} e {a}: predisporre deviazione."
    ),
    Template("Richiesta 118", "Richiesta MSB in {luogo}: {persone} persone coinvolte, {stato}."),
    Template("Richiesta VVF", "Richiesto intervento VVF in {luogo}: {motivo}."),
    Template(
        "Targa segnalata",
        "Veicolo targato {targa} segnalato al varco {varco}, direzione {direzione}.",
    ),
    Template("Intervento concluso", "Intervento in {luogo} concluso, unità libere."),
    Template("Allerta (flash)", "FLASH: {evento} in {luogo}. Confermare ricezione.", flash=True),
)
