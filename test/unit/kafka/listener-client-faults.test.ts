/**
 * The Kafka listener under client faults, over real sockets: a client delay holds every answer
 * back by about that long and keeps answers in request order, also when the delay shrinks while
 * answers are held; client isolation resets open connections, resets new ones as they arrive,
 * and once lifted lets clients in again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClientFaultGate } from '../../../src/common/client-gate.js';
import { ApiVersionsRequest, MetadataRequest } from '../../../src/kafka/protocol/messages/index.js';
import type { MetadataResponse } from '../../../src/kafka/protocol/messages/metadata-response.js';
import { requestFrame, startListener, type ListenerHarness } from './support/listener-harness.js';

const METADATA = 3;
const API_VERSIONS = 18;
const TOPIC = 'orders';

let harness: ListenerHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(gate: ClientGate): Promise<ListenerHarness> {
  harness = await startListener({ clients: gate, fake: { topics: [{ name: TOPIC, partitions: 1 }] } });
  return harness;
}
type ClientGate = ClientFaultGate;

const apiVersions = (correlationId: number): Buffer =>
  requestFrame(ApiVersionsRequest, API_VERSIONS, 3, correlationId, { clientSoftwareName: 'faults-test', clientSoftwareVersion: '1.0.0' });
const metadata = (correlationId: number): Buffer =>
  requestFrame(MetadataRequest, METADATA, 9, correlationId, {
    ...MetadataRequest.defaults(),
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: TOPIC }],
    allowAutoTopicCreation: false,
  });

describe('Kafka listener: client faults', () => {
  it('delays every answer by the client delay, in request order', async () => {
    const gate = new ClientFaultGate();
    const h = await start(gate);
    const client = await h.connect();
    gate.set({ isolate: false, delayMs: 300 });
    const sentAt = Date.now();
    await client.write(Buffer.concat([metadata(1), apiVersions(2), metadata(3)]));
    const first = await client.nextResponse<MetadataResponse>(METADATA, 9);
    const waited = Date.now() - sentAt;
    expect(first.correlationId).toBe(1);
    expect(first.body.topics[0]?.name).toBe(TOPIC);
    expect(waited).toBeGreaterThanOrEqual(280);
    expect((await client.nextResponse(API_VERSIONS, 3)).correlationId).toBe(2);
    expect((await client.nextResponse(METADATA, 9)).correlationId).toBe(3);

    // The delay drops to 0 while an answer is still held: the later answer waits its turn.
    gate.set({ isolate: false, delayMs: 400 });
    await client.write(metadata(4));
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.set({ isolate: false, delayMs: 0 });
    await client.write(apiVersions(5));
    expect((await client.nextResponse(METADATA, 9)).correlationId).toBe(4);
    expect((await client.nextResponse(API_VERSIONS, 3)).correlationId).toBe(5);

    // Without a delay answers come at once again.
    const undelayedAt = Date.now();
    await client.write(apiVersions(6));
    expect((await client.nextResponse(API_VERSIONS, 3)).correlationId).toBe(6);
    expect(Date.now() - undelayedAt).toBeLessThan(250);
  });

  it('resets open connections when clients are isolated, resets new ones, and lets clients back in when lifted', async () => {
    const gate = new ClientFaultGate();
    const h = await start(gate);
    const open = await h.connect();
    await open.write(apiVersions(1));
    expect((await open.nextResponse(API_VERSIONS, 3)).correlationId).toBe(1);

    gate.set({ isolate: true, delayMs: 0 });
    expect(await open.waitClosed(2_000)).toBe(true);
    expect(h.listener.connectionCount()).toBe(0);

    // The reset may beat the client's own connect event: either way the client gets no service.
    const refused = await h.connect().catch((e: Error) => e);
    if (refused instanceof Error) {
      expect(refused.message).toMatch(/ECONNRESET/);
    } else {
      await refused.write(apiVersions(2)).catch(() => undefined);
      expect(await refused.waitClosed(2_000)).toBe(true);
      await expect(refused.nextFrame(200)).rejects.toThrow(/closed/);
    }
    expect(h.listener.connectionCount()).toBe(0);

    gate.set({ isolate: false, delayMs: 0 });
    const back = await h.connect();
    await back.write(apiVersions(3));
    expect((await back.nextResponse(API_VERSIONS, 3)).correlationId).toBe(3);
  });
});
