"""The class board: runs that visitors chose to publish, under a nickname, for the whole class.

In public mode every visitor's runs are theirs alone (core/runs/owners.py); the board is the one
place where runs meet. A visitor publishes a run of theirs that trained to its end: the board
keeps a reference to it (the run, its nickname, when), nothing else of the visitor's, and shows
it read-only to everyone. Only the run's owner can withdraw it; deleting the run (Forget me, the
visitor's own bound on kept runs) withdraws it too. The teacher (LAB_TEACHER_KEY, checked by
`teacher_ok`) can hide a run, clear the board, or start a new board for the next lesson; the
board shows the newest board only. Bounds: runs per visitor and in all on the board (the oldest
go first) and an age (older entries are neither shown nor kept).

The board's measures are computed from the stored run, the same way as on Compare: the
first/last layer gradient ratio at the last epoch (core.engine.insights.gradient_finding) and the
train/validation gap at the end (validation loss minus training loss).
"""

from __future__ import annotations

import hmac
import json
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from core.base.i18n import _
from core.engine.insights import gradient_finding
from core.engine.training import History
from core.runs.rows import now as _now
from core.runs.store import RunStore

NICK_MAX = 32  # characters of a nickname
PUBLISHABLE = ("finished", "diverged")  # runs that trained to their end (a diverged one is a lesson too)


class BoardRefused(ValueError):
    """A publish, withdraw or nickname the board will not take; the message says why, in words."""


def clean_nickname(text: Any) -> str:
    """The nickname as the board keeps it: NFC, spaces collapsed, 1 to NICK_MAX characters, any
    script, no control, format (bidi overrides, zero-width) or line-separator characters. Markup
    is kept as typed: the board shows nicknames as plain text. Raises BoardRefused."""
    if not isinstance(text, str):
        raise BoardRefused(_("A nickname is text."))
    text = unicodedata.normalize("NFC", text)
    bad = [c for c in text if unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp")]
    if bad:
        raise BoardRefused(
            _("A nickname cannot hold control or invisible characters ({chars}).").format(
                chars=", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(bad))
            )
        )
    nick = " ".join(text.split())
    if not nick:
        raise BoardRefused(_("Type a nickname first: the class sees your run under it."))
    if len(nick) > NICK_MAX:
        raise BoardRefused(
            _("A nickname has at most {n} characters ({m} typed).").format(n=NICK_MAX, m=len(nick))
        )
    return nick


def teacher_ok(given: Any, key: str) -> bool:
    """Whether `given` is the teacher's key (compared in constant time); never true without a key."""
    if not key or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8"))


@dataclass
class Entry:
    """One published run as the board shows it."""

    id: int  # the entry's id (not the run's)
    run_id: int
    nickname: str
    published: str
    hidden: bool
    mine: bool  # published by the visitor asking
    lab: str
    config: dict
    layers: list[str]
    status: str
    n_epochs: int
    train_loss: float | None
    val_loss: float | None
    train_acc: float | None
    val_acc: float | None
    ratio: float | None  # first/last layer gradient at the last epoch
    verdict: str | None  # gradient_finding's verdict: vanishing, healthy, exploding, ...
    measure: str | None  # grad_rms (per weight) or grad_norm
    epochs: list[dict] = field(default_factory=list)  # filled in by Board.curves

    @property
    def gap(self) -> float | None:
        """Validation loss minus training loss at the last epoch (overfitting shows as a wide gap)."""
        if self.train_loss is None or self.val_loss is None:
            return None
        return self.val_loss - self.train_loss


def ratio_at(
    config: dict, layers: list[str], status: str, last: dict
) -> tuple[float | None, str | None, str | None]:
    """(ratio, verdict, measure) of a run's last epoch, as Compare and the labs compute it."""
    h = History(config=config, layers=layers, epochs=[last] if last else [])
    h.status = status
    finding = gradient_finding(h)
    if finding is None:
        return None, None, None
    return finding.ratio, finding.verdict, finding.measure


class Board:
    """The class board over a run store. `per_visitor` and `total` bound the entries of the current
    board (the oldest go first), `max_age_h` their age (0: no bound)."""

    def __init__(self, store: RunStore, per_visitor: int = 3, total: int = 300, max_age_h: int = 12) -> None:
        self.store, self.per_visitor, self.total, self.max_age_h = store, per_visitor, total, max_age_h

    # -- boards -------------------------------------------------------------------------------
    def current(self) -> dict:
        """The board shown now (the newest): {"id", "created", "title"}; the first one is made here."""
        rows = self.store._read("SELECT id, created, title FROM boards ORDER BY id DESC LIMIT 1")
        if rows:
            return dict(rows[0])
        self.new_board()
        return dict(self.store._read("SELECT id, created, title FROM boards ORDER BY id DESC LIMIT 1")[0])

    def new_board(self, title: str = "") -> int:
        """Start a new board (the teacher's next lesson); earlier boards' entries go."""
        title = " ".join(str(title).split())[:80]
        with self.store._lock, self.store._conn() as conn:
            cur = conn.execute("INSERT INTO boards (created, title) VALUES (?, ?)", (_now(), title))
            conn.execute("DELETE FROM boards WHERE id < ?", (cur.lastrowid,))  # entries cascade
            return int(cur.lastrowid)

    # -- a visitor's entries --------------------------------------------------------------------
    def publish(self, run_id: int, owner: str, nickname: str) -> int:
        """Publish a run of `owner` under a nickname; returns the entry's id. Raises BoardRefused
        when the nickname is refused, the run is not this owner's (or does not exist: the two are
        the same answer), or did not train to its end. Publishing a run again renames it."""
        nick = clean_nickname(nickname)
        run = self.store.get(int(run_id), owner)
        if run is None:
            raise BoardRefused(_("There is no run #{id} of yours to publish.").format(id=run_id))
        if run["status"] not in PUBLISHABLE or not run["n_epochs"]:
            raise BoardRefused(
                _("Only a run that trained to its end can be published (this one is {status}).").format(
                    status=run["status"]
                )
            )
        board = self.current()["id"]
        with self.store._lock, self.store._conn() as conn:
            conn.execute(
                "INSERT INTO board_runs (board, run_id, owner, nickname, published) VALUES (?,?,?,?,?) "
                "ON CONFLICT (board, run_id) DO UPDATE SET nickname=excluded.nickname",
                (board, run["id"], owner, nick, _now()),
            )
            (entry,) = conn.execute(
                "SELECT id FROM board_runs WHERE board=? AND run_id=?", (board, run["id"])
            ).fetchone()
            conn.execute(  # this visitor's oldest beyond their bound, then everyone's beyond the total
                "DELETE FROM board_runs WHERE board=? AND owner=? AND id NOT IN "
                "(SELECT id FROM board_runs WHERE board=? AND owner=? ORDER BY id DESC LIMIT ?)",
                (board, owner, board, owner, self.per_visitor),
            )
            conn.execute(
                "DELETE FROM board_runs WHERE board=? AND id NOT IN "
                "(SELECT id FROM board_runs WHERE board=? ORDER BY id DESC LIMIT ?)",
                (board, board, self.total),
            )
        self.prune()
        return int(entry)

    def withdraw(self, entry_id: int, owner: str) -> bool:
        """Take an entry off the board, only if `owner` published it; whether one went."""
        return (
            self.store._write(
                "DELETE FROM board_runs WHERE id=? AND owner=?", (int(entry_id), owner)
            ).rowcount
            > 0
        )

    # -- the teacher's controls (the page checks the key first: teacher_ok) ---------------------
    def hide(self, entry_id: int, hidden: bool = True) -> bool:
        sql = "UPDATE board_runs SET hidden=? WHERE id=? AND board=?"
        return self.store._write(sql, (int(hidden), int(entry_id), self.current()["id"])).rowcount > 0

    def clear(self) -> int:
        """Take every run off the current board; how many went."""
        return self.store._write("DELETE FROM board_runs WHERE board=?", (self.current()["id"],)).rowcount

    def prune(self) -> int:
        """Drop entries older than the age bound."""
        if not self.max_age_h:
            return 0
        return self.store._write("DELETE FROM board_runs WHERE published < ?", (self._cutoff(),)).rowcount

    # -- reading --------------------------------------------------------------------------------
    def version(self) -> tuple:
        """Changes whenever what the board shows changes (a cheap poll for the page)."""
        row = self.store._read(
            "SELECT (SELECT MAX(id) FROM boards) AS b, COUNT(*) AS n, MAX(id) AS m, SUM(hidden) AS h, "
            "GROUP_CONCAT(nickname, char(31)) AS names FROM board_runs "
            "WHERE board=(SELECT MAX(id) FROM boards)"
        )[0]
        return tuple(row)

    def entries(
        self, owner: str | None = None, hidden: bool = False, board: int | None = None
    ) -> list[Entry]:
        """The current board's entries (or those of `board`, its id), oldest first (the hidden ones
        too with hidden=True); `mine` marks those `owner` published."""
        board = self.current()["id"] if board is None else board
        cutoff = self._cutoff()
        rows = self.store._read(
            "SELECT b.id, b.run_id, b.nickname, b.published, b.hidden, b.owner, r.lab, r.config, r.layers, "
            "r.status, r.n_epochs, r.train_loss, r.val_loss, r.train_acc, r.val_acc, e.grad_norm, e.grad_rms "
            "FROM board_runs b JOIN runs r ON r.id=b.run_id "
            "LEFT JOIN epochs e ON e.run_id=r.id AND e.epoch=r.n_epochs "
            "WHERE b.board=? AND b.published >= ?" + ("" if hidden else " AND b.hidden=0") + " ORDER BY b.id",
            (board, cutoff),
        )
        out = []
        for r in rows:
            config, layers = json.loads(r["config"]), json.loads(r["layers"])
            last = {
                "grad_norm": json.loads(r["grad_norm"] or "{}"),
                "grad_rms": json.loads(r["grad_rms"] or "{}"),
            }
            if r["grad_norm"] is not None:
                last["epoch"] = r["n_epochs"]
            ratio, verdict, measure = ratio_at(config, layers, r["status"], last if "epoch" in last else {})
            out.append(
                Entry(
                    id=r["id"], run_id=r["run_id"], nickname=r["nickname"], published=r["published"],
                    hidden=bool(r["hidden"]), mine=owner is not None and r["owner"] == owner, lab=r["lab"],
                    config=config, layers=layers, status=r["status"], n_epochs=r["n_epochs"],
                    train_loss=r["train_loss"], val_loss=r["val_loss"], train_acc=r["train_acc"],
                    val_acc=r["val_acc"], ratio=ratio, verdict=verdict, measure=measure,
                )
            )  # fmt: skip
        return out

    def published(self, run_id: int, owner: str) -> tuple[int, str] | None:
        """(entry id, nickname) of this owner's run on the current board (hidden or not), or None:
        one small query, for the box under every lab's finished run."""
        rows = self.store._read(
            "SELECT id, nickname FROM board_runs WHERE run_id=? AND owner=? AND published >= ? "
            "AND board=(SELECT MAX(id) FROM boards)",
            (int(run_id), owner, self._cutoff()),
        )
        return (rows[0]["id"], rows[0]["nickname"]) if rows else None

    def _cutoff(self) -> str:
        """Entries published before this are past the age bound ("" without one)."""
        if not self.max_age_h:
            return ""
        return (datetime.now(UTC) - timedelta(hours=self.max_age_h)).isoformat(timespec="milliseconds")

    def view(self, owner: str | None = None) -> View:
        """What one page run of the board shows: its version, the board and every entry (the hidden
        ones too, each marked), read once and passed to each section."""
        version = self.version()  # before reading: a change in between is drawn next time
        current = self.current()
        return View(version, current, self.entries(owner, hidden=True, board=current["id"]))

    def curves(self, entries: list[Entry]) -> list[Entry]:
        """Copies of the entries with their per-epoch records filled in (for overlaid curves)."""
        return [replace(e, epochs=self.store.epochs(e.run_id)) for e in entries]


@dataclass(frozen=True)
class View:
    """The board as one page run reads it (Board.view)."""

    version: tuple
    board: dict  # {"id", "created", "title"}
    entries: list[Entry]  # the hidden ones too

    @property
    def shown(self) -> list[Entry]:
        return [e for e in self.entries if not e.hidden]

    @property
    def mine(self) -> list[Entry]:
        return [e for e in self.entries if e.mine]
