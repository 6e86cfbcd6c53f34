#!/usr/bin/env python3
"""Reconciles Debezium's change events of a cdccraft run with the run's truth.

Usage: reconcile.py SUMMARY TRUTH EXPECTED EVENTS...
  SUMMARY   cdccraft_summary(run): the column types and the schema changes, batch by batch
  TRUTH     cdccraft_changes(run) as JSON lines
  EXPECTED  cdccraft_expected_state(run) as JSON lines
  EVENTS    the captures' lines, {"key": ..., "value": ...} (CaptureRun, the JSON converter without
            schemas), one file per capture, in order; a capture killed mid-line leaves its last line
            unterminated, which is passed over (the engine had not committed that event: it comes
            again)

The reconciler replays the truth into the table's rows, so it knows each row whole before and after
every change, and expects of Debezium:
  - an insert: a create (c) whose `after` is the row, every column in force at its batch;
  - an update: an update (u) whose `after` is the new row, and, under REPLICA IDENTITY FULL, whose
    `before` is the old row. Under DEFAULT (or USING INDEX) an out-of-line TOASTed value the update
    left alone (all_types' t_document) is not in the WAL: its place in `after` must hold Debezium's
    unavailable.value.placeholder, exactly there and nowhere else;
  - a primary key update: a delete of the old key, then a create of the new one (Debezium's form);
  - a delete: a delete (d) of the key, `before` the old row under FULL;
  - a TRUNCATE: a truncate event (t) in its transaction (skipped.operations=none);
  - a logical decoding message: a message event (m) with its prefix and content; a transactional one
    in its transaction. A non-transactional message of a batch the truth does not have (rolled back)
    is counted, not a difference: the server sends those whatever becomes of the transaction.
Values are compared after Debezium's conversions (debezium_forms.py, README has the table); what
Debezium does that it does not document, and cdccraft reproduced, is counted by name under
`known_deviations` and not called a difference. Each key's events must come in the truth's order.

A snapshot read (op r, snapshot.mode initial) is counted and put into the state, not matched to a
change: after a snapshot the connector streams from where its snapshot stood, so the truth's changes
before the first transaction it streamed are the snapshot's to carry. An event equal to one already
seen (same operation, key, transaction, LSN and row) is a repeat, as at-least-once delivery allows
across a restart. A tombstone (null value after a delete) is counted.

At the end the rows the events build, as a sink would (a placeholder keeps the value before it; a row
untouched since a schema change read under the schema of its last event: its columns renamed, filled
from a DEFAULT added since, as the sink must), must equal the expected state.
Prints the verdict as JSON; exits 0 when it is ok, 1 otherwise.
"""
import base64
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from debezium_forms import (ABSENT, PLACEHOLDER, family_of, known_deviation, same,  # noqa: E402
                            with_names_restored)

# all_types' SET STORAGE EXTERNAL column, 4-8 kB: always stored out of line when not NULL.
OUT_OF_LINE = "t_document"
DELETE_KEY_ONLY = ("default", "index")


def lines(path, cut=None):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n") and cut is not None:
                cut.append(path)
                continue
            if line.strip():
                yield json.loads(line)


def lsn_of(text):
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


class Schema:
    """The columns (name -> family) and the replica identity in force at each batch."""

    def __init__(self, summary):
        columns = {c["name"]: family_of(c["type"]) for c in summary["original_schema"]}
        identity = summary["parameters"]["replica_identity"]
        self.versions = [(-1, dict(columns), identity)]
        self.changes = {}
        for change in sorted(summary["schema_changes"], key=lambda c: c["batch"]):
            op, name = change["operation"], change.get("column")
            if op == "drop":
                columns.pop(name, None)
            elif op == "rename":
                columns = {change["new_name"] if n == name else n: f for n, f in columns.items()}
            elif op == "widen" or change["action"] == "ADD":
                columns[name] = family_of(change["type"])
            elif op == "replica_identity":
                identity = re.search(r"REPLICA IDENTITY (FULL|DEFAULT|USING INDEX)", change["ddl"]).group(1)
                identity = {"FULL": "full", "DEFAULT": "default", "USING INDEX": "index"}[identity]
            self.changes.setdefault(change["batch"], []).append(change)
            self.versions.append((change["batch"], dict(columns), identity))

    def at(self, batch):
        """(columns, identity) for a change in batch: a batch's DDL comes before its rows."""
        found = self.versions[0]
        for version in self.versions:
            if version[0] <= batch:
                found = version
        return found[1], found[2]

    def name_then(self, name, image_batch):
        """A column's name at image_batch, going back over the renames since."""
        for batch in sorted(self.changes, reverse=True):
            if batch > image_batch:
                for change in self.changes[batch]:
                    if change["operation"] == "rename" and change["new_name"] == name:
                        name = change["column"]
        return name

    def fill_since(self, name, image_batch):
        """The DEFAULT a column added after image_batch filled existing rows with, if any."""
        for batch, changes in self.changes.items():
            for change in changes:
                if batch > image_batch and change["action"] == "ADD" and change.get("column") == name:
                    return True, change.get("fill")
        return False, None


class Verdict:
    def __init__(self):
        self.checked = Counter({"insert": 0, "update": 0, "delete": 0})
        self.repeats = 0
        self.repeated_transactions = set()
        self.tombstones = 0
        self.reads = 0
        self.placeholders = 0
        self.known = Counter()
        self.rolled_back_messages = 0
        self.differences = 0
        self.first = []
        self.missing = []  # every change no event carries, not only the first differences

    def difference(self, what, expected, actual):
        self.differences += 1
        if len(self.first) < 10:
            self.first.append({"what": what, "expected": expected, "actual": actual})


class Expectation:
    def __init__(self, op, change, after=None, before=None, placeholders=()):
        self.op, self.change, self.after, self.before, self.placeholders = op, change, after, before, placeholders


def left_in_toast(schema, change, before, data):
    """The out-of-line value an update leaves where it was: not set, or set to itself (the new row
    version keeps the same TOAST pointer), under an identity that does not log the old row whole."""
    columns, identity = schema.at(change["batch"])
    if identity not in DELETE_KEY_ONLY or OUT_OF_LINE not in columns or before.get(OUT_OF_LINE) is None:
        return ()
    return (OUT_OF_LINE,) if data.get(OUT_OF_LINE, before[OUT_OF_LINE]) == before[OUT_OF_LINE] else ()


def replay(truth, schema, handoff):
    """The truth replayed: per key, what Debezium must send, in order; the messages and truncates
    by transaction. Changes before handoff (a snapshot's) shape the rows but expect no event."""
    rows, by_key, messages, truncates = {}, {}, Counter(), Counter()
    for c in truth:
        op, key, data = c["op"], c["key"], c["data"] or {}
        expects = c["batch"] > 0 and (handoff is None or (c["commit_lsn"] and lsn_of(c["commit_lsn"]) >= handoff))
        if op == "ddl":
            for change in schema.changes.get(c["batch"], []):
                for row in rows.values():
                    if change["operation"] == "drop":
                        row.pop(change["column"], None)
                    elif change["operation"] == "rename" and change["column"] in row:
                        row[change["new_name"]] = row.pop(change["column"])
                    elif change["action"] == "ADD":
                        row[change["column"]] = change.get("fill")
        elif op == "truncate":
            rows.clear()
            if expects:
                truncates[c["xid"]] += 1
        elif op == "message":
            if expects or not data["transactional"]:
                messages[(data["prefix"], data["content"], c["xid"] if data["transactional"] else None)] += 1
        elif op == "insert":
            rows[key] = dict(data)
            if expects:
                by_key.setdefault(key, []).append(Expectation("c", c, after=dict(data)))
        elif op in ("update", "delete"):
            before = rows.pop(key, {})
            if op == "update":
                after = {**before, **data}
                new_key = after.get("id", key)
                rows[new_key] = after
                # A key update comes as a delete and a create, the create with the placeholder too.
                placeholders = left_in_toast(schema, c, before, data)
                if expects and new_key != key:
                    by_key.setdefault(key, []).append(Expectation("d", c, before=before))
                    by_key.setdefault(new_key, []).append(Expectation("c", c, dict(after), None, placeholders))
                elif expects:
                    by_key.setdefault(key, []).append(Expectation("u", c, dict(after), before, placeholders))
            elif expects:
                by_key.setdefault(key, []).append(Expectation("d", c, before=before))
    return by_key, messages, truncates


def compare_row(verdict, where, columns, expected, actual, placeholders=()):
    """Every column in force, expected text against Debezium's value; columns Debezium sends that
    the table did not have are differences too."""
    wrong = {}
    for name, family in columns.items():
        value = actual.get(name, ABSENT)
        if name in placeholders:
            if value == PLACEHOLDER:
                verdict.placeholders += 1
            else:
                wrong[name] = [PLACEHOLDER, value]
            continue
        if value is not ABSENT and same(family, expected.get(name), value):
            continue
        if value == PLACEHOLDER:
            wrong[name] = [expected.get(name), "the placeholder where the value was in the WAL"]
            continue
        known = known_deviation(family, expected.get(name), value)
        if known:
            verdict.known[known] += 1
        else:
            wrong[name] = [expected.get(name), None if value is ABSENT else value]
    for name in actual:
        if name not in columns:
            wrong[name] = ["not a column of the table at this batch", actual[name]]
    if wrong:
        verdict.difference("values", where, wrong)
    return not wrong


def main(summary_path, truth_path, expected_path, *events_paths):
    verdict = Verdict()
    cut = []
    summary = json.load(open(summary_path, encoding="utf-8"))
    schema = Schema(summary)
    truth = list(lines(truth_path))
    events = [e for path in events_paths for e in lines(path, cut)]
    batch_of_xid = {c["xid"]: c["batch"] for c in truth if c["xid"]}

    handoff = None
    if any(e["value"] is not None and e["value"]["op"] == "r" for e in events):
        streamed = {str(e["value"]["source"].get("txId")) for e in events
                    if e["value"] is not None and e["value"]["op"] != "r"}
        commits = [lsn_of(c["commit_lsn"]) for c in truth if c["xid"] in streamed and c["commit_lsn"]]
        handoff = min(commits) if commits else float("inf")
    by_key, messages, truncates = replay(truth, schema, handoff)
    position = Counter()
    committed_batches = {c["batch"] for c in truth}

    # The rows as a sink builds them: key -> (image, batch of the image, whether it is Debezium's).
    state = {} if handoff is not None else {
        c["key"]: (dict(c["data"]), 0, False) for c in truth if c["batch"] == 0 and c["op"] == "insert"}
    seen, moved = set(), {}
    for event in events:
        value = event["value"]
        if value is None:
            verdict.tombstones += 1
            continue
        op, before, after, source = value["op"], value.get("before"), value.get("after"), value["source"]
        tx = None if source.get("txId") is None else str(source["txId"])
        stamp = json.dumps([op, event["key"], tx, source.get("lsn"), after, value.get("message")], sort_keys=True)
        if op != "r" and stamp in seen:
            verdict.repeats += 1
            verdict.repeated_transactions.add(tx)
            continue
        seen.add(stamp)
        if op == "r":
            verdict.reads += 1
            state[after["id"]] = (after, None, True)
            continue
        if op == "m":
            message = value["message"]
            content = base64.b64decode(message["content"]).decode("utf-8")
            slot = (message["prefix"], content, tx)
            if messages[slot] > 0:
                messages[slot] -= 1
                verdict.checked["message"] += 1
            elif tx is None and json.loads(content).get("batch") not in committed_batches:
                verdict.rolled_back_messages += 1
            else:
                verdict.difference("a message the truth does not have", None, {"content": content, "txId": tx})
            continue
        if op == "t":
            if truncates[tx] > 0:
                truncates[tx] -= 1
                verdict.checked["truncate"] += 1
                state.clear()
            else:
                verdict.difference("a truncate the truth does not have", None, {"txId": tx})
            continue
        key = (before or after)["id"] if op != "c" else after["id"]
        queue = by_key.get(key, [])
        if position[key] >= len(queue):
            verdict.difference("an event the truth does not have", None, {"op": op, "key": key, "txId": tx})
            continue
        expected = queue[position[key]]
        position[key] += 1
        change = expected.change
        where = {"key": key, "batch": change["batch"], "op": change["op"]}
        if expected.op != op or change["xid"] != tx:
            verdict.difference("operation or transaction", {**where, "xid": change["xid"]}, {"op": op, "txId": tx})
            continue
        columns, identity = schema.at(change["batch"])
        after = with_names_restored(columns, after, verdict.known)
        before = with_names_restored(columns, before, verdict.known)
        ok = True
        if op in ("c", "u"):
            ok = compare_row(verdict, where, columns, expected.after, after, expected.placeholders)
        if op in ("u", "d") and identity == "full" and before is not None:
            ok = compare_row(verdict, {**where, "image": "before"}, columns, expected.before, before) and ok
        if not ok:
            continue
        old = state.pop(key, None)
        if op == "d" and change["op"] == "update":
            moved[change["data"]["id"]] = old  # the create half takes its unchanged values from it
        if op in ("c", "u"):
            old = moved.pop(key, old) if change["op"] == "update" else old
            image = dict(after)
            for name in [n for n, v in image.items() if v == PLACEHOLDER]:
                image[name] = old[0].get(name) if old else None  # the sink keeps the value it had
            state[after["id"]] = (image, change["batch"], True)
        # A key update is two events: its delete half is counted apart, its create half as the update.
        verdict.checked["key_move" if change["op"] == "update" and op == "d" else change["op"]] += 1

    for key, queue in by_key.items():
        for missing in queue[position[key]:]:
            lost = {"op": missing.op, "key": key, "batch": missing.change["batch"]}
            verdict.missing.append(lost)
            verdict.difference("a change no event carries", lost, None)
    for (prefix, content, tx), left in messages.items():
        if left > 0:
            verdict.difference("a message no event carries", {"content": content, "xid": tx}, left)
    for tx, left in truncates.items():
        if left > 0:
            verdict.difference("a truncate no event carries", {"xid": tx}, left)

    # The rows the events build against the expected state, each image read under its own batch's
    # schema: a sink maps renamed columns and fills columns added with a DEFAULT since.
    final_columns, _ = schema.at(float("inf"))
    expected_rows = {e["key"]: e["row"] for e in lines(expected_path)}
    for key, row in expected_rows.items():
        got = state.get(key)
        if got is None:
            verdict.difference("final state: a row missing", key, None)
            continue
        image, image_batch, from_debezium = got
        image_batch = float("inf") if image_batch is None else image_batch
        columns_then, _ = schema.at(image_batch)
        wrong = {}
        for name, text in row.items():
            then = schema.name_then(name, image_batch)
            filled, fill = schema.fill_since(name, image_batch)
            if then not in image and filled:
                if fill != text:
                    wrong[name] = [text, fill]
                continue
            value = image.get(then)
            family = columns_then.get(then, final_columns.get(name, "string"))
            if from_debezium:
                if not same(family, text, value) and not known_deviation(family, text, ABSENT if then not in image
                                                                         else value):
                    wrong[name] = [text, value]
            elif text != value:
                wrong[name] = [text, value]
        if wrong:
            verdict.difference("final state: values", key, wrong)
    for key in state:
        if key not in expected_rows:
            verdict.difference("final state: an extra row", None, key)

    result = {"ok": verdict.differences == 0, "checked": dict(verdict.checked), "repeats": verdict.repeats,
              "repeated_transactions": sorted(verdict.repeated_transactions, key=str),
              "tombstones": verdict.tombstones, "reads": verdict.reads, "placeholders": verdict.placeholders,
              "known_deviations": dict(verdict.known), "rolled_back_messages": verdict.rolled_back_messages,
              "cut_lines": len(cut), "final_rows": len(expected_rows), "differences": verdict.differences,
              "first_differences": verdict.first, "missing_changes": verdict.missing}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
