#!/usr/bin/python3
"""
The Kafka-path producer of `bench/kafka.ts`: librdkafka (through python3-confluent-kafka, Debian's
package on the system librdkafka) producing to the brokers' Kafka listeners, run as its own process
and read from the source tree (not compiled):

    /usr/bin/python3 bench/kafka_producer.py '<json options>'

Options (JSON): brokers (host:port list), topic, partitions, mode ("max" or "rate"), ratePerSecond,
warmupMs, durationMs, recordBytes, recordsPerSend (mode "max": records produced to one partition
before moving to the next, as the native producer's send calls do), config (librdkafka settings:
acks, enable.idempotence, linger.ms, batch.size, ...).

It mirrors bench/_producer-process.ts: after a warm-up message (metadata, producer id) it produces
100-byte records to the partitions in turn, either as fast as librdkafka's queue allows
(queue.buffering.max.messages bounds the records produced and not yet acknowledged, as the native
window does) or at a fixed rate. Each record's latency is from the produce() call to its delivery
callback (at full load librdkafka's own measure of it, msg.latency(), to keep the client's per-record
cost down). It prints one JSON line shaped like ProducerRunResult: records and bytes acknowledged in
the measured interval, latency percentiles of the records produced and acknowledged in it, and
librdkafka's own statistics (average batch size and records per batch, broker round trip).
"""
import json
import math
import sys
import time

try:
    from confluent_kafka import Producer
except ImportError as e:  # pragma: no cover - reported by bench/kafka.ts before the cluster starts
    sys.stderr.write(
        f"kafka_producer.py: cannot import confluent_kafka ({e}); "
        "install it with: apt-get install -y python3-confluent-kafka (and run with /usr/bin/python3)\n"
    )
    sys.exit(3)


def percentile(values, p):
    """Same rank rule as bench/_stats.ts."""
    if not values:
        return None
    s = sorted(values)
    rank = min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))
    return s[rank]


def main():
    opts = json.loads(sys.argv[1])
    topic = opts["topic"]
    partitions = int(opts["partitions"])
    mode = opts["mode"]
    record_bytes = int(opts["recordBytes"])
    per_send = int(opts.get("recordsPerSend") or 1000)
    rate = float(opts.get("ratePerSecond") or 5000)

    last_stats = {}
    window = {"from": float("inf"), "end": float("inf")}

    def on_stats(text):
        # The last statistics of the measured interval (rolling averages over one interval).
        if window["from"] <= time.perf_counter() <= window["end"]:
            last_stats["value"] = text

    def on_error(err):
        sys.stderr.write(f"librdkafka: {err}\n")

    conf = {
        "bootstrap.servers": ",".join(opts["brokers"]),
        "statistics.interval.ms": 1000,
        "stats_cb": on_stats,
        "error_cb": on_error,
    }
    conf.update(opts.get("config") or {})
    producer = Producer(conf)
    value = b"x" * record_bytes

    # Metadata and the producer id first, so the first measured record does not wait for them.
    producer.produce(topic, value, partition=0)
    if producer.flush(30) != 0:
        raise SystemExit("kafka_producer.py: the warm-up record was not acknowledged within 30 s")

    clock = time.perf_counter
    cpu_at_start = time.process_time()
    main_cpu_at_start = time.thread_time()
    start = clock()
    measure_from = start + opts["warmupMs"] / 1000
    end = measure_from + opts["durationMs"] / 1000
    window["from"], window["end"] = measure_from, end
    latencies = []
    counts = {"records": 0, "errors": 0, "first": None}

    def failed(err):
        counts["errors"] += 1
        if counts["first"] is None:
            counts["first"] = str(err)

    def callback(sent_at):
        """Fixed rate: latency from the produce() call to this callback, as the native producer measures it."""

        def delivered(err, _msg):
            now = clock()
            if err is not None:
                return failed(err)
            if measure_from <= now <= end:
                counts["records"] += 1
            if sent_at >= measure_from and now <= end:
                latencies.append(now - sent_at)

        return delivered

    def delivered_at_full_load(err, msg):
        """Full load: one shared callback (a closure per record costs about 1 us of the client's CPU);
        the latency is librdkafka's own, produce() to the delivery report (msg.latency())."""
        now = clock()
        if err is not None:
            return failed(err)
        if measure_from <= now <= end:
            counts["records"] += 1
            latency = msg.latency()
            if now - latency >= measure_from:
                latencies.append(latency)

    produce = producer.produce
    poll = producer.poll
    partition = 0
    if mode == "max":
        while clock() < end:
            n = 0
            while n < per_send:
                try:
                    produce(topic, value, partition=partition, on_delivery=delivered_at_full_load)
                except BufferError:
                    # queue.buffering.max.messages records are waiting for their acks.
                    poll(0.001)
                    continue
                n += 1
            partition = (partition + 1) % partitions
            poll(0)
    else:
        sent = 0
        while True:
            now = clock()
            if now >= end:
                break
            due = int((now - start) * rate)
            while sent < due:
                produce(topic, value, partition=partition, on_delivery=callback(clock()))
                partition = (partition + 1) % partitions
                sent += 1
            # 1 ms ticks, as the native producer's setTimeout(1) loop (poll's timeout is whole
            # milliseconds: anything shorter would spin). Delivery callbacks run in poll.
            poll(0.001)
    cpu_seconds = time.process_time() - cpu_at_start
    main_thread_cpu_seconds = time.thread_time() - main_cpu_at_start
    left = producer.flush(60)

    stats = {}
    if "value" in last_stats:
        s = json.loads(last_stats["value"])
        t = (s.get("topics") or {}).get(topic) or {}
        bs = t.get("batchsize") or {}
        bc = t.get("batchcnt") or {}
        brokers = [b for b in (s.get("brokers") or {}).values() if b.get("nodeid", -1) >= 0]

        def avg_ms(field):
            values = [b[field]["avg"] for b in brokers if b.get(field, {}).get("cnt", 0) > 0]
            return round(sum(values) / len(values) / 1000, 2) if values else None

        leaders = {}
        for pid, part in (t.get("partitions") or {}).items():
            if int(pid) >= 0:
                leaders[pid] = part.get("leader")
        stats = {
            "batchBytesAvg": bs.get("avg"),
            "recordsPerBatchAvg": bc.get("avg"),
            # Produce request sent -> answer read, per broker connection, averaged over brokers.
            "brokerRttAvgMs": avg_ms("rtt"),
            # produce() -> the record's batch is made into a request (linger and waiting for a slot).
            "internalLatencyAvgMs": avg_ms("int_latency"),
            # request made -> written to the socket.
            "outbufLatencyAvgMs": avg_ms("outbuf_latency"),
            "partitionLeaders": leaders,
            "txMsgs": s.get("txmsgs"),
        }

    seconds = opts["durationMs"] / 1000
    result = {
        "records": counts["records"],
        "payloadBytes": counts["records"] * record_bytes,
        "seconds": seconds,
        "sends": len(latencies),
        "errors": counts["errors"] + left,
        "latencyMs": {
            "p50": (percentile(latencies, 50) or 0) * 1000,
            "p99": (percentile(latencies, 99) or 0) * 1000,
            "max": (percentile(latencies, 100) or 0) * 1000,
        },
        "rdkafka": stats,
        # CPU time of this process (Python and librdkafka's threads) from the warm-up to the end.
        "clientCpuSeconds": round(cpu_seconds, 2),
        # ... of which the Python thread (produce() calls and delivery callbacks); the rest is librdkafka's threads.
        "clientMainThreadCpuSeconds": round(main_thread_cpu_seconds, 2),
    }
    if counts["first"] is not None:
        result["firstError"] = counts["first"]
    elif left:
        result["firstError"] = f"{left} records not acknowledged 60 s after the run"
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
