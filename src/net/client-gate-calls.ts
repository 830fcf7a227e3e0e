/**
 * The node's client faults (src/common/client-gate.ts) applied to gRPC calls from clients: a unary
 * call fails UNAVAILABLE while clients are isolated and answers after the client delay otherwise;
 * a bidi stream ends UNAVAILABLE when isolation begins (or it opens while isolated), and its
 * answers leave after the delay. Only the client-facing services wrap their handlers in these;
 * peer services never do.
 */
import * as grpc from '@grpc/grpc-js';
import type { ClientGate } from '../common/client-gate.js';

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export function clientsUnavailable(): Partial<grpc.StatusObject> {
  return { code: grpc.status.UNAVAILABLE, details: 'clients are isolated from this node' };
}

export function gatedUnary<Req, Res>(gate: ClientGate, handler: Unary<Req, Res>): Unary<Req, Res> {
  return (call, callback) => {
    if (gate.isolated()) return callback(clientsUnavailable());
    handler(call, (error, value, trailer, flags) => gate.delay(() => callback(error, value, trailer, flags)));
  };
}

/**
 * Serves a bidi stream through the gate: `serve` gets a `reply` that answers after the client
 * delay; the stream fails UNAVAILABLE at once when clients are or become isolated.
 */
export function gatedDuplex<Req, Res>(
  gate: ClientGate,
  call: grpc.ServerDuplexStream<Req, Res>,
  serve: (call: grpc.ServerDuplexStream<Req, Res>, delayed: (send: () => void) => void) => void,
): void {
  let failed = false;
  const fail = (): void => {
    if (failed) return;
    failed = true;
    stopWatching();
    // grpc-js sends an 'error' emitted on a server stream to the client as the call's status.
    call.emit('error', clientsUnavailable());
  };
  const stopWatching = gate.onIsolate(fail);
  for (const event of ['end', 'cancelled', 'close', 'finish']) call.once(event, stopWatching);
  if (gate.isolated()) return fail();
  serve(call, (send) => gate.delay(() => !failed && send()));
}
