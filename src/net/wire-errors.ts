/**
 * Errors on the wire: every response carries Kafka's `error_code` (0 = none) and an
 * `error_message`; this is the one place that turns them into BrokerErrors and back, and that
 * maps gRPC transport failures (peer down, deadline passed) to Kafka's retriable errors.
 */
import * as grpc from '@grpc/grpc-js';
import { BrokerError, errors, isBrokerError } from '../common/errors.js';

export interface WireError {
  error_code: number;
  error_message: string;
}

export const NO_ERROR: WireError = { error_code: 0, error_message: '' };

export function toWireError(e: unknown): WireError {
  if (isBrokerError(e)) return { error_code: e.code, error_message: e.message };
  return { error_code: -1, error_message: e instanceof Error ? e.message : String(e) };
}

/**
 * The BrokerError a response (or one result in it) carries: undefined for error code 0 (proto3's
 * absent field, as well), otherwise the error of that code, with the message sent along and
 * `details` such as a leader hint. An unknown code becomes UNKNOWN_SERVER_ERROR.
 */
export function wireError(response: Partial<WireError>, details?: Record<string, unknown>): BrokerError | undefined {
  if (!response.error_code) return undefined;
  return BrokerError.fromCode(response.error_code, stripName(response.error_message ?? ''), details);
}

/** A failed gRPC call as a Kafka error a caller can retry on. */
export function fromGrpcError(e: unknown, what: string): BrokerError {
  if (isBrokerError(e)) return e;
  const status = (e as Partial<grpc.ServiceError>).code;
  const detail = (e as Error).message ?? String(e);
  if (status === grpc.status.DEADLINE_EXCEEDED) return errors.requestTimedOut(`${what}: ${detail}`);
  return errors.networkException(`${what}: ${detail}`);
}

/** Messages already start with the error's name; avoid "NAME: NAME: ..." when rebuilding. */
function stripName(message: string): string | undefined {
  const colon = message.indexOf(': ');
  const head = colon > 0 ? message.slice(0, colon) : message;
  if (/^[A-Z_]+$/.test(head)) return colon > 0 ? message.slice(colon + 2) : undefined;
  return message || undefined;
}

/** A gRPC deadline `ms` from now. */
export function deadlineIn(ms: number): Date {
  return new Date(Date.now() + ms);
}
