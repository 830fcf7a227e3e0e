// A small app's smoke test, for `brokerlab chaos -- node examples/chaos-smoke.mjs`: it sends 100
// orders through kafkajs (idempotent, acks=all) while the nemesis strikes, reads them back with a
// consumer group, and fails if any order is missing or was read twice.
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.KAFKA_BOOTSTRAP_SERVERS ?? 'localhost:9092').split(',');
const kafka = new Kafka({ clientId: 'smoke', brokers, logLevel: logLevel.NOTHING, requestTimeout: 5000, retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 20 } });
const topic = `orders-${Date.now()}`;
const ORDERS = 100;

const started = Date.now();
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  waitForLeaders: true,
  topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
});
await admin.disconnect();

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
for (let i = 0; i < ORDERS; i++) {
  await producer.send({ topic, acks: -1, messages: [{ key: `customer-${i % 7}`, value: `order-${i}` }] });
  await new Promise((r) => setTimeout(r, 10));
}
await producer.disconnect();
console.log(`smoke: ${ORDERS} orders sent in ${Date.now() - started} ms`);

const seen = new Map();
const consumer = kafka.consumer({ groupId: `${topic}-billing` });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({ eachMessage: async ({ message }) => void seen.set(message.value.toString(), (seen.get(message.value.toString()) ?? 0) + 1) });
const deadline = Date.now() + 30_000;
while (seen.size < ORDERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
await consumer.disconnect();

const missing = ORDERS - seen.size;
const twice = [...seen.values()].filter((n) => n > 1).length;
console.log(`smoke: ${ORDERS} orders sent, ${seen.size} read back, ${missing} missing, ${twice} read twice`);
process.exit(missing === 0 ? 0 : 1);
