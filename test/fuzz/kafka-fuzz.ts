/**
 * The Kafka listener fuzzer. For every API with a generated codec and every version of it (the
 * versions the listener serves, and the ones it must refuse), it builds random valid requests from
 * the message specifications, mutates them (bit flips, interesting bytes and int16/int32/varint
 * lengths, insertions, deletions, truncation, splices, random bodies, other API keys and
 * versions) and feeds each whole request (header + body) to the real dispatch path:
 *
 * - directly to `RequestDispatcher.dispatch` over a fake one-node broker (real ClientFront,
 *   ReplicaManager over memory logs, GroupCoordinator) whose ManualClock the fuzzer moves, so long
 *   polls, produce waits, rebalances and session timeouts end without real waiting. Every input
 *   must either throw ProtocolError or call `respond` exactly once, with a well-formed response
 *   (size prefix, correlation id, a body the generated reader reads back exactly) — or with no
 *   frame for a Produce (acks=0). Anything else thrown, a handler failure (`respond(null)`), an
 *   unhandled rejection, or a response still pending after the clock moved years ahead is a crash;
 * - for a fraction of inputs, over a real socket to a real KafkaListener (connection.ts framing,
 *   bad size prefixes, raw garbage streams), each followed by a canary ApiVersions request that
 *   must be answered unless the listener closed the connection; a fresh connection must always be
 *   served, and no connection may be left behind.
 *
 * Memory: RSS and heap are sampled; with a `gc` function, the heap after a collection must not
 * grow by more than `maxHeapGrowthBytes` over the run. The fake broker (its logs, topics and
 * groups: state the inputs legitimately create) is rebuilt every `rebuildEvery` inputs.
 */
import { pino } from 'pino';
import { ManualClock } from '../../src/common/clock.js';
import type { Logger } from '../../src/common/logger.js';
import { servedApis } from '../../src/kafka/apis.js';
import type { KafkaBroker } from '../../src/kafka/context.js';
import { RequestDispatcher } from '../../src/kafka/dispatcher.js';
import { KafkaListener } from '../../src/kafka/listener.js';
import { ProtocolError, Reader } from '../../src/kafka/protocol/reader.js';
import { API_MESSAGES, ApiVersionsRequest, ResponseHeader, responseHeaderVersion } from '../../src/kafka/protocol/messages/index.js';
import { createFakeBroker, type FakeBroker } from '../unit/kafka/support/fake-broker.js';
import { framed, RawClient, requestFrame, sleep } from '../unit/kafka/support/listener-harness.js';
import { mutate, RequestFactory, Rng, type FuzzInput, type Target } from './inputs.js';

export interface FuzzOptions {
  readonly iterations: number;
  readonly seed: number;
  readonly onProgress?: (progress: FuzzProgress) => void;
  /** Inputs between progress reports (default 10,000). */
  readonly progressEvery?: number;
  /** Share of inputs sent over a real socket (default 0.02). */
  readonly socketFraction?: number;
  /** Direct inputs dispatched before the fuzzer waits for their answers (default 64). */
  readonly batchSize?: number;
  /** Inputs between rebuilds of the fake broker (default 20,000). */
  readonly rebuildEvery?: number;
  /** A garbage collection (e.g. from --expose-gc); enables the heap growth check. */
  readonly gc?: () => void;
  readonly maxHeapGrowthBytes?: number;
  readonly maxRssBytes?: number;
}

export interface FuzzProgress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly inputsPerSecond: number;
  readonly crashes: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly peakRssBytes: number;
}

export type CrashKind =
  | 'threw'
  | 'handler-failure'
  | 'bad-response'
  | 'responded-twice'
  | 'hang'
  | 'unhandled-rejection'
  | 'uncaught-exception'
  | 'socket-hang'
  | 'socket-not-closed'
  | 'socket-internal-error'
  | 'listener-unresponsive'
  | 'connection-leak'
  | 'memory';

export interface FuzzCrash {
  readonly kind: CrashKind;
  /** Kind and first line of the error: crashes with the same signature are counted once. */
  readonly signature: string;
  count: number;
  readonly iteration: number;
  readonly lane: 'direct' | 'socket' | 'run';
  readonly target: string;
  readonly how: string;
  /** The request as sent (header + body, no size prefix), hex. */
  readonly inputHex: string;
  readonly error: string;
}

export interface OutcomeCounts {
  answered: number;
  noAnswer: number;
  rejected: number;
}

export interface FuzzResult {
  readonly seed: number;
  readonly iterations: number;
  readonly elapsedMs: number;
  readonly inputsPerSecond: number;
  /** Every crash, counted (`crashes` lists each signature once). */
  readonly crashCount: number;
  readonly crashes: FuzzCrash[];
  readonly direct: OutcomeCounts;
  readonly socket: { inputs: number; answered: number; closed: number; stalled: number };
  /** By the API and version the request's header names ("Metadata v9", "Metadata v?", "(other API keys)"). */
  readonly perTarget: Map<string, OutcomeCounts>;
  readonly inputsByHow: Map<string, number>;
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
  /** Heap used after a collection, at each rebuild (only with `gc`). */
  readonly heapAfterGcBytes: number[];
}

const PEER = '127.0.0.1:40000';
const TOPICS = [
  { name: 'fuzz-topic', partitions: 3 },
  { name: 'orders', partitions: 2 },
];
/** How far the fake broker's clock moves while answers are pending: up to years, so every bounded wait ends. */
const CLOCK_STEPS = [0, 0, 1, 10, 100, 1_000, 10_000, 60_000, 600_000, 3_600_000, 86_400_000, 2 ** 31, 2 ** 32, 2 ** 32, 2 ** 33];
const SOCKET_WAIT_MS = 3_000;
const CANARY_ID = 0x5ca1ab1e;
const MAX_STORED_CRASHES = 200;
const SERVED = servedApis();
/** Raw garbage streams may legitimately leave the listener waiting for the rest of a frame. */
const STALL_WAIT_MS = 60;

/** Error-level log lines, kept (with the error's stack) so a handler failure can be reported. */
class ErrorLog {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly logger: Logger;

  constructor() {
    this.logger = pino({ level: 'error', base: null }, { write: (s: string): void => void this.lines.push(JSON.parse(s) as Record<string, unknown>) });
  }

  take(): Array<Record<string, unknown>> {
    return this.lines.splice(0, this.lines.length);
  }
}

function describeLogged(line: Record<string, unknown> | undefined): string {
  if (!line) return '(nothing logged)';
  const err = line['err'] as { stack?: string; message?: string } | undefined;
  return `${String(line['msg'])}: ${err?.stack ?? err?.message ?? JSON.stringify(line)}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 200);
}

/** Top stack frame inside the project (for the signature), e.g. "connection.ts:107". */
function topFrame(s: string): string {
  const m = /\(?((?:src|test|dist)\/[^\s():]+):(\d+)/.exec(s);
  return m ? `${m[1]}:${m[2]}` : '';
}

interface Pending {
  readonly input: FuzzInput;
  readonly iteration: number;
  responses: number;
  hung: boolean;
}

/** Checks one answer: size prefix, correlation id, and a body the generated reader reads back exactly. */
export function checkResponse(payload: Buffer, frames: Buffer[]): string | undefined {
  if (payload.length < 8) return 'answered a request shorter than a header';
  const apiKey = payload.readInt16BE(0);
  const version = payload.readInt16BE(2);
  const correlationId = payload.readInt32BE(4);
  if (frames.length === 0) return apiKey === 0 ? undefined : `no frame for API ${apiKey}, which always answers`;
  const whole = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
  if (whole.length < 8) return `response of ${whole.length} bytes`;
  if (whole.readInt32BE(0) !== whole.length - 4) return `size prefix ${whole.readInt32BE(0)} for ${whole.length - 4} bytes`;
  const messages = API_MESSAGES.get(apiKey);
  const served = SERVED.get(apiKey);
  if (!messages || !served) return `answered API key ${apiKey}, which is not served`;
  const inRange = version >= served.minVersion && version <= served.maxVersion;
  if (!inRange && apiKey !== 18) return `answered ${messages.name} v${version}, which is not served`;
  const readVersion = inRange ? version : 0;
  try {
    const r = new Reader(whole, 4);
    const header = ResponseHeader.read(r, responseHeaderVersion(apiKey, readVersion));
    if (header.correlationId !== correlationId) return `correlation id ${header.correlationId}, request had ${correlationId}`;
    const body = messages.response.read(r, readVersion) as { errorCode?: number };
    if (r.remaining() !== 0) return `${r.remaining()} bytes left after the ${messages.name} v${readVersion} response body`;
    if (!inRange && body.errorCode !== 35) return `ApiVersions v${version} answered with error ${body.errorCode}, not UNSUPPORTED_VERSION`;
  } catch (e) {
    return `response does not decode as ${messages.name} v${readVersion}: ${errorText(e)}`;
  }
  return undefined;
}

/** Every (API, version) with a codec: the served versions, and the ones the codec knows but the listener refuses. */
export function fuzzTargets(): { served: Target[]; refused: Target[] } {
  const apis = servedApis();
  const served: Target[] = [];
  const refused: Target[] = [];
  for (const m of API_MESSAGES.values()) {
    const api = apis.get(m.apiKey);
    for (let v = m.minVersion; v <= m.maxVersion; v++) {
      const isServed = api !== undefined && v >= api.minVersion && v <= api.maxVersion;
      (isServed ? served : refused).push({ apiKey: m.apiKey, name: m.name, version: v, served: isServed });
    }
  }
  return { served, refused };
}

const targetName = (t: Target): string => `${t.name} v${t.version}`;

/**
 * The API and version a payload's header names, e.g. "Metadata v9"; versions no codec knows are
 * "Metadata v?", unknown keys "(other API keys)" (so the tally stays small whatever the input).
 */
function headerName(payload: Buffer): string {
  if (payload.length < 4) return '(no header)';
  const m = API_MESSAGES.get(payload.readInt16BE(0));
  if (!m) return '(other API keys)';
  const version = payload.readInt16BE(2);
  return version >= m.minVersion && version <= m.maxVersion ? `${m.name} v${version}` : `${m.name} v?`;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const progressEvery = options.progressEvery ?? 10_000;
  const socketFraction = options.socketFraction ?? 0.02;
  const batchSize = options.batchSize ?? 64;
  const rebuildEvery = options.rebuildEvery ?? 20_000;
  const maxHeapGrowth = options.maxHeapGrowthBytes ?? 256 * 1024 * 1024;
  const maxRss = options.maxRssBytes ?? 2 * 1024 * 1024 * 1024;
  const rng = new Rng(options.seed);
  const factory = await RequestFactory.load();
  const { served, refused } = fuzzTargets();

  const crashes = new Map<string, FuzzCrash>();
  let crashCount = 0;
  const directCounts: OutcomeCounts = { answered: 0, noAnswer: 0, rejected: 0 };
  const socketStats = { inputs: 0, answered: 0, closed: 0, stalled: 0 };
  const perTarget = new Map<string, OutcomeCounts>();
  const inputsByHow = new Map<string, number>();
  const heapAfterGc: number[] = [];
  let peakRss = 0;
  let peakHeap = 0;

  const reportCrash = (kind: CrashKind, lane: FuzzCrash['lane'], iteration: number, input: FuzzInput | undefined, error: string): void => {
    crashCount++;
    const signature = `${kind}: ${firstLine(error)} @${topFrame(error)}`;
    const known = crashes.get(signature);
    if (known) {
      known.count++;
      return;
    }
    if (crashes.size >= MAX_STORED_CRASHES) return;
    crashes.set(signature, {
      kind,
      signature,
      count: 1,
      iteration,
      lane,
      target: input ? targetName(input.target) : '',
      how: input?.how ?? '',
      inputHex: input ? input.payload.toString('hex') : '',
      error,
    });
  };
  const report = reportCrash;

  // ---- the fake broker (rebuilt now and then) and its dispatcher
  const dispatchLog = new ErrorLog();
  const listenerLog = new ErrorLog();
  let clock = new ManualClock(1_700_000_000_000);
  let fake: FakeBroker = await createFakeBroker({ clock, topics: TOPICS, logger: dispatchLog.logger });
  let dispatcher = new RequestDispatcher(servedApis(), fake.broker, dispatchLog.logger);
  const rebuild = async (): Promise<void> => {
    fake.close();
    clock = new ManualClock(1_700_000_000_000);
    fake = await createFakeBroker({ clock, topics: TOPICS, logger: dispatchLog.logger });
    fake.setKafkaEndpoint({ host: '127.0.0.1', port: listener.port });
    dispatcher = new RequestDispatcher(servedApis(), fake.broker, dispatchLog.logger);
  };
  // The listener keeps one broker object; it follows the current fake.
  const switching: KafkaBroker = {
    get front() {
      return fake.front;
    },
    nodeId: 1,
    clusterId: 'fake-cluster',
    logger: listenerLog.logger,
    kafkaEndpoint: (id) => fake.broker.kafkaEndpoint(id),
  };
  const listener = await KafkaListener.start({
    host: '127.0.0.1',
    port: 0,
    maxConnections: 64,
    maxRequestBytes: 1024 * 1024,
    maxQueuedRequests: 16,
    maxQueuedBytes: 1024 * 1024,
    broker: switching,
    logger: listenerLog.logger,
  });
  fake.setKafkaEndpoint({ host: '127.0.0.1', port: listener.port });

  // ---- process-level failures
  const rejections: unknown[] = [];
  const uncaught: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onUncaught);

  // ---- inputs
  const corpus = new Map<Target, Array<{ payload: Buffer; headerBytes: number }>>();
  const sample = (t: Target): { payload: Buffer; headerBytes: number } => {
    let list = corpus.get(t);
    if (!list) corpus.set(t, (list = []));
    if (list.length < 4 || rng.chance(0.1)) {
      const fresh = factory.payload(t, rng);
      if (list.length < 4) list.push(fresh);
      else list[rng.int(0, list.length - 1)] = fresh;
      return fresh;
    }
    return rng.pick(list);
  };
  const anyPayload = (): Buffer => sample(rng.pick(served)).payload;
  const nextInput = (): FuzzInput => {
    const target = rng.chance(0.9) ? rng.pick(served) : rng.pick(refused);
    const k = rng.next();
    if (k < 0.03) return { target, payload: rng.bytes(rng.int(0, 48)), how: 'random' };
    const base = sample(target);
    if (k < 0.2) return { target, payload: base.payload, how: 'valid' };
    const m = mutate(base.payload, base.headerBytes, rng, anyPayload);
    return { target, payload: m.payload, how: m.how };
  };
  const countOutcome = (input: FuzzInput, outcome: keyof OutcomeCounts): void => {
    const key = headerName(input.payload);
    let c = perTarget.get(key);
    if (!c) perTarget.set(key, (c = { answered: 0, noAnswer: 0, rejected: 0 }));
    c[outcome]++;
  };

  // ---- direct lane
  const pending = new Set<Pending>();
  const dispatchDirect = (input: FuzzInput, iteration: number, target: RequestDispatcher = dispatcher): void => {
    const p: Pending = { input, iteration, responses: 0, hung: false };
    pending.add(p);
    // A replay (see `attribute`) looks for one kind of failure only; it neither counts nor reports.
    const report = target === dispatcher ? reportCrash : (): void => {};
    const count = target === dispatcher ? countOutcome : (): void => {};
    const direct = target === dispatcher ? directCounts : { answered: 0, noAnswer: 0, rejected: 0 };
    try {
      target.dispatch(input.payload, PEER, (frames) => {
        if (++p.responses > 1) return report('responded-twice', 'direct', iteration, input, 'respond was called twice for one request');
        // An answer after its hang was reported: already counted.
        if (p.hung) return;
        pending.delete(p);
        if (frames === null) return report('handler-failure', 'direct', iteration, input, describeLogged(dispatchLog.take().at(-1)));
        const problem = checkResponse(input.payload, frames);
        if (problem) return report('bad-response', 'direct', iteration, input, problem);
        const outcome = frames.length === 0 ? 'noAnswer' : 'answered';
        direct[outcome]++;
        count(input, outcome);
      });
    } catch (e) {
      if (p.responses === 0) pending.delete(p);
      if (e instanceof ProtocolError && p.responses === 0) {
        direct.rejected++;
        count(input, 'rejected');
      } else {
        report('threw', 'direct', iteration, input, `${p.responses > 0 ? '(after answering) ' : ''}${errorText(e)}`);
      }
    }
  };

  /** Lets answers complete, moving the fake clock ahead while any is pending. */
  const drain = async (): Promise<boolean> => {
    for (const step of CLOCK_STEPS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (pending.size === 0) return true;
      clock.advance(step);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    return pending.size === 0;
  };

  const reportHangs = (): void => {
    for (const p of pending) {
      p.hung = true;
      report('hang', 'direct', p.iteration, p.input, `no answer after the clock moved ${CLOCK_STEPS.reduce((a, b) => a + b, 0)} ms ahead`);
    }
    pending.clear();
  };

  /**
   * An unhandled rejection or uncaught exception during a batch: replays each input of the batch
   * alone on a fresh broker to find the one that causes it.
   */
  const attribute = async (kind: CrashKind, batch: Array<{ input: FuzzInput; iteration: number }>, errors: unknown[]): Promise<void> => {
    const seen = kind === 'unhandled-rejection' ? rejections : uncaught;
    const replayClock = new ManualClock(1_700_000_000_000);
    const replayFake = await createFakeBroker({ clock: replayClock, topics: TOPICS, logger: dispatchLog.logger });
    const replayDispatcher = new RequestDispatcher(servedApis(), replayFake.broker, dispatchLog.logger);
    let found = 0;
    try {
      for (const { input, iteration } of batch) {
        const before = seen.length;
        dispatchDirect(input, iteration, replayDispatcher);
        for (const step of CLOCK_STEPS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          replayClock.advance(step);
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        pending.clear();
        if (seen.length > before) {
          found++;
          for (const e of seen.splice(before)) report(kind, 'direct', iteration, input, errorText(e));
        }
      }
    } finally {
      replayFake.close();
    }
    if (found === 0) for (const e of errors) report(kind, 'direct', batch[0]?.iteration ?? -1, batch[0]?.input, `${errorText(e)}\n(not reproduced by any single input of its batch)`);
  };

  // ---- socket lane
  let client: RawClient | undefined;
  let socketInputsSinceCheck = 0;
  const canary = (correlationId: number): Buffer => requestFrame(ApiVersionsRequest, 18, 0, correlationId, { clientSoftwareName: '', clientSoftwareVersion: '' });

  /** Waits for the canary's answer or the connection's close, moving the fake clock meanwhile. */
  const outcome = async (c: RawClient, correlationId: number, waitMs = SOCKET_WAIT_MS): Promise<'answered' | 'closed' | 'stalled'> => {
    const deadline = Date.now() + waitMs;
    let step = 0;
    while (Date.now() < deadline) {
      let frame: Buffer | undefined;
      try {
        frame = await c.nextFrame(5);
      } catch {
        if (c.closed) return 'closed';
        clock.advance(CLOCK_STEPS[Math.min(step++, CLOCK_STEPS.length - 1)]!);
        continue;
      }
      if (frame.length >= 4 && frame.readInt32BE(0) === correlationId) return 'answered';
    }
    return 'stalled';
  };

  const socketInput = async (input: FuzzInput, iteration: number): Promise<void> => {
    socketStats.inputs++;
    if (!client || client.closed) {
      client?.destroy();
      client = await RawClient.connect(listener.port);
    }
    const c = client;
    const correlationId = input.payload.length >= 8 && input.payload.readInt32BE(4) === CANARY_ID ? CANARY_ID + 1 : CANARY_ID;
    const k = rng.next();
    let expectClose = false;
    let mayStall = false;
    let bytes: Buffer;
    if (k < 0.08) {
      const size = Buffer.alloc(4);
      size.writeInt32BE(rng.chance(0.5) ? rng.pick([-1, -0x8000_0000, 0x7fff_ffff, 1024 * 1024 + 1]) : rng.int(-0x8000_0000, -1), 0);
      bytes = Buffer.concat([size, input.payload]);
      expectClose = true;
    } else if (k < 0.16) {
      bytes = Buffer.concat([input.payload, canary(correlationId)]);
      mayStall = true;
    } else {
      bytes = Buffer.concat([framed(input.payload), canary(correlationId)]);
    }
    const errorsBefore = listenerLog.lines.length;
    const uncaughtBefore = uncaught.length;
    const separately = !expectClose && !mayStall && rng.chance(0.4);
    try {
      if (separately) {
        // One request per packet, as most clients send them: the frame, a pause, then the canary.
        const frame = bytes.subarray(0, bytes.length - canary(correlationId).length);
        await c.write(frame);
        await sleep(1);
        await c.write(bytes.subarray(frame.length));
      } else if (rng.chance(0.3)) {
        // In pieces: frames split across reads.
        for (let at = 0; at < bytes.length; ) {
          const n = rng.int(1, 64);
          await c.write(bytes.subarray(at, at + n));
          at += n;
        }
      } else {
        await c.write(bytes);
      }
    } catch {
      // The listener may close while we write (bad size prefix): that is an outcome, not a failure.
    }
    const result = await outcome(c, correlationId, mayStall ? STALL_WAIT_MS : SOCKET_WAIT_MS);
    socketStats[result]++;
    if (result === 'stalled' && !mayStall) report(expectClose ? 'socket-not-closed' : 'socket-hang', 'socket', iteration, input, `neither answered nor closed within ${SOCKET_WAIT_MS} ms`);
    if (result === 'answered' && expectClose) report('socket-not-closed', 'socket', iteration, input, 'a size prefix above socket.request.max.bytes (or negative) was not refused');
    if (result !== 'answered') {
      c.destroy();
      client = undefined;
    }
    for (const line of listenerLog.lines.splice(errorsBefore)) report('socket-internal-error', 'socket', iteration, input, describeLogged(line));
    for (const e of uncaught.splice(uncaughtBefore)) report('uncaught-exception', 'socket', iteration, input, errorText(e));
    if (++socketInputsSinceCheck >= 100) {
      socketInputsSinceCheck = 0;
      await freshConnectionCheck(iteration);
    }
  };

  /** A brand-new connection must be served. */
  const freshConnectionCheck = async (iteration: number): Promise<void> => {
    let fresh: RawClient | undefined;
    try {
      fresh = await RawClient.connect(listener.port);
      await fresh.write(canary(7));
      const answer = await outcome(fresh, 7);
      if (answer !== 'answered') report('listener-unresponsive', 'run', iteration, undefined, `a new connection's ApiVersions was ${answer}`);
    } catch (e) {
      report('listener-unresponsive', 'run', iteration, undefined, errorText(e));
    } finally {
      fresh?.destroy();
    }
  };

  // ---- the run
  const started = Date.now();
  let lastRebuild = 0;
  let nextProgress = progressEvery;
  const memory = (): { rss: number; heapUsed: number } => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    return m;
  };
  try {
    let i = 0;
    while (i < options.iterations) {
      const batch: Array<{ input: FuzzInput; iteration: number }> = [];
      const rejectionsBefore = rejections.length;
      const uncaughtBefore = uncaught.length;
      const end = Math.min(options.iterations, i + batchSize);
      for (; i < end; i++) {
        const input = nextInput();
        const how = input.how.startsWith('mutated') ? 'mutated' : input.how;
        inputsByHow.set(how, (inputsByHow.get(how) ?? 0) + 1);
        if (rng.chance(socketFraction)) {
          await socketInput(input, i);
        } else {
          batch.push({ input, iteration: i });
          dispatchDirect(input, i);
        }
      }
      if (!(await drain())) reportHangs();
      dispatchLog.take();
      if (rejections.length > rejectionsBefore) await attribute('unhandled-rejection', batch, rejections.splice(rejectionsBefore));
      if (uncaught.length > uncaughtBefore) await attribute('uncaught-exception', batch, uncaught.splice(uncaughtBefore));

      if (i - lastRebuild >= rebuildEvery && i < options.iterations) {
        lastRebuild = i;
        await rebuild();
        if (options.gc) {
          options.gc();
          const heap = process.memoryUsage().heapUsed;
          heapAfterGc.push(heap);
          if (heapAfterGc.length >= 3 && heap > heapAfterGc[0]! + maxHeapGrowth) {
            report('memory', 'run', i, undefined, `heap after GC grew from ${heapAfterGc[0]} to ${heap} bytes`);
          }
        }
      }
      if (i >= nextProgress || i >= options.iterations) {
        nextProgress += progressEvery;
        const m = memory();
        if (m.rss > maxRss) report('memory', 'run', i, undefined, `RSS ${m.rss} bytes is above ${maxRss}`);
        const elapsedMs = Date.now() - started;
        options.onProgress?.({
          done: i,
          total: options.iterations,
          elapsedMs,
          inputsPerSecond: elapsedMs > 0 ? Math.round((i * 1000) / elapsedMs) : 0,
          crashes: crashCount,
          rssBytes: m.rss,
          heapUsedBytes: m.heapUsed,
          peakRssBytes: peakRss,
        });
      }
    }
    await freshConnectionCheck(options.iterations);
  } finally {
    client?.destroy();
    const deadline = Date.now() + SOCKET_WAIT_MS;
    while (listener.connectionCount() > 0 && Date.now() < deadline) await sleep(5);
    if (listener.connectionCount() > 0) report('connection-leak', 'run', options.iterations, undefined, `${listener.connectionCount()} connections still open after every client left`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([listener.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, SOCKET_WAIT_MS)))]);
    clearTimeout(timer);
    fake.close();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onUncaught);
  }
  memory();
  const elapsedMs = Date.now() - started;
  return {
    seed: options.seed,
    iterations: options.iterations,
    elapsedMs,
    inputsPerSecond: elapsedMs > 0 ? Math.round((options.iterations * 1000) / elapsedMs) : 0,
    crashCount,
    crashes: [...crashes.values()],
    direct: directCounts,
    socket: socketStats,
    perTarget,
    inputsByHow,
    peakRssBytes: peakRss,
    peakHeapUsedBytes: peakHeap,
    heapAfterGcBytes: heapAfterGc,
  };
}

/** Dispatches one request (hex of header + body) to a fresh fake broker and says what happened. */
export async function replay(hex: string): Promise<string> {
  const log = new ErrorLog();
  const clock = new ManualClock(1_700_000_000_000);
  const fake = await createFakeBroker({ clock, topics: TOPICS, logger: log.logger });
  const dispatcher = new RequestDispatcher(servedApis(), fake.broker, log.logger);
  const payload = Buffer.from(hex, 'hex');
  let answer: string | undefined;
  const rejected: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejected.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    try {
      dispatcher.dispatch(payload, PEER, (frames) => {
        if (frames === null) answer = `handler failure: ${describeLogged(log.take().at(-1))}`;
        else answer = checkResponse(payload, frames) ?? `answered (${frames.reduce((n, f) => n + f.length, 0)} bytes)`;
      });
    } catch (e) {
      return e instanceof ProtocolError ? `rejected: ${e.message}` : `threw: ${errorText(e)}`;
    }
    for (const step of CLOCK_STEPS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (answer !== undefined) break;
      clock.advance(step);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    const extra = rejected.map((e) => `\nunhandled rejection: ${errorText(e)}`).join('');
    return (answer ?? 'no answer (hang)') + extra;
  } finally {
    process.off('unhandledRejection', onRejection);
    fake.close();
  }
}
