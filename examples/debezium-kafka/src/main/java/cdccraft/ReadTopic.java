package cdccraft;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Reads a Kafka topic from the beginning (every partition, no consumer group, nothing committed) and
 * writes each record as a line {@code {"key": <key JSON>, "value": <value JSON or null>}}, flushed
 * line by line, until no record has come for idle_seconds; prints the count of records written.
 * Records are written in each partition's offset order (a Debezium table topic has one partition
 * unless the broker or the connector says otherwise: the reconciler needs each key's order, which
 * Kafka keeps within a partition, and Debezium keys its records by the row's key).
 *
 * Arguments: bootstrap_servers topic out_file idle_seconds [min_records [timeout_seconds]]. With
 * min_records, the idle clock does not end the read before that many records have come, unless
 * timeout_seconds (default 300) pass since the start: a pipeline still starting up is waited for,
 * and one that lost records still ends, with what it had, for the reconciler to find the loss. The
 * topic must exist by then: it is waited for as long as records are.
 */
public final class ReadTopic {
    public static void main(String[] args) throws Exception {
        if (args.length < 4 || args.length > 6) {
            System.err.println("usage: bootstrap_servers topic out_file idle_seconds [min_records [timeout_seconds]]");
            System.exit(2);
        }
        final String topic = args[1];
        final long idleMillis = Long.parseLong(args[3]) * 1000;
        final long minRecords = args.length >= 5 ? Long.parseLong(args[4]) : 0;
        final long timeoutMillis = (args.length == 6 ? Long.parseLong(args[5]) : 300) * 1000;

        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Only what was committed to the log: a transactional producer's aborted records are not read.
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        // Asking for a topic not there yet must not create it (the broker would, with its defaults).
        p.setProperty(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");

        final long start = System.currentTimeMillis();
        long last = start;
        long count = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
                BufferedWriter out = Files.newBufferedWriter(Path.of(args[2]), StandardCharsets.UTF_8)) {
            // Assigned, not subscribed: no group coordinator, no rebalance to wait for.
            List<TopicPartition> partitions = new ArrayList<>();
            while (partitions.isEmpty()) {
                List<PartitionInfo> infos = null;
                try {
                    infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                } catch (TimeoutException e) {
                    // No metadata for it in 5 s: asked again below.
                }
                if (infos != null)
                    for (PartitionInfo info : infos) partitions.add(new TopicPartition(topic, info.partition()));
                if (partitions.isEmpty()) {
                    if (System.currentTimeMillis() - start > timeoutMillis) {
                        System.err.println("ReadTopic: no topic " + topic + " after " + timeoutMillis / 1000 + " s");
                        System.out.println(0);
                        return;
                    }
                    Thread.sleep(200); // a poll interval: the topic's presence is what is waited on
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                final long now = System.currentTimeMillis();
                if (!records.isEmpty()) {
                    for (ConsumerRecord<String, String> r : records) {
                        out.write("{\"key\": " + (r.key() == null ? "null" : r.key()) + ", \"value\": "
                                + (r.value() == null ? "null" : r.value()) + "}\n");
                        out.flush();
                        count++;
                    }
                    last = now;
                    continue;
                }
                final boolean idle = now - last >= idleMillis;
                if (idle && (count >= minRecords || now - start >= timeoutMillis)) break;
            }
        }
        System.out.println(count);
    }
}
