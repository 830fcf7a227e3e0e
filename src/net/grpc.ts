/**
 * gRPC plumbing shared by every service: the protos (loaded by `proto-loader.ts`, re-exported
 * here), channel and server options, and starting and stopping servers on loopback. Services and
 * clients build on these so they all agree on keepalive, message size limits and how 64-bit
 * numbers are decoded.
 */
import * as grpc from '@grpc/grpc-js';
import { errors } from '../common/errors.js';

// Loading protos lives in its own module, which the client and the supervisor share; the services
// keep importing it from here.
export { loadProto, protoDirectory, PROTO_OPTIONS, serviceConstructor } from './proto-loader.js';

/** Raft snapshots and large record batches travel as single messages. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Detect a dead peer on an idle stream in a few seconds, not at the OS's TCP timeout.
  'grpc.keepalive_time_ms': 2_000,
  'grpc.keepalive_timeout_ms': 2_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.max_pings_without_data': 0,
  // Our own reconnect loops decide how fast to retry; keep the channel's own backoff short.
  'grpc.initial_reconnect_backoff_ms': 50,
  'grpc.max_reconnect_backoff_ms': 500,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
};

export const SERVER_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 2_000,
  'grpc.keepalive_timeout_ms': 2_000,
  'grpc.keepalive_permit_without_calls': 1,
  // Accept the clients' frequent keepalive pings instead of answering them with GOAWAY.
  'grpc.http2.min_ping_interval_without_data_ms': 1_000,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
};

export function createServer(): grpc.Server {
  return new grpc.Server(SERVER_OPTIONS);
}

/** Binds `server` to host:port (port 0 picks a free one) without TLS and resolves the bound port. */
export function bindServer(server: grpc.Server, host = '127.0.0.1', port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(errors.brokerNotAvailable(`cannot listen on ${host}:${port}: ${error.message}`));
      else resolve(boundPort);
    });
  });
}

/** Stops accepting calls and lets running ones finish for up to `graceMs`, then cuts them. */
export function stopServer(server: grpc.Server, graceMs = 1_000): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

export function createClient<T extends grpc.Client>(constructor: grpc.ServiceClientConstructor, address: string): T {
  return new constructor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as T;
}

/** Waits until the client's channel is connected, for at most `timeoutMs`. */
export function waitForReady(client: grpc.Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * A 64-bit wire integer (a number, or a decimal string) as a JS number. Values from 2^53 up cannot
 * be represented exactly (protobufjs rounds them) and are refused rather than used wrongly.
 */
export function toSafeInteger(value: string | number | { toString(): string } | null | undefined): number {
  if (value === null || value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value.toString());
  if (!Number.isSafeInteger(n)) throw errors.invalidRequest(`integer ${String(value)} out of the safe range`);
  return n;
}

/** A Node Buffer view of bytes, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Serves a bidi stream of independent requests: `onRequest` gets each one and a `reply` that
 * writes only while the stream is open (answers may come late, after the peer went away). The
 * stream ends when the peer ends it or it fails.
 */
export function serveDuplex<Req, Res>(
  call: grpc.ServerDuplexStream<Req, Res>,
  onRequest: (request: Req, reply: (response: Res) => void) => void,
): void {
  let open = true;
  const reply = (response: Res): void => {
    if (open) call.write(response);
  };
  call.on('data', (request: Req) => onRequest(request, reply));
  const close = (): void => {
    if (!open) return;
    open = false;
    call.end();
  };
  call.on('end', close);
  call.on('error', close);
  call.on('cancelled', () => (open = false));
}
