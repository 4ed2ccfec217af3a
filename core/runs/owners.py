"""One owner's runs in the shared run store: what a visitor of a public server can reach."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.runs.store import RunStore


class ScopedStore:
    """One owner's runs in a shared store: a visitor of a public server lists, reads, renames,
    tags, deletes and exports only these. Runs it creates are this owner's; after each, the
    oldest beyond `keep` for the owner and `keep_total` for all visitors are dropped (0: no
    limit). A run of another owner is as absent as a run that does not exist."""

    def __init__(self, store: RunStore, owner: str, keep: int = 0, keep_total: int = 0) -> None:
        if not owner:
            raise ValueError("a scoped store needs an owner")
        self.store, self.owner, self.keep, self.keep_total = store, owner, keep, keep_total
        self.path, self.memory = store.path, store.memory

    def create(self, lab: str, config: dict, layers: list[str] = (), **kw: Any) -> int:
        rid = self.store.create(lab, config, layers, owner=self.owner, **kw)
        if self.keep or self.keep_total:
            self.store.prune(self.owner, self.keep or 2**62, self.keep_total or 2**62)
        return rid

    def owns(self, run_id: int) -> bool:
        return self.store.get(run_id, self.owner) is not None

    def add_epoch(self, run_id: int, record: dict, layers: list[str] | None = None) -> None:
        if self.owns(run_id):
            self.store.add_epoch(run_id, record, layers)

    def add_epochs(self, run_id: int, records: list[dict], layers: list[str] | None = None) -> None:
        if self.owns(run_id):
            self.store.add_epochs(run_id, records, layers)

    def finish(self, run_id: int, *args: Any, **kw: Any) -> None:
        if self.owns(run_id):
            self.store.finish(run_id, *args, **kw)

    def mark_stopped(self, run_id: int, message: str = "Stopped by the user.") -> None:
        if self.owns(run_id):
            self.store.mark_stopped(run_id, message)

    def rename(self, run_id: int, name: str) -> None:
        self.store.rename(run_id, name, owner=self.owner)

    def set_tags(self, run_id: int, tags: Iterable[str]) -> None:
        self.store.set_tags(run_id, tags, owner=self.owner)

    def delete(self, run_ids: Iterable[int]) -> None:
        self.store.delete(run_ids, owner=self.owner)

    def list(self, **kw: Any) -> list[dict]:
        return self.store.list(**kw, owner=self.owner)

    def count(self) -> int:
        return self.store.count(self.owner)

    def get(self, run_id: int) -> dict | None:
        return self.store.get(run_id, self.owner)

    def epochs(self, run_id: int, detail: bool = False) -> list[dict]:
        return self.store.epochs(run_id, detail) if self.owns(run_id) else []

    def load(self, run_id: int, detail: bool = True) -> dict:
        return self.store.load(run_id, detail, owner=self.owner)

    def import_runs(self, data: Any) -> list[int]:
        ids = self.store.import_runs(data, owner=self.owner)
        if self.keep or self.keep_total:
            self.store.prune(self.owner, self.keep or 2**62, self.keep_total or 2**62)
        return [i for i in ids if self.owns(i)]
