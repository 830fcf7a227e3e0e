/**
 * An in-process Kafka listener for tests: a real `KafkaListener` on 127.0.0.1 (port 0) over the
 * fake one-node broker, a pino logger whose lines the test can read, and a raw client that
 * writes hand-made frames (int32 size + request header + body from the generated codecs) and
 * reads size-prefixed responses, so a test can send exactly the bytes it wants, broken or not.
 *
 * Every wait here is bounded; `close()` destroys every client it handed out and the listener.
 */
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import type { ClientGate } from '../../../../src/common/client-gate.js';
import type { Logger } from '../../../../src/common/logger.js';
import { KafkaListener, type KafkaListenerOptions } from '../../../../src/kafka/listener.js';
import { Reader } from '../../../../src/kafka/protocol/reader.js';
import { Writer } from '../../../../src/kafka/protocol/writer.js';
import {
  API_MESSAGES,
  RequestHeader,
  ResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  type MessageCodec,
} from '../../../../src/kafka/protocol/messages/index.js';
import { createFakeBroker, type FakeBroker, type FakeBrokerOptions } from './fake-broker.js';

export const DEFAULT_WAIT_MS = 3_000;

// ---------------------------------------------------------------------------------------------
// Logs

export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly peer?: string;
  readonly [key: string]: unknown;
}

/** A pino logger at debug level whose JSON lines are kept in `lines`. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly logger: Logger;

  constructor(level = 'debug') {
    const stream = { write: (s: string): void => void this.lines.push(JSON.parse(s) as LogLine) };
    this.logger = pino({ level, base: null }, stream);
  }

  /** Lines that mention `text` anywhere (message or fields). */
  matching(text: string): LogLine[] {
    return this.lines.filter((l) => JSON.stringify(l).includes(text));
  }

  /** Resolves with the first line satisfying `predicate`, waiting up to `timeoutMs` for it. */
  async waitFor(predicate: (line: LogLine) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find(predicate);
      if (line) return line;
      if (Date.now() >= deadline) throw new Error(`no log line matched within ${timeoutMs} ms; lines: ${JSON.stringify(this.lines.slice(-10))}`);
      await sleep(5);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Frames

/** Request header (the version the API's request version calls for) followed by `body`. */
export function requestPayload(apiKey: number, apiVersion: number, correlationId: number, body: (w: Writer) => void, clientId: string | null = 'harness'): Buffer {
  const w = new Writer(256);
  RequestHeader.write(w, requestHeaderVersion(apiKey, apiVersion), { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId });
  body(w);
  return w.toBuffer();
}

/** A whole frame: int32 size, then `payload`. */
export function framed(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/** A size-prefixed request whose body is `message` written with the generated codec of `apiKey`. */
export function requestFrame<T>(codec: MessageCodec<T>, apiKey: number, apiVersion: number, correlationId: number, message: T, clientId: string | null = 'harness'): Buffer {
  return framed(requestPayload(apiKey, apiVersion, correlationId, (w) => codec.write(w, apiVersion, message), clientId));
}

export interface DecodedResponse<T> {
  readonly correlationId: number;
  readonly body: T;
}

/**
 * Decodes one response (without its size prefix) as the answer to `apiKey` version `apiVersion`
 * and checks that the body used every byte.
 */
export function decodeResponse<T = unknown>(frame: Buffer, apiKey: number, apiVersion: number): DecodedResponse<T> {
  const messages = API_MESSAGES.get(apiKey);
  if (!messages) throw new Error(`no codec for API key ${apiKey}`);
  const r = new Reader(frame);
  const { correlationId } = ResponseHeader.read(r, responseHeaderVersion(apiKey, apiVersion));
  const body = messages.response.read(r, apiVersion) as T;
  if (r.remaining() !== 0) throw new Error(`response of API ${apiKey} v${apiVersion}: ${r.remaining()} bytes left after the body`);
  return { correlationId, body };
}

// ---------------------------------------------------------------------------------------------
// Raw client

/** A TCP client speaking bytes: what it sends is up to the test; responses are split by their size prefix. */
export class RawClient {
  private readonly frames: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private closedFlag = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4) {
        const size = this.pending.readInt32BE(0);
        if (this.pending.length < 4 + size) break;
        this.frames.push(this.pending.subarray(4, 4 + size));
        this.pending = this.pending.subarray(4 + size);
      }
      this.wake();
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, timeoutMs = DEFAULT_WAIT_MS): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to port ${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawClient(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** `host:port` of this end, as the listener names its peer. */
  get localPeer(): string {
    return `${this.socket.localAddress}:${this.socket.localPort}`;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Writes raw bytes; resolves once they are handed to the OS (or rejects if the socket failed). */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return reject(new Error('socket destroyed'));
      this.socket.write(bytes, (e) => (e ? reject(e) : resolve()));
    });
  }

  /** The next response frame (without its size prefix); rejects if the connection closes or nothing comes in time. */
  async nextFrame(timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.closedFlag) throw new Error('connection closed before a response arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await this.waitForEvent(left);
    }
  }

  /** Decodes the next response as the answer to `apiKey` version `apiVersion`. */
  async nextResponse<T = unknown>(apiKey: number, apiVersion: number, timeoutMs = DEFAULT_WAIT_MS): Promise<DecodedResponse<T>> {
    return decodeResponse<T>(await this.nextFrame(timeoutMs), apiKey, apiVersion);
  }

  /** Responses received and not yet taken. */
  bufferedFrames(): number {
    return this.frames.length;
  }

  /** True once the peer closed the connection, false if it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<boolean> {
    if (this.closedFlag) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.closedPromise, timeout]);
    clearTimeout(timer);
    return this.closedFlag;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private waitForEvent(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Listener

export type ListenerLimits = Pick<KafkaListenerOptions, 'maxConnections' | 'maxRequestBytes' | 'maxQueuedRequests' | 'maxQueuedBytes'>;

export const DEFAULT_LIMITS: ListenerLimits = {
  maxConnections: 100,
  maxRequestBytes: 100 * 1024 * 1024,
  maxQueuedRequests: 500,
  maxQueuedBytes: 100 * 1024 * 1024,
};

export interface ListenerHarness {
  readonly listener: KafkaListener;
  readonly port: number;
  readonly fake: FakeBroker;
  readonly logs: LogCapture;
  /** A new raw client connected to the listener (destroyed by `close`). */
  connect(): Promise<RawClient>;
  close(): Promise<void>;
}

export interface ListenerHarnessOptions extends Partial<ListenerLimits> {
  readonly fake?: FakeBrokerOptions;
  /** Client faults for the listener to obey. */
  readonly clients?: ClientGate;
}

export async function startListener(options: ListenerHarnessOptions = {}): Promise<ListenerHarness> {
  const logs = new LogCapture();
  const fake = await createFakeBroker({ logger: logs.logger, ...options.fake });
  const limits: ListenerLimits = {
    maxConnections: options.maxConnections ?? DEFAULT_LIMITS.maxConnections,
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_LIMITS.maxRequestBytes,
    maxQueuedRequests: options.maxQueuedRequests ?? DEFAULT_LIMITS.maxQueuedRequests,
    maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_LIMITS.maxQueuedBytes,
  };
  let listener: KafkaListener;
  try {
    listener = await KafkaListener.start({
      host: '127.0.0.1',
      port: 0,
      ...limits,
      broker: fake.broker,
      logger: logs.logger,
      ...(options.clients ? { clients: options.clients } : {}),
    });
  } catch (e) {
    fake.close();
    throw e;
  }
  fake.setKafkaEndpoint({ host: '127.0.0.1', port: listener.port });
  const clients: RawClient[] = [];
  return {
    listener,
    port: listener.port,
    fake,
    logs,
    connect: async () => {
      const c = await RawClient.connect(listener.port);
      clients.push(c);
      return c;
    },
    close: async () => {
      for (const c of clients) c.destroy();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([listener.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, DEFAULT_WAIT_MS)))]);
      clearTimeout(timer);
      fake.close();
    },
  };
}
