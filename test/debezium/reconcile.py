#!/usr/bin/env python3
"""Reconciles Debezium's change events of a cdccraft run with the run's truth.

Usage: reconcile.py TRUTH EXPECTED EVENTS...
  TRUTH     cdccraft_changes(run) as JSON lines
  EXPECTED  cdccraft_expected_state(run) as JSON lines
  EVENTS    the captures' lines, {"key": ..., "value": ...} (CaptureRun, JSON converter without
            schemas), one file per capture, in order; a capture killed mid-line leaves its last line
            unterminated, which is passed over (the engine had not committed that event: it comes
            again)

The capture starts at the run's slot (snapshot.mode no_data), which was made after the snapshot rows:
the truth's batch 0 stands in for an initial load. Each insert, update and delete of the truth must be
an event of the same operation on the same key, in each key's order, with the truth's values after
Debezium's conversions (decimal.handling.mode string, time.precision.mode adaptive_time_microseconds):

  timestamp      microseconds since 1970-01-01, the local time taken as UTC
  boolean        true/false for t/f
  numbers        JSON numbers, equal to the truth's text read as a number
  text, uuid     strings

A snapshot read (op r, snapshot.mode initial) is the row as the connector's snapshot saw it: counted and
put into the state, not matched to a change. After a snapshot the connector streams from where its
snapshot stood: the truth's changes before the first transaction it streamed are the snapshot's to
carry, and the state the reads and the changes build is what must equal the expected state. A tombstone (a null value after a delete) is counted, not
compared. An event equal to one already seen
for its key (same operation, transaction, LSN and row) is a repeat, as at-least-once delivery allows
across a restart. The
state the events build (from the truth's snapshot rows) must equal the expected state, column by column
over the columns in force; a column an event lacks (added since its row last changed) counts as NULL.
Prints the verdict as JSON; exits 0 when it is ok, 1 otherwise.
"""
import datetime
import json
import re
import sys

EPOCH = datetime.datetime(1970, 1, 1)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
OPS = {"insert": "c", "update": "u", "delete": "d"}


def lines(path, cut=None):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n") and cut is not None:
                cut.append(path)
                continue
            if line.strip():
                yield json.loads(line)


def as_debezium(text, value):
    """Whether Debezium's value is the truth's text after its conversions."""
    if text is None or value is None:
        return text is None and value is None
    if isinstance(value, bool):
        return text == ("t" if value else "f")
    if isinstance(value, int) and TIMESTAMP.match(text):
        t = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S")
        delta = t - EPOCH
        return value == (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
    if isinstance(value, (int, float)):
        try:
            return float(text) == float(value)
        except ValueError:
            return False
    return text == str(value)


class Verdict:
    def __init__(self):
        self.checked = {"insert": 0, "update": 0, "delete": 0}
        self.repeats = 0
        self.tombstones = 0
        self.reads = 0
        self.differences = 0
        self.first = []

    def difference(self, what, expected, actual):
        self.differences += 1
        if len(self.first) < 10:
            self.first.append({"what": what, "expected": expected, "actual": actual})


def lsn_of(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def events_of(paths, cut):
    for path in paths:
        yield from lines(path, cut)


def main(truth_path, expected_path, *events_paths):
    verdict = Verdict()
    cut = []
    truth = list(lines(truth_path))
    snapshot = {c["key"]: dict(c["data"]) for c in truth if c["batch"] == 0 and c["op"] == "insert"}

    events = list(events_of(events_paths, cut))
    handoff = None
    if any(e["value"] is not None and e["value"]["op"] == "r" for e in events):
        streamed = {str(e["value"]["source"].get("txId")) for e in events
                    if e["value"] is not None and e["value"]["op"] != "r"}
        commits = [lsn_of(c["commit_lsn"]) for c in truth if c["xid"] in streamed and c["commit_lsn"]]
        handoff = min(commits) if commits else float("inf")

    # Each key's truth, in commit order (cdccraft_changes' order) and seq.
    by_key = {}
    for c in truth:
        if c["batch"] > 0 and c["op"] in OPS:
            if handoff is not None and (not c["commit_lsn"] or lsn_of(c["commit_lsn"]) < handoff):
                continue
            by_key.setdefault(c["key"], []).append(c)
    position = {key: 0 for key in by_key}

    # The connector's own snapshot reads, when it made one, stand for the rows before its stream;
    # else the truth's snapshot rows do.
    state = {} if handoff is not None else {key: dict(row) for key, row in snapshot.items()}
    state_seed = dict(state)
    seen = {}
    for event in events:
        value = event["value"]
        if value is None:
            verdict.tombstones += 1
            continue
        op, before, after, source = value["op"], value.get("before"), value.get("after"), value["source"]
        if op == "r":
            verdict.reads += 1
            state[after["id"]] = after
            continue
        key = (before or after)["id"] if op != "c" else after["id"]
        stamp = (op, source.get("txId"), source.get("lsn"), json.dumps(after, sort_keys=True))
        if stamp in seen.setdefault(key, set()):
            verdict.repeats += 1
            continue
        seen[key].add(stamp)
        queue = by_key.get(key, [])
        at = position.get(key, 0)
        if at >= len(queue):
            verdict.difference("an event the truth does not have", None, {"op": op, "key": key})
            continue
        expected = queue[at]
        position[key] = at + 1
        if OPS[expected["op"]] != op:
            verdict.difference("operation", {"op": expected["op"], "key": key, "batch": expected["batch"]},
                               {"op": op, "key": key})
            continue
        if op in ("c", "u"):
            data = expected["data"] or {}
            wrong = {name: [text, after.get(name)] for name, text in data.items()
                     if not as_debezium(text, after.get(name))}
            if op == "c":
                wrong.update({name: [None, after[name]] for name in after if name not in data})
            if wrong:
                verdict.difference("values", {"key": key, "batch": expected["batch"], "op": expected["op"]}, wrong)
                continue
            state.pop(key, None)
            state[after["id"]] = after
        else:
            state.pop(key, None)
        verdict.checked[expected["op"]] += 1

    for key, queue in by_key.items():
        for missing in queue[position[key]:]:
            verdict.difference("a change no event carries", {"op": missing["op"], "key": key,
                                                             "batch": missing["batch"]}, None)

    # The state the events build against the expected state.
    expected_rows = {e["key"]: e["row"] for e in lines(expected_path)}
    for key, row in expected_rows.items():
        got = state.get(key)
        if got is None:
            verdict.difference("final state: a row missing", key, None)
            continue
        wrong = {name: [text, got.get(name)] for name, text in row.items()
                 if not (as_debezium(text, got.get(name)) if key not in snapshot or got is not state_seed.get(key)
                         else text == got.get(name))}
        if wrong:
            verdict.difference("final state: values", key, wrong)
    for key in state:
        if key not in expected_rows:
            verdict.difference("final state: an extra row", None, key)

    result = {"ok": verdict.differences == 0, "checked": verdict.checked, "repeats": verdict.repeats,
              "tombstones": verdict.tombstones, "reads": verdict.reads, "cut_lines": len(cut), "final_rows": len(expected_rows),
              "differences": verdict.differences, "first_differences": verdict.first}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
