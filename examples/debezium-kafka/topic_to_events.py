#!/usr/bin/env python3
"""Turns the records of a Debezium topic flattened by ExtractNewRecordState back into the change
event lines test/debezium/reconcile.py reads.

Usage: topic_to_events.py TOPIC_LINES... > EVENTS
  TOPIC_LINES  {"key": ..., "value": ...} lines (cdccraft.ReadTopic), JSON converter without schemas,
               files in order; written out as one event file, in the same order

The pipeline's unwrap (run.sh's connector .properties) is
  transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState
  transforms.unwrap.delete.tombstone.handling.mode=rewrite   (or rewrite-with-tombstone)
  transforms.unwrap.add.fields=op,lsn,txId
so a record's value is the row itself, flat, plus __op (the envelope's op), __lsn and __txId (the
envelope's source.lsn and source.txId) and __deleted ("true" for a rewritten delete, "false" else).
Each becomes {"key": <the same key>, "value": {"op": __op, "before": ..., "after": ...,
"source": {"txId": __txId, "lsn": __lsn}}}:
  op c, u, r   the row is "after"; "before" is null
  op d         the row (__deleted "true") is "before"; "after" is null
  null value   a tombstone, passed through as {"key": ..., "value": null}
The four __ fields are removed from the row (only those four: a column whose own name began with __
would be kept, and one named as they are would be lost; no cdccraft column is). A value that still is
an envelope (an "op" and a "source", no __op: a record an unwrap passed over) is passed through
unchanged; ExtractNewRecordState 3.6.1 passes none. An unterminated last line (a reader killed
mid-line) is copied unterminated when it ends the last file, so that the reconciler passes over it as
it does for CaptureRun's; one that ends an earlier file cannot be (the next line would join it), and
is left out, said on stderr.

What the unwrap loses, against the events of the embedded engine (test/debezium/CaptureRun):
  - an update's old row ("before", whole under REPLICA IDENTITY FULL): only the new row is left;
  - a delete's new side (null anyway) and, with rewrite, its tombstone: Debezium's own tombstone after
    each delete is dropped (rewrite-with-tombstone keeps it);
  - the envelope's ts_ms and every source field but lsn and txId (the database, schema and table
    names, ts_ms, snapshot, sequence, xmin), and the transaction block when there is one;
  - every truncate event (see below);
  - the Connect schemas (the JSON converter runs without them, as CaptureRun's does).
Why reconcile.py's checks still hold: of an event it reads the key, the op, "after" (the values it
compares for c and u, and the row a read or a change puts into the sink's state), "before" (a
delete's key; and, under REPLICA IDENTITY FULL, the old row it compares for a delete, and for an
update only when the event has one), and source.txId and source.lsn (each change's transaction, the
repeat stamp, the snapshot hand-off). Each survives the unwrap: a rewritten delete carries the whole
old row (under FULL; the key and NULLs under DEFAULT, as the envelope's "before" does), and an update
has no "before" at all, so the one check it cannot make is the update's old row, which is not on the
topic. An update's key is read from "after", the same key: an update that changes the primary key is
not one event for Debezium but a delete of the old key and a create of the new one, each with its own.
Tombstones are counted by the reconciler, never required, so a pipeline that drops them still
reconciles; one that keeps them has each counted. A TRUNCATE is lost: the connector sends a truncate
event (skipped.operations=none), but Debezium 3.6.1's ExtractNewRecordState drops every one, whatever
its settings (its strategies' handleTruncateRecord returns null), so the reconciler reports the
truncate missing and the rows it removed still in the sink's state (t/201). Logical decoding messages
go to another topic (<prefix>.message), not read here: a run with emit_messages finds them missing.
"""
import json
import sys

META = ("__op", "__lsn", "__txId", "__deleted")


def deleted_flag(value):
    flag = value.get("__deleted")
    return flag is True or flag == "true"


def to_event(record):
    value = record.get("value")
    if value is None:
        return {"key": record.get("key"), "value": None}
    if "__op" not in value:
        if "op" in value and "source" in value:
            return record
        raise ValueError("a record without __op: is add.fields=op,lsn,txId set on the unwrap? %s" % json.dumps(record))
    op = value["__op"]
    row = {name: v for name, v in value.items() if name not in META}
    deleted = deleted_flag(value)
    if (op == "d") != deleted:
        raise ValueError("__op %s with __deleted %s: %s" % (op, value.get("__deleted"), json.dumps(record)))
    before, after = (row, None) if op == "d" else (None, row)
    return {"key": record.get("key"),
            "value": {"op": op, "before": before, "after": after,
                      "source": {"txId": value.get("__txId"), "lsn": value.get("__lsn")}}}


def main(paths):
    out = sys.stdout
    for n, path in enumerate(paths):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    if n == len(paths) - 1:
                        out.write(line)
                    else:
                        print("topic_to_events: left out the unterminated last line of %s" % path, file=sys.stderr)
                    continue
                if not line.strip():
                    continue
                out.write(json.dumps(to_event(json.loads(line)), ensure_ascii=False) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
