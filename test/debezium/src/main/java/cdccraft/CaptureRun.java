package cdccraft;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs Debezium's PostgreSQL connector in the embedded engine on a cdccraft run's slot and
 * publication, and writes every change event (key and value) as a line of JSON, until no event
 * has come for idle_seconds. The capture half of the Debezium harness, reconcile.py the other:
 * {@code mvn -q -B package}, then {@code java -cp target/*.jar:<dependencies> cdccraft.CaptureRun ...}
 * ({@code mvn dependency:build-classpath} gives the dependencies), as t/200 runs it.
 *
 * Arguments: host port database user slot publication offsets_file out_file snapshot_mode idle_seconds
 * [max_events]: with max_events, the engine is stopped right after that many events (a consumer
 * restarted mid-run: run it again on the same offsets file to go on). Each stop is exact: the
 * events after it in the engine's batch are neither written nor marked processed, so the offsets
 * are those of the stop's event, as a consumer's that persisted that far and no further. The
 * system property cdccraft.tables (schema.table, comma-separated) is the connector's
 * table.include.list: without one, an initial snapshot reads every table the role may read,
 * cdccraft's own catalog too. cdccraft.stop_after_messages=n stops right after the n-th
 * transactional logical decoding message (a transaction's last event: t/200's restart there).
 * cdccraft.stop_in_lsn_group=k stops right after the k-th change event in a row at one source LSN
 * (rows one multi-insert wrote: dbz#1554's restart), the first such after
 * cdccraft.stop_in_lsn_group_after events (default 0).
 */
public final class CaptureRun {
    /** Where a capture stops, counted on the engine's one handler thread. */
    static final class Stop {
        final long maxEvents, maxMessages, inGroup, groupAfter;
        volatile long events;
        long messages, run;
        String lastLsn;
        volatile boolean reached;

        Stop(long maxEvents, long maxMessages, long inGroup, long groupAfter) {
            this.maxEvents = maxEvents;
            this.maxMessages = maxMessages;
            this.inGroup = inGroup;
            this.groupAfter = groupAfter;
        }

        boolean reached() {
            return reached;
        }

        void count(String value) {
            ++events;
            if (value != null && value.contains("\"op\":\"m\"") && !value.contains("\"txId\":null")) ++messages;
            final String lsn = changeLsn(value);
            run = lsn != null && lsn.equals(lastLsn) ? run + 1 : 1;
            lastLsn = lsn;
            reached = events >= maxEvents || messages >= maxMessages
                    || (lsn != null && run >= inGroup && events > groupAfter);
        }

        /**
         * The source LSN of an insert, update or delete, null for any other event. The envelope's
         * source is its last object field named so: a column's text has its quotes escaped.
         */
        static String changeLsn(String value) {
            if (value == null || !(value.contains("\"op\":\"c\"") || value.contains("\"op\":\"u\"")
                    || value.contains("\"op\":\"d\""))) return null;
            final int source = value.lastIndexOf("\"source\":{");
            final int at = source < 0 ? -1 : value.indexOf("\"lsn\":", source);
            if (at < 0) return null;
            int end = at + 6;
            while (end < value.length() && Character.isDigit(value.charAt(end))) ++end;
            return value.substring(at + 6, end);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 10 && args.length != 11) {
            System.err.println(
                    "usage: host port database user slot publication offsets out snapshot_mode idle_seconds [max_events]");
            System.exit(2);
        }
        Properties p = new Properties();
        p.setProperty("name", "cdccraft-capture");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", args[6]);
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("database.hostname", args[0]);
        p.setProperty("database.port", args[1]);
        p.setProperty("database.dbname", args[2]);
        p.setProperty("database.user", args[3]);
        p.setProperty("database.password", "");
        p.setProperty("topic.prefix", "cdccraft");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", args[4]);
        p.setProperty("publication.name", args[5]);
        // Any other mode alters or creates the publication.
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("slot.drop.on.stop", "false");
        // The default skips truncates.
        p.setProperty("skipped.operations", "none");
        p.setProperty("snapshot.mode", args[8]);
        final String tables = System.getProperty("cdccraft.tables");
        if (tables != null) p.setProperty("table.include.list", tables);
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("key.converter.schemas.enable", "false");
        // -Dcdccraft.schemas=true writes each value with its schema ({"schema": ..., "payload": ...}):
        // what Debezium declares of a column, an enum's allowed labels among it (t/200).
        p.setProperty("value.converter.schemas.enable", System.getProperty("cdccraft.schemas", "false"));
        // The JSON converter's default (true) sends a NULL as the column's DEFAULT, and the DEFAULT
        // Debezium knows is the catalog's when it read the schema, even for changes made before
        // that DEFAULT was set. -Dcdccraft.replace_null_with_default=true shows it (t/200).
        p.setProperty("value.converter.replace.null.with.default",
                System.getProperty("cdccraft.replace_null_with_default", "false"));

        final long idleMillis = Long.parseLong(args[9]) * 1000;
        final Stop stop = new Stop(args.length == 11 ? Long.parseLong(args[10]) : Long.MAX_VALUE,
                Long.getLong("cdccraft.stop_after_messages", Long.MAX_VALUE),
                Long.getLong("cdccraft.stop_in_lsn_group", Long.MAX_VALUE),
                Long.getLong("cdccraft.stop_in_lsn_group_after", 0));
        final AtomicLong lastEvent = new AtomicLong(System.currentTimeMillis());
        final AtomicBoolean failed = new AtomicBoolean();
        try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[7]), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                    .using(p)
                    .notifying((records, committer) -> {
                        for (ChangeEvent<String, String> event : records) {
                            if (stop.reached()) break;
                            // Written through before it is marked processed: the engine
                            // commits the offsets of events marked, and an event still in a
                            // buffer when the process dies would be lost (t/200 saw it, after
                            // a SIGKILL).
                            try {
                                out.write("{\"key\": " + event.key() + ", \"value\": " + event.value() + "}\n");
                                out.flush();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            committer.markProcessed(event);
                            stop.count(event.value());
                            lastEvent.set(System.currentTimeMillis());
                        }
                        committer.markBatchFinished();
                    })
                    .using((success, message, error) -> {
                        if (!success) {
                            System.err.println("engine stopped: " + message);
                            if (error != null) error.printStackTrace();
                            failed.set(true);
                        }
                    })
                    .build();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            executor.execute(engine);
            while (System.currentTimeMillis() - lastEvent.get() < idleMillis && !stop.reached() && !failed.get())
                Thread.sleep(50);
            // An engine that failed has shut itself down: closing it again throws.
            if (!failed.get()) engine.close();
            executor.shutdown();
            executor.awaitTermination(60, TimeUnit.SECONDS);
        }
        if (failed.get()) System.exit(1);
        System.out.println(stop.events);
    }
}
