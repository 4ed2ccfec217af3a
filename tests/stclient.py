"""A visitor that speaks Streamlit's own websocket protocol (the installed package's protobufs).

It does what a browser tab does to the server, without drawing anything: opens a page (a
`rerun_script` BackMsg with the page name and query string), reads every ForwardMsg (deltas
keyed by their place on the page, page info, script finished), and clicks a button by sending
its trigger in the next `rerun_script`; a button drawn in a fragment reruns that fragment alone
(its id goes with the trigger, as the browser sends it), and only that fragment's elements are
redrawn. A browser costs the 2 cores far more than the server it
measures; this costs a few milliseconds of CPU per message. Used by the serving tests and by
bench/load.py.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import orjson
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
FRAGMENT_FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


@dataclass
class Event:
    """One thing the visitor saw: when (seconds since it opened the page), what, and its text
    (an element's, read from its proto when first asked for: a chart's title means parsing its
    whole spec, and the bench's driver shares the cores with the server it measures)."""

    t: float
    kind: str  # element type (alert, plotly_chart, button, ...), or "finished", "exception"
    given: str | None = ""  # the text, or None: read it from `body` when asked
    fragment: str | None = None  # an element's fragment id ("" outside any); None: not an element
    body: object = None  # the element's proto

    @property
    def text(self) -> str:
        if self.given is None:
            self.given = _text(self.kind, self.body)
        return self.given


@dataclass
class Visitor:
    """One tab on one page. `await v.open()`, `await v.click("Train")`, `await v.wait_for(...)`."""

    base: str  # http://127.0.0.1:port
    page: str = ""  # url path of the page, e.g. MLP_Lab ("" = the home page)
    query: str = ""
    events: list[Event] = field(default_factory=list)
    elements: dict[tuple, tuple[str, object]] = field(default_factory=dict)  # delta path -> element
    fragments: dict[tuple, str] = field(default_factory=dict)  # delta path -> its fragment's id
    page_hash: str = ""  # empty: the server finds the page by its name, as for a pasted link
    runs_finished: int = 0
    start: float = 0.0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set on each event seen

    async def open(self) -> Visitor:
        """Connect and run the page's script once, as a tab opening the link does."""
        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        self.start = time.perf_counter()
        self.ws = await connect(url, subprotocols=["streamlit"], max_size=2**26, open_timeout=30)
        self.reader = asyncio.create_task(self._read())
        await self._rerun([])
        await self.settle(0.0, timeout=120)
        return self

    async def close(self) -> None:
        """Close the tab: the server sees the websocket go."""
        self.reader.cancel()
        await self.ws.close()

    async def _rerun(self, widgets: list[WidgetState], fragment_id: str = "") -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string, cs.page_name, cs.page_script_hash = self.query, self.page, self.page_hash
        cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend(widgets)
        await self.ws.send(msg.SerializeToString())

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            self._seen(msg)

    def _seen(self, msg: ForwardMsg) -> None:
        self.arrived.set()
        t = time.perf_counter() - self.start
        kind = msg.WhichOneof("type")
        if kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "script_finished":
            if msg.script_finished in (FINISHED, FRAGMENT_FINISHED):  # the page, or a fragment of it
                self.runs_finished += 1
                self.events.append(Event(t, "finished"))
            else:
                self.events.append(Event(t, "finished_early", str(msg.script_finished)))
        elif kind in ("new_session", "session_status_changed"):
            status = msg.session_status_changed if kind == "session_status_changed" else None
            running = getattr(status, "script_is_running", None) if status is not None else None
            self.events.append(Event(t, kind, "" if running is None else f"running={running}"))
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            etype = el.WhichOneof("type")
            body = getattr(el, etype)
            path = tuple(msg.metadata.delta_path)
            self.elements[path] = (etype, body)
            self.fragments[path] = msg.delta.fragment_id
            self.events.append(Event(t, etype, None, msg.delta.fragment_id, body))

    async def goto(self, page: str, query: str = "") -> float:
        """Go to another page in the same tab (the same session), as a sidebar link does."""
        self.page, self.query, self.page_hash = page, query, ""
        self._clear()
        await self._rerun([])
        return time.perf_counter() - self.start

    def widgets(self, kind: str) -> list:
        """The protos of the elements of one kind now on the page (e.g. "multiselect")."""
        return [b for k, b in self.elements.values() if k == kind]

    def buttons(self) -> dict[str, object]:
        """Label -> the button proto, for the buttons now on the page."""
        return {b.label: b for kind, b in self.elements.values() if kind == "button"}

    def text_inputs(self) -> dict[str, object]:
        """Label -> the text input proto, for the text inputs now on the page."""
        return {b.label: b for kind, b in self.elements.values() if kind == "text_input"}

    async def click(self, label: str, typed: dict[str, str] | None = None, button_id: str = "") -> float:
        """Press a button (as its trigger in the next run), having typed `typed` (text input label
        -> text) into the page's text inputs first, as a user who types and then clicks; returns
        when it was pressed. `button_id` presses a button by its id instead (one this page may not
        show: what a crafted message would send)."""
        widget_id = button_id or self.buttons()[label].id
        inputs = self.text_inputs()
        states = [WidgetState(id=inputs[name].id, string_value=text) for name, text in (typed or {}).items()]
        # A button in a fragment reruns that fragment alone (as the browser asks), else the page;
        # text typed outside the button's fragment goes with a rerun of the page.
        fragment = self.fragment_of(widget_id)
        if any(self.fragment_of(inputs[name].id) != fragment for name in typed or {}):
            fragment = ""
        self._clear(fragment)
        await self._rerun([*states, WidgetState(id=widget_id, trigger_value=True)], fragment)
        return time.perf_counter() - self.start

    def fragment_of(self, widget_id: str) -> str:
        """The id of the fragment the widget is drawn in ("" outside any fragment)."""
        for path, (_kind, body) in self.elements.items():
            if getattr(body, "id", None) == widget_id:
                return self.fragments.get(path, "")
        return ""

    def _clear(self, fragment: str = "") -> None:
        """Forget what the next run redraws: a fragment's elements, or the whole page."""
        gone = [p for p, f in self.fragments.items() if f == fragment] if fragment else list(self.elements)
        for path in gone:
            self.elements.pop(path, None)
            self.fragments.pop(path, None)

    async def type(self, typed: dict[str, str]) -> float:
        """Type into the page's text inputs (label -> text) and leave them, as a user pressing Enter
        does: the page reruns with the new text. Returns when it was sent."""
        inputs = self.text_inputs()
        states = [WidgetState(id=inputs[name].id, string_value=text) for name, text in typed.items()]
        self._clear()
        await self._rerun(states)
        return time.perf_counter() - self.start

    def frames(self) -> list:
        """The data frames now on the page, as pandas DataFrames (decoded from their Arrow bytes)."""
        import pyarrow as pa

        return [
            pa.ipc.open_stream(b.arrow_data.data).read_pandas()
            for k, b in self.elements.values()
            if k == "dataframe"
        ]

    async def wait_for(self, test, timeout: float = 60.0, since: float = 0.0) -> Event:
        """The first event after `since` for which test(event) is true; TimeoutError after `timeout`.
        Each event is tested once, when it arrives (the waits of 30 visitors polling their whole
        event lists every 20 ms were half the bench driver's CPU, on the cores it measures)."""
        deadline = time.perf_counter() + timeout
        seen = 0
        while True:
            for e in self.events[seen:]:
                if e.t >= since and test(e):
                    return e
            seen = len(self.events)
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{self.page}: nothing matched in {timeout} s; last: {self.events[-3:]}")
            self.arrived.clear()
            try:
                async with asyncio.timeout(left):
                    await self.arrived.wait()
            except TimeoutError:
                pass

    async def settle(self, since: float = 0.0, timeout: float = 60.0) -> Event:
        """Wait until a script run that began after `since` has finished (the page is drawn)."""
        return await self.wait_for(lambda e: e.kind == "finished", timeout, since=since)

    def alerts(self) -> list[str]:
        """The text of every alert (st.error / warning / info / success) now on the page."""
        return [_text(k, b) for k, b in self.elements.values() if k == "alert"]

    def errors(self) -> list[str]:
        """Exceptions shown on the page (a traceback in the app is a failure of the app)."""
        return [e.text for e in self.events if e.kind == "exception"]


def _text(kind: str, body: object) -> str:
    if kind == "alert":
        return body.body
    if kind == "markdown":
        return body.body
    if kind == "exception":
        return f"{body.type}: {body.message}\n" + "\n".join(body.stack_trace)
    if kind == "plotly_chart":  # orjson: the driver shares the cores with the server it measures, and
        spec = orjson.loads(body.spec)  # json.loads took 2.6 ms per decision plane, orjson 0.3 ms
        title = spec.get("layout", {}).get("title", {})
        return title.get("text", "") if isinstance(title, dict) else str(title)
    if kind == "progress":
        return body.text
    if kind == "button":
        return body.label
    return ""
