package cdccraft;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs Debezium's PostgreSQL connector in the embedded engine on a cdccraft run's slot and
 * publication, and writes every change event (key and value) as a line of JSON, until no event
 * has come for idle_seconds. The capture half of the Debezium harness (issue 14), run by hand
 * for now: {@code mvn -q -B package}, then {@code java -cp target/*.jar:<dependencies> cdccraft.CaptureRun ...}
 * ({@code mvn dependency:build-classpath} gives the dependencies). The reconciler and the tests
 * that .ci/run runs are still to come.
 *
 * Arguments: host port database user slot publication offsets_file out_file snapshot_mode idle_seconds
 * [max_events]: with max_events, the engine is stopped once that many events have come (a consumer
 * restarted mid-run: run it again on the same offsets file to go on). The system property
 * cdccraft.tables (schema.table, comma-separated) is the connector's table.include.list: without
 * one, an initial snapshot reads every table the role may read, cdccraft's own catalog too.
 * cdccraft.stop_after_messages=n stops the engine once n transactional logical decoding messages
 * have come (on a paced run, right after a transaction's last event: t/200's restart there).
 */
public final class CaptureRun {
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
        final long maxEvents = args.length == 11 ? Long.parseLong(args[10]) : Long.MAX_VALUE;
        final AtomicLong lastEvent = new AtomicLong(System.currentTimeMillis());
        final AtomicLong events = new AtomicLong();
        final long stopAfterMessages = Long.getLong("cdccraft.stop_after_messages", Long.MAX_VALUE);
        final AtomicLong messages = new AtomicLong();
        try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[7]), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                    .using(p)
                    .notifying(event -> {
                        try {
                            // Written through before the handler returns: the engine
                            // commits the offsets of events handled, and an event
                            // still in a buffer when the process dies would be lost
                            // (t/200 saw it, after a SIGKILL).
                            synchronized (out) {
                                out.write("{\"key\": " + event.key() + ", \"value\": " + event.value() + "}\n");
                                out.flush();
                            }
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                        final String value = event.value();
                        if (value != null && value.contains("\"op\":\"m\"") && !value.contains("\"txId\":null"))
                            messages.incrementAndGet();
                        events.incrementAndGet();
                        lastEvent.set(System.currentTimeMillis());
                    })
                    .using((success, message, error) -> {
                        if (!success) {
                            System.err.println("engine stopped: " + message);
                            if (error != null) error.printStackTrace();
                        }
                    })
                    .build();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            executor.execute(engine);
            while (System.currentTimeMillis() - lastEvent.get() < idleMillis && events.get() < maxEvents
                    && messages.get() < stopAfterMessages)
                Thread.sleep(50);
            engine.close();
            executor.shutdown();
            executor.awaitTermination(60, TimeUnit.SECONDS);
            synchronized (out) {
                out.flush();
            }
        }
        System.out.println(events.get());
    }
}
