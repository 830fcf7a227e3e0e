"""kafka-python 2.0.2 driver for test/interop/kafka-python.test.ts.

Run with the SYSTEM interpreter (/usr/bin/python3), the one Debian's python3-kafka belongs to:

    /usr/bin/python3 kafka_python_driver.py COMMAND --brokers HOST:PORT,... [options]

Brokers may also come from $KAFKA_BROKERS and the topic from $KAFKA_TOPIC. Every command writes
JSON objects to stdout, one per line, flushed at once, so the test can follow a long-running
command (a producer across a broker kill, a group member across a rebalance). The last line is
{"event": "done", ...} with the command's result, or {"event": "failed", "error": ...} (exit 1).

Commands:
  metadata                      brokers, controller and topics (KafkaAdminClient.describe_cluster)
  create-topic                  KafkaAdminClient.create_topics, then waits for every leader
  delete-topic                  KafkaAdminClient.delete_topics, then waits until it is gone
  produce                       KafkaProducer(acks='all'); one {"event": "ack"} per acknowledged
                                message, {"event": "error"} per failed one
  consume                       KafkaConsumer.assign + seek; reads one partition
  member                        a group member (subscribe, enable_auto_commit=False, commit()
                                after every poll); runs until stdin says "stop" or closes, or with
                                --exit-at-end once it has read its partitions to their end
  group-offsets                 KafkaAdminClient.list_consumer_group_offsets
"""

import argparse
import json
import os
import sys
import threading
import time
import traceback

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError
from kafka.consumer.subscription_state import ConsumerRebalanceListener
import kafka

# Short timeouts: a failure must show within the test's time, not kafka-python's minutes.
REQUEST_TIMEOUT_MS = 15000
RECONNECT = dict(reconnect_backoff_ms=100, reconnect_backoff_max_ms=1000)


def emit(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def admin_client(args):
    return KafkaAdminClient(bootstrap_servers=args.brokers, client_id="interop-admin", request_timeout_ms=REQUEST_TIMEOUT_MS, **RECONNECT)


def wait(condition, timeout_s, what):
    deadline = time.time() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.time() > deadline:
            raise RuntimeError("timed out after %ss waiting for %s" % (timeout_s, what))
        time.sleep(0.1)


def topic_partitions(topic, brokers):
    """Partition ids of the topic whose leader is known, through a fresh client's metadata."""
    consumer = KafkaConsumer(bootstrap_servers=brokers, request_timeout_ms=REQUEST_TIMEOUT_MS, **RECONNECT)
    try:
        return consumer.partitions_for_topic(topic) or set()
    finally:
        consumer.close()


def cmd_metadata(args):
    admin = admin_client(args)
    try:
        cluster = admin.describe_cluster()
        topics = admin.list_topics()
    finally:
        admin.close()
    brokers = sorted("%s:%d" % (b["host"], b["port"]) for b in cluster["brokers"])
    return dict(brokers=brokers, node_ids=sorted(b["node_id"] for b in cluster["brokers"]), controller_id=cluster["controller_id"], topics=sorted(topics), kafka_python=kafka.__version__)


def cmd_create_topic(args):
    configs = dict(c.split("=", 1) for c in args.config)
    admin = admin_client(args)
    try:
        try:
            response = admin.create_topics([NewTopic(args.topic, args.partitions, args.replication_factor, topic_configs=configs)], timeout_ms=REQUEST_TIMEOUT_MS)
            errors = [dict(topic=t[0], error_code=t[1]) for t in response.topic_errors]
        except KafkaError as e:
            # kafka-python raises the first topic error (e.g. TopicAlreadyExistsError, 36).
            if getattr(e, "errno", None) is None:
                raise
            errors = [dict(topic=args.topic, error_code=e.errno)]
    finally:
        admin.close()
    if any(e["error_code"] != 0 for e in errors):
        return dict(errors=errors)
    wait(lambda: len(topic_partitions(args.topic, args.brokers)) == args.partitions, 30, "the partitions of %s" % args.topic)
    return dict(errors=errors, partitions=sorted(topic_partitions(args.topic, args.brokers)))


def cmd_delete_topic(args):
    admin = admin_client(args)
    try:
        try:
            response = admin.delete_topics([args.topic], timeout_ms=REQUEST_TIMEOUT_MS)
            errors = [dict(topic=t[0], error_code=t[1]) for t in response.topic_error_codes]
        except KafkaError as e:
            if getattr(e, "errno", None) is None:
                raise
            errors = [dict(topic=args.topic, error_code=e.errno)]
        if all(e["error_code"] == 0 for e in errors):
            wait(lambda: args.topic not in admin.list_topics(), 30, "%s to disappear" % args.topic)
        topics = sorted(admin.list_topics())
    finally:
        admin.close()
    return dict(errors=errors, topics=topics)


def cmd_produce(args):
    producer = KafkaProducer(
        bootstrap_servers=args.brokers,
        client_id="interop-producer",
        acks="all",
        retries=args.retries,
        retry_backoff_ms=200,
        # One request at a time: a retry cannot overtake the next batch (no idempotence here).
        max_in_flight_requests_per_connection=1,
        compression_type=args.compression,
        request_timeout_ms=args.request_timeout_ms,
        metadata_max_age_ms=2000,
        **RECONNECT
    )
    acked, failed = 0, 0
    try:
        for i in range(args.start, args.start + args.count):
            value = "%s%d" % (args.prefix, i)
            key = (args.key % i) if args.key else None
            try:
                future = producer.send(args.topic, value=value.encode(), key=key.encode() if key else None, partition=args.partition)
                md = future.get(timeout=args.request_timeout_ms / 1000.0 * (args.retries + 2))
                acked += 1
                emit(event="ack", value=value, partition=md.partition, offset=md.offset)
            except Exception as e:  # a failed send is reported, not fatal: the test decides
                failed += 1
                emit(event="error", value=value, error="%s: %s" % (type(e).__name__, e))
            if args.interval_ms:
                time.sleep(args.interval_ms / 1000.0)
    finally:
        producer.close(timeout=10)
    return dict(acked=acked, failed=failed)


def record(m):
    return dict(partition=m.partition, offset=m.offset, key=m.key.decode() if m.key is not None else None, value=m.value.decode())


def cmd_consume(args):
    consumer = KafkaConsumer(
        bootstrap_servers=args.brokers,
        client_id="interop-reader",
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        fetch_max_wait_ms=200,
        **RECONNECT
    )
    records = []
    try:
        tp = TopicPartition(args.topic, args.partition)
        consumer.assign([tp])
        if args.offset is None:
            consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, args.offset)
        end = consumer.end_offsets([tp])[tp]
        deadline = time.time() + args.timeout_ms / 1000.0
        while time.time() < deadline and consumer.position(tp) < end and (args.count is None or len(records) < args.count):
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(record(m) for m in batch)
        if args.count is not None:
            records = records[: args.count]
    finally:
        consumer.close()
    return dict(records=records, end_offset=end)


class Listener(ConsumerRebalanceListener):
    def on_partitions_revoked(self, revoked):
        emit(event="revoked", partitions=sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned):
        emit(event="assigned", partitions=sorted(tp.partition for tp in assigned))


def cmd_member(args):
    stop = threading.Event()

    def read_stdin():
        for line in sys.stdin:
            if line.strip() == "stop":
                break
        stop.set()

    if not args.exit_at_end:
        threading.Thread(target=read_stdin, daemon=True).start()
    consumer = KafkaConsumer(
        bootstrap_servers=args.brokers,
        client_id="interop-member",
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=10000,
        heartbeat_interval_ms=500,
        max_poll_interval_ms=20000,
        request_timeout_ms=30000,
        fetch_max_wait_ms=200,
        **RECONNECT
    )
    consumer.subscribe([args.topic], listener=Listener())
    read = 0
    deadline = time.time() + args.max_runtime_s
    try:
        while not stop.is_set():
            if time.time() > deadline:
                raise RuntimeError("member ran longer than %ss" % args.max_runtime_s)
            batches = consumer.poll(timeout_ms=200)
            for batch in batches.values():
                for m in batch:
                    read += 1
                    emit(event="record", **record(m))
            if batches:
                # Manual commit: the positions after what this poll returned, synchronously.
                consumer.commit()
                emit(event="committed", positions={str(tp.partition): consumer.position(tp) for tp in batches})
            if args.exit_at_end:
                assignment = consumer.assignment()
                if assignment:
                    ends = consumer.end_offsets(list(assignment))
                    if all(consumer.position(tp) >= ends[tp] for tp in assignment):
                        break
    finally:
        consumer.close(autocommit=False)
        emit(event="closed")
    return dict(read=read)


def cmd_group_offsets(args):
    admin = admin_client(args)
    try:
        offsets = admin.list_consumer_group_offsets(args.group)
    finally:
        admin.close()
    return dict(offsets={"%s:%d" % (tp.topic, tp.partition): om.offset for tp, om in offsets.items()})


COMMANDS = {
    "metadata": cmd_metadata,
    "create-topic": cmd_create_topic,
    "delete-topic": cmd_delete_topic,
    "produce": cmd_produce,
    "consume": cmd_consume,
    "member": cmd_member,
    "group-offsets": cmd_group_offsets,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--brokers", default=os.environ.get("KAFKA_BROKERS"))
    parser.add_argument("--topic", default=os.environ.get("KAFKA_TOPIC"))
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--replication-factor", type=int, default=3)
    parser.add_argument("--config", action="append", default=[], help="topic config name=value")
    parser.add_argument("--partition", type=int, default=None)
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--prefix", default="v")
    parser.add_argument("--key", default=None, help="key pattern with %%d for the message index")
    parser.add_argument("--compression", default=None, choices=[None, "gzip"])
    parser.add_argument("--interval-ms", type=int, default=0)
    parser.add_argument("--retries", type=int, default=10)
    parser.add_argument("--request-timeout-ms", type=int, default=10000)
    parser.add_argument("--offset", type=int, default=None)
    parser.add_argument("--timeout-ms", type=int, default=20000)
    parser.add_argument("--group", default=None)
    parser.add_argument("--exit-at-end", action="store_true")
    parser.add_argument("--max-runtime-s", type=float, default=120)
    args = parser.parse_args()
    if not args.brokers:
        parser.error("--brokers (or $KAFKA_BROKERS) is required")
    args.brokers = args.brokers.split(",")
    if args.command == "consume" and args.partition is None:
        args.partition = 0
    if args.command == "produce" and args.count is None:
        parser.error("produce needs --count")
    try:
        result = COMMANDS[args.command](args)
    except Exception as e:
        emit(event="failed", error="%s: %s" % (type(e).__name__, e), trace=traceback.format_exc())
        sys.exit(1)
    emit(event="done", **result)


if __name__ == "__main__":
    main()
