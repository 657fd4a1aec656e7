"""The hotlist matcher: what an operator must (and must not) be alerted for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.anpr.hotlist import ALL_MODES as ALL
from console.anpr.hotlist import Hotlist, HotlistEntry, MatchMode, build
from console.anpr.plates import PlateFormat, display_plate, normalise_plate, plate_format
from console.anpr.watchlist import Watchlist, WatchlistError

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def modes(hits: list) -> dict[str, MatchMode]:
    return {h.entry.plate: h.mode for h in hits}


@pytest.mark.parametrize(
    ("raw", "norm", "fmt"),
    [
        ("ab 123 cd", "AB123CD", PlateFormat.ITALIAN),
        ("AB-123-CD", "AB123CD", PlateFormat.ITALIAN),
        (" ab.123.cd\n", "AB123CD", PlateFormat.ITALIAN),
        ("ＡＢ１２３ＣＤ", "AB123CD", PlateFormat.ITALIAN),  # full-width from a bad OCR export
        ("MI 123456", "MI123456", PlateFormat.ITALIAN_OLD),
        ("MI A12345", "MIA12345", PlateFormat.ITALIAN_OLD),
        ("AB 12345", "AB12345", PlateFormat.ITALIAN_MOTO),
        ("M-AB 1234", "MAB1234", PlateFormat.UNKNOWN),  # German plate kept, not dropped
        ("", "", PlateFormat.EMPTY),
        (None, "", PlateFormat.EMPTY),
    ],
)
def test_normalisation_keeps_every_plate(raw: object, norm: str, fmt: PlateFormat) -> None:
    assert normalise_plate(raw) == norm
    assert plate_format(norm) is fmt


def test_display_spacing_only_for_italian_format() -> None:
    assert display_plate("AB123CD") == "AB 123 CD"
    assert display_plate("MAB1234") == "MAB1234"


@pytest.fixture
def hotlist() -> Hotlist:
    return build(
        [("AB123CD", "A1"), ("EF505GH", "A2"), ("ZZ888BB", "C"), ("MAB1234", "municipal")],
    )


def test_exact_and_normalised_reads_match(hotlist: Hotlist) -> None:
    assert modes(hotlist.match("ab 123 cd", NOW)) == {"AB123CD": MatchMode.EXACT}
    assert hotlist.match("AB123CE", NOW) == []


@pytest.mark.parametrize(
    ("read", "hit", "why"),
    [
        ("A8123CD", True, "8 at a letter position is B"),
        ("AB1Z3CD", True, "Z at a digit position is 2"),
        ("AB123C0", True, "0 at a letter position is D"),
        ("AB123CO", True, "O is never issued: at a letter position it is D"),
        ("AB12JCD", False, "J at a digit position is 1, the plate has 3"),
    ],
)
def test_ocr_confusables_per_position(hotlist: Hotlist, read: str, hit: bool, why: str) -> None:
    expected = {"AB123CD": MatchMode.OCR} if hit else {}
    assert modes(hotlist.match(read, NOW)) == expected, why


def test_position_awareness_letters_stay_letters() -> None:
    # L and T are issued letters: at letter positions they must not fold onto I/1...
    hl = build([("LT123AA", "A1")])
    assert hl.match("IT123AA", NOW) == []
    assert hl.match("L1123AA", NOW) == []
    # ...while at a digit position an L or T can only be a misread 1.
    hl2 = build([("AA111AA", "A1")])
    assert modes(hl2.match("AAL1TAA", NOW)) == {"AA111AA": MatchMode.OCR}


def test_digit_letter_confusions_both_ways() -> None:
    hl = build([("BS058GZ", "A1")])
    # 8->B at letter 0, 5->S at letter 1, O->0 at digit 2, S->5 at digit 3, B->8 at digit 4,
    # 6->G at letter 5, 2->Z at letter 6: every pair of the brief, each at its own position.
    assert modes(hl.match("85OSB62", NOW)) == {"BS058GZ": MatchMode.OCR}


def test_generic_folding_for_foreign_plates(hotlist: Hotlist) -> None:
    assert modes(hotlist.match("MA81234", NOW)) == {"MAB1234": MatchMode.OCR}


def test_one_missing_or_extra_character(hotlist: Hotlist) -> None:
    assert modes(hotlist.match("AB13CD", NOW)) == {"AB123CD": MatchMode.EDIT1}
    assert modes(hotlist.match("AB1233CD", NOW)) == {"AB123CD": MatchMode.EDIT1}
    assert modes(hotlist.match("ZZ888BBX", NOW)) == {"ZZ888BB": MatchMode.EDIT1}
    # Substitutions are not edit-1 matches (OCR folding covers look-alikes only).
    assert hotlist.match("AB124CD", NOW) == []
    # Two edits away: nothing.
    assert hotlist.match("AB3CD", NOW) == []


def test_edit1_respects_per_list_configuration(hotlist: Hotlist) -> None:
    # A2 allows exact and OCR only by default.
    assert hotlist.match("EF55GH", NOW) == []
    assert modes(hotlist.match("EF5O5GH", NOW)) == {"EF505GH": MatchMode.OCR}
    strict = Hotlist(hotlist.entries, {"A1": frozenset({MatchMode.EXACT})})
    assert strict.match("A8123CD", NOW) == []
    assert modes(strict.match("AB123CD", NOW)) == {"AB123CD": MatchMode.EXACT}


def test_expired_entries_stop_matching() -> None:
    hl = Hotlist([HotlistEntry("AB123CD", "A1", expiry=NOW - timedelta(seconds=1))])
    assert hl.match("AB123CD", NOW) == []
    assert len(hl.match("AB123CD", NOW - timedelta(hours=1))) == 1


def test_same_plate_on_two_lists_gives_two_hits() -> None:
    hl = build([("AB123CD", "A1"), ("AB123CD", "C")])
    assert sorted(h.entry.list_id for h in hl.match("AB123CD", NOW)) == ["A1", "C"]


def test_batch_agrees_with_single_reads(hotlist: Hotlist) -> None:
    reads = ["AB123CD", "a8 123 cd", "AB13CD", "nothing", "ＡＢ１２３ＣＤ", "MA81234", ""]
    batch = {(n, h.entry.plate, h.mode) for n, h in hotlist.match_many(reads, NOW)}
    single = {
        (n, h.entry.plate, h.mode) for n, r in enumerate(reads) for h in hotlist.match(r, NOW)
    }
    assert batch == single
    assert len(batch) == 5


def test_watchlist_requires_reason_and_future_expiry() -> None:
    wl = Watchlist(clock=lambda: NOW)
    with pytest.raises(WatchlistError, match="Motivo"):
        wl.add("AB123CD", "", NOW + timedelta(days=1), "op1")
    with pytest.raises(WatchlistError, match="Scadenza"):
        wl.add("AB123CD", "furto segnalato", None, "op1")
    with pytest.raises(WatchlistError, match="passata"):
        wl.add("AB123CD", "furto segnalato", NOW - timedelta(minutes=1), "op1")
    entry = wl.add("ab 123 cd", "furto segnalato", NOW + timedelta(hours=2), "op1")
    assert entry.plate == "AB123CD"
    assert entry.reason == "furto segnalato"
    assert modes(wl.match("A8123CD")) == {"AB123CD": MatchMode.OCR}


def test_watchlist_entry_expires() -> None:
    now = [NOW]
    wl = Watchlist(clock=lambda: now[0])
    wl.add("AB123CD", "indagine 123/26", NOW + timedelta(hours=1), "op1")
    assert wl.match("AB123CD")
    now[0] = NOW + timedelta(hours=2)
    assert wl.match("AB123CD") == []
    assert wl.entries()[0][1] is False  # still listed, shown as expired


def test_batch_handles_exotic_entries_and_reads() -> None:
    hl = build(
        [
            ("AB123CD", "A1"),
            ("CD-DIPLO-1234567", "C"),
            ("ÄB1234", "municipal"),
            ("XY99", "exact_only"),
        ],
        policies={
            "A1": frozenset(MatchMode),
            "C": frozenset(MatchMode),
            "municipal": frozenset(MatchMode),
            "exact_only": frozenset({MatchMode.EXACT}),
        },
    )
    reads = ["CDDIPLO1234567", "äb1234", "XY99", "XY9", "AB123CD", "AB-123-CD", "  "]
    batch = {(n, h.entry.plate, h.mode) for n, h in hl.match_many(reads, NOW)}
    single = {(n, h.entry.plate, h.mode) for n, r in enumerate(reads) for h in hl.match(r, NOW)}
    assert batch == single
    assert (2, "XY99", MatchMode.EXACT) in batch
    assert not any(n == 3 for n, _, _ in batch)  # exact-only list: no edit-1 for XY9
    assert (0, "CDDIPLO1234567", MatchMode.EXACT) in batch


def test_batch_fast_path_agrees_with_single_reads_including_order_and_expiry() -> None:
    """edit1=False on lists that all allow OCR: hits come straight from the arrays."""
    hl = Hotlist(
        [
            HotlistEntry("AB123CD", "C"),
            HotlistEntry("AB123CD", "A1"),  # same plate on two lists: two hits, A1 first
            HotlistEntry("AB123DD", "A2"),  # another plate with the same OCR key as AB123OD
            HotlistEntry("EF505GH", "A2", expiry=NOW - timedelta(seconds=1)),  # expired
            HotlistEntry("GH404JK", "municipal", expiry=NOW + timedelta(days=1)),
            HotlistEntry("XY12345", "A2"),
        ],
        {"A1": ALL, "C": ALL, "A2": frozenset({MatchMode.OCR}), "municipal": ALL},
    )
    reads = ["AB123CD", "AB123OD", "EF505GH", "GH4O4JK", "xy 12345", "ZZ999ZZ", "AB 123 CD"]
    batch = [
        (n, h.entry.plate, h.entry.list_id, h.mode)
        for n, h in hl.match_many(reads, NOW, edit1=False)
    ]
    single = [
        (n, h.entry.plate, h.entry.list_id, h.mode)
        for n, r in enumerate(reads)
        for h in hl.match(r, NOW)
        if h.mode is not MatchMode.EDIT1
    ]
    assert batch == single
    assert batch[:2] == [
        (0, "AB123CD", "A1", MatchMode.EXACT),
        (0, "AB123CD", "C", MatchMode.EXACT),
    ]
    assert (4, "XY12345", "A2", MatchMode.OCR) in batch  # A2 here allows OCR only, never exact
    assert not any(n == 2 for n, *_ in batch)  # the expired entry
