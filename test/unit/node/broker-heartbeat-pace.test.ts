/**
 * A broker's heartbeats keep their pace when the controller is slow to answer: the controller
 * notes each heartbeat as it arrives, so a broker that waited for every answer before sending the
 * next fell silent for several intervals under load and was fenced although healthy.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { PROFILES } from '../../../src/common/config.js';
import { errors } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../../../src/controller/index.js';
import { BrokerHost } from '../../../src/node/broker-host.js';
import type { ControllerApi } from '../../../src/node/controller-api.js';
import { MetadataPublisher } from '../../../src/node/metadata-publisher.js';

const fast = { ...PROFILES.fast };
const timing = fast;
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

interface Pending {
  request: BrokerHeartbeatRequest;
  answer: (response: Partial<BrokerHeartbeatResponse>) => void;
  refuse: (e: Error) => void;
}

/** A controller that registers at once and answers heartbeats only when the test says. */
function slowController(): { api: ControllerApi; heartbeats: Pending[]; registrations: number } {
  const state = { heartbeats: [] as Pending[], registrations: 0 };
  const api = {
    registerBroker: async () => ({ brokerEpoch: 10 + state.registrations++ }),
    heartbeat: (request: BrokerHeartbeatRequest) =>
      new Promise<BrokerHeartbeatResponse>((resolve, reject) => {
        state.heartbeats.push({
          request,
          answer: (r) => resolve({ isFenced: false, isCaughtUp: true, inControlledShutdown: false, shouldShutdown: false, ...r }),
          refuse: reject,
        });
      }),
  } as unknown as ControllerApi;
  return {
    api,
    heartbeats: state.heartbeats,
    get registrations() {
      return state.registrations;
    },
  };
}

async function startedBroker(timing = fast) {
  const clock = new ManualClock(1_000);
  const controller = slowController();
  const host = new BrokerHost({
    brokerId: 1,
    incarnationId: 'incarnation-a',
    endpoint: { host: '127.0.0.1', port: 9001 },
    controller: controller.api,
    publisher: new MetadataPublisher(silentLogger()),
    clock,
    timing,
    logger: silentLogger(),
  });
  host.start();
  clock.advance(0);
  await settle();
  expect(host.brokerEpoch()).toBe(10);
  return { clock, controller, host };
}

describe('broker heartbeats', () => {
  it('go out every interval while earlier ones wait for their answers', async () => {
    const { clock, controller, host } = await startedBroker();
    for (let i = 0; i < 3; i++) {
      clock.advance(timing.brokerHeartbeatIntervalMs);
      await settle();
    }
    // Three intervals, three heartbeats, none answered yet.
    expect(controller.heartbeats).toHaveLength(3);
    // Answers arriving out of order: the older one does not undo what the newer one said.
    controller.heartbeats[1]!.answer({ isFenced: false });
    await settle();
    expect(host.status().fenced).toBe(false);
    controller.heartbeats[0]!.answer({ isFenced: true });
    await settle();
    expect(host.status().fenced).toBe(false);
    host.stop();
  });

  it('never have more than four unanswered at once, and each gives up after a third of the session', async () => {
    // A 3 s session and a 100 ms interval: each heartbeat waits up to 1 s, ten intervals.
    const timing = { ...fast, brokerHeartbeatIntervalMs: 100, brokerSessionTimeoutMs: 3_000 };
    const { clock, controller, host } = await startedBroker(timing);
    for (let i = 0; i < 9; i++) {
      clock.advance(timing.brokerHeartbeatIntervalMs);
      await settle();
    }
    expect(controller.heartbeats).toHaveLength(4);
    // The first gives up at 1 s, which frees its slot for the next.
    clock.advance(timing.brokerHeartbeatIntervalMs * 2);
    await settle();
    clock.advance(timing.brokerHeartbeatIntervalMs);
    await settle();
    expect(controller.heartbeats).toHaveLength(5);
    host.stop();
  });

  it('register again after a refusal for the current broker epoch, but not after a late one for an earlier epoch', async () => {
    const { clock, controller, host } = await startedBroker();
    clock.advance(timing.brokerHeartbeatIntervalMs);
    await settle();
    clock.advance(timing.brokerHeartbeatIntervalMs);
    await settle();
    expect(controller.heartbeats.map((h) => h.request.brokerEpoch)).toEqual([10, 10]);
    controller.heartbeats[0]!.refuse(errors.staleBrokerEpoch('unknown epoch 10'));
    await settle();
    clock.advance(0);
    await settle();
    expect(controller.registrations).toBe(2);
    expect(host.brokerEpoch()).toBe(11);
    // The second heartbeat of epoch 10 is refused too, late: the broker keeps its new epoch.
    controller.heartbeats[1]!.refuse(errors.staleBrokerEpoch('unknown epoch 10'));
    await settle();
    clock.advance(timing.brokerHeartbeatIntervalMs);
    await settle();
    expect(controller.registrations).toBe(2);
    expect(host.brokerEpoch()).toBe(11);
    expect(controller.heartbeats.at(-1)!.request.brokerEpoch).toBe(11);
    host.stop();
  });
});
