#!/usr/bin/env bash
# The original tool's example pipeline, without containers: a cdccraft run on a PostgreSQL table,
# Debezium's PostgreSQL connector (3.6.1.Final) in Kafka Connect (4.3.0, standalone) with the
# ExtractNewRecordState unwrap, into one Kafka broker (KRaft, broker and controller in one process);
# the topic read back from the beginning and reconciled with the run's truth by
# test/debezium/reconcile.py. Prints the reconciler's verdict (one JSON line) on stdout, progress
# on stderr; exits 0 only when the verdict is ok.
#
# Needs: a running PostgreSQL with wal_level = logical, reached over TCP (PGHOST, PGPORT, PGDATABASE,
# PGUSER, PGPASSWORD as psql takes them; PGHOST a host name or address, 127.0.0.1 by default) by a
# role that may start a run and replicate, `CREATE EXTENSION cdccraft` done in PGDATABASE; psql, Java 17,
# Maven (Maven Central reachable, or the dependencies in ~/.m2) and python3 on PATH.
#
# Settings (environment):
#   RUN_TABLE (kafka_demo), RUN_RECORDS (5000), RUN_BATCH (100), RUN_SEED (1): cdccraft_start's
#     table_name, total_records, batch_size, seed; RUN_ARGS more of its parameters as SQL text
#     ("evolution_interval => 5, changes_per_second => 500"); the run's table must not exist yet
#   TOPIC_PREFIX (cdccraft): the connector's topic.prefix; the topic is <prefix>.<schema>.<table>
#   DELETE_MODE (rewrite): the unwrap's delete.tombstone.handling.mode, rewrite (no tombstones, as
#     the original's delete.handling.mode=rewrite) or rewrite-with-tombstone
#   KAFKA_PORT, CONTROLLER_PORT, CONNECT_PORT: the broker's, the controller's and Connect's REST
#     ports on 127.0.0.1 (free ones are picked when unset)
#   IDLE_SECONDS (5): the topic is read until no record has come for this long, once it holds at
#     least the records the run's summary calls for; TIMEOUT_SECONDS (300): the longest wait for each
#     of the broker, the connector, the run and the topic
#   WORK_DIR: where the configurations, logs, topic lines, truth and events go (kept); unset, a
#     temporary directory, removed at exit unless KEEP=1
#   CLEANUP (1): cdccraft_cleanup the run at exit (its table, publication and slot); 0 keeps them
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

log() { echo "kafka: $*" >&2; }
die() {
    log "error: $*"
    [ "${remove_work:-0}" = 1 ] && log "(its files are removed at exit: KEEP=1 keeps them)"
    exit 1
}

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGDATABASE=${PGDATABASE:-postgres}
export PGUSER=${PGUSER:-$(id -un)}
case "$PGHOST" in /*) die "PGHOST is a socket directory ($PGHOST): Debezium connects over TCP, set PGHOST=127.0.0.1" ;; esac
RUN_TABLE=${RUN_TABLE:-kafka_demo}
RUN_RECORDS=${RUN_RECORDS:-5000}
RUN_BATCH=${RUN_BATCH:-100}
RUN_SEED=${RUN_SEED:-1}
RUN_ARGS=${RUN_ARGS:-}
TOPIC_PREFIX=${TOPIC_PREFIX:-cdccraft}
DELETE_MODE=${DELETE_MODE:-rewrite}
IDLE_SECONDS=${IDLE_SECONDS:-5}
TIMEOUT_SECONDS=${TIMEOUT_SECONDS:-300}
CLEANUP=${CLEANUP:-1}
KEEP=${KEEP:-0}
case "$DELETE_MODE" in rewrite | rewrite-with-tombstone) ;; *) die "DELETE_MODE is rewrite or rewrite-with-tombstone" ;; esac

for tool in psql java mvn python3; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH"
done

if [ -n "${WORK_DIR:-}" ]; then
    mkdir -p "$WORK_DIR"
    work=$(cd "$WORK_DIR" && pwd)
    remove_work=0
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/cdccraft-kafka.XXXXXX")
    remove_work=1
    [ "$KEEP" = 1 ] && remove_work=0
fi

broker_pid= connect_pid= run_id= waiting_pid=

# Ends a process this script started: TERM, up to 30 s to exit (Connect commits its offsets, the
# broker closes its logs), then KILL.
stop_process() {
    local pid=$1 what=$2 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1 # a poll interval: the process's exit is what is waited on
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$what did not stop in 30 s: killed"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

on_exit() {
    local status=$?
    set +e
    stop_process "$waiting_pid" "the wait"
    stop_process "$connect_pid" "Kafka Connect"
    connect_pid=
    stop_process "$broker_pid" "the Kafka broker"
    broker_pid=
    if [ -n "$run_id" ]; then
        if [ "$(sql -c "SELECT state IN ('starting', 'running', 'paused') FROM cdccraft_runs WHERE run_id = $run_id" 2>/dev/null)" = t ]; then
            sql -c "SELECT cdccraft_stop($run_id)" >/dev/null 2>&1 && log "run $run_id stopped"
        fi
        if [ "$CLEANUP" = 1 ]; then
            local cleaned
            if cleaned=$(sql -c "SELECT cdccraft_cleanup($run_id)" 2>&1); then
                log "run $run_id cleaned up: $cleaned"
            else
                log "run $run_id could not be cleaned up ($cleaned): SELECT cdccraft_cleanup($run_id) by hand"
            fi
        fi
    fi
    if [ "$remove_work" = 1 ]; then
        rm -rf "$work"
    else
        log "files kept in $work"
    fi
    exit $status
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Polls $2 (a shell command) every 0.2 s until it succeeds, for at most TIMEOUT_SECONDS; dies naming
# $1, with the tail of log $3, when it does not, or when process $4 has exited meanwhile.
wait_for() {
    local what=$1 check=$2 logfile=$3 pid=$4 deadline=$((SECONDS + TIMEOUT_SECONDS))
    until eval "$check"; do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$logfile" >&2 || true
            die "$what: the process exited (log: $logfile)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 40 "$logfile" >&2 || true
            die "$what: not after $TIMEOUT_SECONDS s (log: $logfile)"
        fi
        sleep 0.2 # a poll interval: the state checked above is what is waited on
    done
}

# Runs a long wait (cdccraft_wait, the topic's reader) in the background, its stdout to $1, and waits
# for it: a signal to this script interrupts `wait` at once, where it would wait for a foreground
# command to end before its trap ran. The command must be a program or jvm (which execs), not a
# shell function, so that $! is the process itself and on_exit's stop reaches it.
interruptible() {
    local out=$1 rc=0
    shift
    "$@" >"$out" &
    waiting_pid=$!
    wait "$waiting_pid" || rc=$?
    waiting_pid=
    return "$rc"
}

port_accepts() { python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; }

# --- build -----------------------------------------------------------------------------------------
log "building $here (mvn)"
mvn -q -B -f "$here/pom.xml" package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$work/classpath" >"$work/mvn.log" 2>&1 || { tail -n 40 "$work/mvn.log" >&2; die "the build failed (log: $work/mvn.log)"; }
classpath="$here/target/debezium-kafka-0.1.0.jar:$(cat "$work/classpath")"

# --- ports -----------------------------------------------------------------------------------------
read -r free1 free2 free3 < <(python3 -c '
import socket
held = [socket.socket() for _ in range(3)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in held))
for s in held:
    s.close()')
KAFKA_PORT=${KAFKA_PORT:-$free1}
CONTROLLER_PORT=${CONTROLLER_PORT:-$free2}
CONNECT_PORT=${CONNECT_PORT:-$free3}
for port in "$KAFKA_PORT" "$CONTROLLER_PORT" "$CONNECT_PORT"; do
    port_accepts "$port" && die "port $port on 127.0.0.1 is taken"
done

# Each JVM logs (log4j2, to which SLF4J is bound) to its own file, never to the terminal.
cat >"$work/log4j2.properties" <<'EOF'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:cdccraft.log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
EOF
# It execs: run it in a subshell, `jvm ... &` or `$(jvm ...)`, so that $! is the JVM's own pid.
jvm() {
    local name=$1
    shift
    exec java -Xms64m -Xmx768m -Dlog4j2.configurationFile="$work/log4j2.properties" -Dcdccraft.log="$work/$name.log" \
        -cp "$classpath" "$@"
}

# --- the broker: KRaft, one node both broker and controller -----------------------------------------
cat >"$work/server.properties" <<EOF
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
log.dirs=$work/kafka-data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
# A cluster id is a random UUID in URL-safe base64 without padding; Kafka's own never begins with '-'.
cluster_id=$(python3 -c '
import base64, uuid
while True:
    i = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not i.startswith("-"):
        print(i)
        break')
(jvm storage kafka.tools.StorageTool format --standalone --config "$work/server.properties" \
    --cluster-id "$cluster_id") >"$work/storage.out" 2>&1 || { cat "$work/storage.out" >&2; die "kafka-storage format failed"; }
jvm broker kafka.Kafka "$work/server.properties" >"$work/broker.out" 2>&1 &
broker_pid=$!
wait_for "the broker on port $KAFKA_PORT" \
    "grep -q 'Kafka Server started' '$work/broker.log' 2>/dev/null && port_accepts $KAFKA_PORT" "$work/broker.log" "$broker_pid"
log "broker ready on port $KAFKA_PORT (controller $CONTROLLER_PORT, pid $broker_pid)"

# --- the run: its slot and publication exist once cdccraft_start returns -----------------------------
start_args="table_name => '$RUN_TABLE', total_records => $RUN_RECORDS, batch_size => $RUN_BATCH, seed => $RUN_SEED"
[ -n "$RUN_ARGS" ] && start_args="$start_args, $RUN_ARGS"
run_id=$(sql -c "SELECT cdccraft_start($start_args)") || { run_id=; die "cdccraft_start($start_args) failed"; }
IFS='|' read -r schema table slot publication < <(sql -c \
    "SELECT schema_name, table_name, slot_name, publication_name FROM cdccraft_runs WHERE run_id = $run_id")
topic="$TOPIC_PREFIX.$schema.$table"
log "run $run_id started on $schema.$table (slot $slot, publication $publication)"

# --- Kafka Connect, standalone, and the connector ----------------------------------------------------
cat >"$work/worker.properties" <<EOF
bootstrap.servers=127.0.0.1:$KAFKA_PORT
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
# The converter's default (true) would send a NULL as the column's DEFAULT (as Debezium last read it
# from the catalog, even for changes made before that DEFAULT was set): CaptureRun turns it off too.
value.converter.replace.null.with.default=false
offset.storage.file.filename=$work/connect.offsets
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$CONNECT_PORT
# Every plugin here is on the classpath with its ServiceLoader manifest: no scan needed.
plugin.discovery=service_load
EOF
# As test/debezium/CaptureRun.java configures the connector, plus the original pipeline's unwrap.
cat >"$work/connector.properties" <<EOF
name=cdccraft-kafka
connector.class=io.debezium.connector.postgresql.PostgresConnector
tasks.max=1
database.hostname=$PGHOST
database.port=$PGPORT
database.dbname=$PGDATABASE
database.user=$PGUSER
database.password=${PGPASSWORD:-}
topic.prefix=$TOPIC_PREFIX
plugin.name=pgoutput
slot.name=$slot
publication.name=$publication
# Any other mode alters or creates the publication.
publication.autocreate.mode=disabled
slot.drop.on.stop=false
# The default skips truncates.
skipped.operations=none
# The slot was made after the snapshot rows, before the run's batches.
snapshot.mode=no_data
table.include.list=$schema.$table
decimal.handling.mode=string
time.precision.mode=adaptive_time_microseconds
# One partition: Kafka keeps order within a partition, and the reconciler checks each key's order.
topic.creation.default.partitions=1
topic.creation.default.replication.factor=1
transforms=unwrap
transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState
# Debezium 3.6.1 has no delete.handling.mode (nor drop.tombstones) any more: its
# ExtractNewRecordStateConfigDefinition defines delete.tombstone.handling.mode (drop, tombstone,
# rewrite, rewrite-with-tombstone, delete-to-tombstone). rewrite is the old delete.handling.mode=rewrite
# with drop.tombstones=true (their defaults): the delete's old row with __deleted "true", no tombstone.
transforms.unwrap.delete.tombstone.handling.mode=$DELETE_MODE
# __op from the envelope, __lsn and __txId from its source block (a bare name other than op, ts_ms,
# ts_us, ts_ns and the transaction block's id, total_order, data_collection_order is a source field).
transforms.unwrap.add.fields=op,lsn,txId
# The unwrap has its own replace.null.with.default (true by default), to the same effect as the converter's.
transforms.unwrap.replace.null.with.default=false
EOF
jvm connect org.apache.kafka.connect.cli.ConnectStandalone "$work/worker.properties" "$work/connector.properties" \
    >"$work/connect.out" 2>&1 &
connect_pid=$!
connector_running() {
    python3 - "$CONNECT_PORT" <<'EOF'
import json, sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/connectors/cdccraft-kafka/status" % sys.argv[1], timeout=2) as r:
        status = json.load(r)
except Exception:
    sys.exit(1)
states = [status["connector"]["state"]] + [t["state"] for t in status.get("tasks", [])]
if "FAILED" in states:
    for t in [status["connector"]] + status.get("tasks", []):
        if t.get("trace"):
            print(t["trace"], file=sys.stderr)
    sys.exit(3)
sys.exit(0 if len(states) > 1 and all(s == "RUNNING" for s in states) else 1)
EOF
}
connector_check() {
    local rc=0
    connector_running || rc=$?
    [ "$rc" = 3 ] && die "the connector failed (log: $work/connect.log)"
    return "$rc"
}
wait_for "the connector" connector_check "$work/connect.log" "$connect_pid"
log "connect: connector cdccraft-kafka running (REST port $CONNECT_PORT, pid $connect_pid)"

# --- the run's end, then the topic -----------------------------------------------------------------
interruptible "$work/wait.out" env PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
    psql -X -q -v ON_ERROR_STOP=1 -At -c "CALL cdccraft_wait($run_id, '$TIMEOUT_SECONDS s')" || die "cdccraft_wait failed"
summary=$(cat "$work/wait.out")
state=$(sql -c "SELECT state FROM cdccraft_runs WHERE run_id = $run_id")
[ "$state" = completed ] || die "run $run_id is $state, not completed"
read -r inserts updates deletes < <(python3 -c 'import json, sys; s = json.loads(sys.argv[1]); print(s["inserts"], s["updates"], s["deletes"])' "$summary")
log "run $run_id completed: $inserts inserts, $updates updates, $deletes deletes"
least=$((inserts + updates + deletes))
[ "$DELETE_MODE" = rewrite-with-tombstone ] && least=$((least + deletes))
interruptible "$work/reader.count" jvm reader cdccraft.ReadTopic "127.0.0.1:$KAFKA_PORT" "$topic" "$work/topic.jsonl" \
    "$IDLE_SECONDS" "$least" "$TIMEOUT_SECONDS" 2>"$work/reader.out" || { cat "$work/reader.out" >&2; die "reading $topic failed"; }
count=$(cat "$work/reader.count")
log "topic $topic: $count records read (the run calls for $least), idle $IDLE_SECONDS s"
kill -0 "$connect_pid" 2>/dev/null || die "Kafka Connect exited while the topic was read (log: $work/connect.log)"
connector_check || die "the connector is no longer running (log: $work/connect.log)"
stop_process "$connect_pid" "Kafka Connect"
connect_pid=
stop_process "$broker_pid" "the Kafka broker"
broker_pid=
log "Kafka Connect and the broker stopped"

# --- the truth, the events, the verdict --------------------------------------------------------------
# As t/200's reconcile sub exports them: the summary, then one JSON object a line, no CSV quoting.
sql -c "SELECT cdccraft_summary($run_id)" >"$work/summary.json"
sql -c "COPY (SELECT row_to_json(c) FROM cdccraft_changes($run_id) c) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')" \
    >"$work/truth.jsonl"
sql -c "COPY (SELECT row_to_json(e) FROM cdccraft_expected_state($run_id) e) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')" \
    >"$work/expected.jsonl"
python3 "$here/topic_to_events.py" "$work/topic.jsonl" >"$work/events.jsonl"
verdict_status=0
python3 "$root/test/debezium/reconcile.py" "$work/summary.json" "$work/truth.jsonl" "$work/expected.jsonl" \
    "$work/events.jsonl" >"$work/verdict.json" 2>"$work/reconcile.err" || verdict_status=$?
[ -s "$work/reconcile.err" ] && cat "$work/reconcile.err" >&2
cat "$work/verdict.json"
ok=$(python3 -c 'import json, sys; print("ok" if json.load(open(sys.argv[1]))["ok"] else "not ok")' "$work/verdict.json" 2>/dev/null || echo "no verdict")
log "verdict: $ok"
[ "$verdict_status" = 0 ] && [ "$ok" = ok ]
