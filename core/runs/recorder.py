"""Filing a training run in the store as it goes, epoch by epoch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.runs.owners import ScopedStore
from core.runs.store import RunStore


class Recorder:
    """Files a training run in the store as it goes: pass `on_epoch` to train(), then `finish`."""

    def __init__(
        self,
        store: RunStore | ScopedStore,
        lab: str,
        config: dict,
        name: str = "",
        tags: Iterable[str] = (),
        group: str = "",
    ) -> None:
        self.store = store
        self.run_id = store.create(lab, config, name=name, tags=tags, group=group)
        self._layers_saved = False

    def on_epoch(self, record: dict) -> None:
        """Commit one epoch; the layer names (the record's grad_norm keys, input side first)
        go with the first."""
        self.store.add_epoch(self.run_id, record, None if self._layers_saved else list(record["grad_norm"]))
        self._layers_saved = True

    def on_epochs(self, records: list[dict]) -> None:
        """Commit several finished epochs at once (one transaction), in order."""
        if records:
            layers = None if self._layers_saved else list(records[0]["grad_norm"])
            self.store.add_epochs(self.run_id, records, layers)
            self._layers_saved = True

    def finish(self, history: Any) -> None:
        """Record the ending (status, seconds, message, the derived values)."""
        self.store.finish(
            self.run_id, history.status, history.seconds, history.message, getattr(history, "derived", {})
        )
