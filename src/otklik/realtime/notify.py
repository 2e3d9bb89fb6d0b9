"""PostgreSQL's ``NOTIFY`` channel of live frames: how a frame is written on it.

Frames of a transaction are announced inside it (``realtime.log.stamp_order``), so PostgreSQL
delivers them only if it commits, and delivers the notifications of different transactions in
the order those committed: every process of every host hears every event in ``seq`` order,
with no after-commit step that could reach one listener before an earlier commit's. Frames
that belong to no transaction (typing notices) are sent by the broker the same way.
"""

from __future__ import annotations

import json

from otklik.core.events import Reach
from otklik.realtime.protocol import Outgoing

CHANNEL = "otklik_events"
#: PostgreSQL refuses payloads of 8000 bytes or more; a bigger event travels as a reference
#: to its row, which each listener loads.
NOTIFY_LIMIT = 7900
#: Every payload on the channel, in order, for asyncpg (``core/pg_raw.py``, the broker's own
#: connection): the channel, then the payloads.
PG_NOTIFY_ALL = "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p"


def encode(frame: Outgoing) -> str:
    body: dict[str, object] = {"s": frame.stream, "e": frame.event_id, "t": frame.text}
    if frame.reach is not None:
        body["r"] = list(frame.reach)
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if len(encoded.encode()) <= NOTIFY_LIMIT:
        return encoded
    if frame.event_id is None:
        raise ValueError("transient frame too large for NOTIFY")
    return json.dumps({"s": frame.stream, "e": frame.event_id, "ref": True})


#: Where an event's ``seq`` goes in a payload written before the number is drawn
#: (:func:`template`). JSON text never holds a raw control character (they are escaped inside
#: strings), so this one marks the places without clashing with anything a frame carries.
SEQ = "\x01"
#: The most digits a ``seq`` (a bigint) adds where :data:`SEQ` stands, twice.
_SEQ_ROOM = 2 * 19
#: A frame's text up to its ``id``, as a JSON string still open: ``"{\"id\":``.
_FRAME_HEAD = json.dumps('{"id":')[:-1]


def template(stream: str, kind: str, payload_json: str, reach: Reach | None) -> str:
    """The payload :func:`encode` writes for an event's frame, with :data:`SEQ` where its
    ``seq`` goes (its ``"e"`` and the frame's ``"id"``): the order stamp replaces it in the
    statement that draws the numbers (``realtime.log``), so the payloads are made before the
    order lock is taken, not while it is held."""
    frame_tail = json.dumps(
        f',"type":{json.dumps(kind)},"data":{payload_json}}}', ensure_ascii=False
    )[1:]
    stream_json = json.dumps(stream, ensure_ascii=False)
    body = f'{{"s":{stream_json},"e":{SEQ},"t":{_FRAME_HEAD}{SEQ}{frame_tail}'
    if reach is not None:
        body += f',"r":{json.dumps(list(reach))}'
    body += "}"
    if len(body.encode()) + _SEQ_ROOM <= NOTIFY_LIMIT:
        return body
    return f'{{"s":{stream_json},"e":{SEQ},"ref":true}}'


def decode(payload: str) -> Outgoing | int:
    """A frame from its notification, or the event's ``seq`` when only a reference came."""
    body = json.loads(payload)
    if body.get("ref"):
        return int(body["e"])
    reach = body.get("r")
    return Outgoing(
        stream=body["s"],
        text=body["t"],
        event_id=body["e"],
        reach=Reach(*reach) if reach is not None else None,
    )
