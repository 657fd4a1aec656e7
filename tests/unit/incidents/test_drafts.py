from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from console.incidents.drafts import Autosaver, Draft, DraftStore


def test_drafts_survive_a_restart_and_bad_files_are_set_aside(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    draft = Draft(data={"type": "fire", "narrative": "Fumo nero dal tetto, è urgente!"},
                  operator="op1")
    store.save(draft)
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    again = DraftStore(tmp_path).all()
    assert [d.data for d in again] == [draft.data]
    assert (tmp_path / "junk.bad").exists()
    assert not list(tmp_path.glob("*.tmp"))
    store.discard(draft.draft_id)
    assert DraftStore(tmp_path).all() == []


def test_autosaver_writes_only_when_dirty(tmp_path: Path, qtbot: QtBot) -> None:
    store = DraftStore(tmp_path)
    draft = Draft(data={"narrative": "prima"})
    saver = Autosaver(store, lambda: draft, interval_ms=20)
    with qtbot.assert_not_emitted(saver.saved, wait=80):
        pass
    saver.mark_dirty()
    with qtbot.wait_signal(saver.saved, timeout=2000):
        pass
    assert store.load(draft.draft_id).data == {"narrative": "prima"}  # type: ignore[union-attr]
    saver.stop()
