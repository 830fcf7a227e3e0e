/**
 * Turns one request frame into one response: reads the header, checks the API and version
 * against what this broker advertises, decodes the body with the generated codec, runs the
 * handler, and encodes the answer with the matching response header version. Anything that is
 * not a well-formed request of a served version throws ProtocolError, and the connection closes.
 */
import type { Logger } from '../common/logger.js';
import { ProtocolError, Reader } from './protocol/reader.js';
import { Writer } from './protocol/writer.js';
import { API_MESSAGES, RequestHeader, ResponseHeader, requestHeaderVersion, responseHeaderVersion, type ApiMessages } from './protocol/messages/index.js';
import { API_VERSIONS_KEY, unsupportedApiVersionsResponse, type ServedApi } from './apis.js';
import type { KafkaBroker, RequestContext } from './context.js';

/** Called once per request: the frames to send (empty: no answer, for acks=0), or null to close. */
export type Respond = (frames: Buffer[] | null) => void;

export class RequestDispatcher {
  constructor(
    private readonly apis: ReadonlyMap<number, ServedApi>,
    private readonly broker: KafkaBroker,
    private readonly logger: Logger,
  ) {}

  dispatch(frame: Buffer, peer: string, respond: Respond): void {
    if (frame.length < 8) throw new ProtocolError(`request of ${frame.length} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const api = this.apis.get(apiKey);
    if (!api) throw new ProtocolError(`unsupported API key ${apiKey}`);
    if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) {
        // KIP-511: a v0 answer the client can read whatever version it sent, so it retries lower.
        const correlationId = frame.readInt32BE(4);
        return respond(encode(correlationId, 0, (w) => messagesOf(API_VERSIONS_KEY).response.write(w, 0, unsupportedApiVersionsResponse(this.apis))));
      }
      throw new ProtocolError(`unsupported version ${apiVersion} of ${api.name} (served: ${api.minVersion}-${api.maxVersion})`);
    }
    const messages = messagesOf(apiKey);
    const reader = new Reader(frame);
    const header = RequestHeader.read(reader, requestHeaderVersion(apiKey, apiVersion));
    const request = messages.request.read(reader, apiVersion);
    const context: RequestContext = { apiVersion, clientId: header.clientId, peer, broker: this.broker };
    const times = this.broker.requestTimes;
    const started = times ? performance.now() : 0;
    const answer = (response: object | null): void => {
      times?.observe(api.name, performance.now() - started, false);
      if (response === null) return respond([]);
      respond(encode(header.correlationId, responseHeaderVersion(apiKey, apiVersion), (w) => messages.response.write(w, apiVersion, response)));
    };
    const fail = (e: unknown): void => {
      times?.observe(api.name, performance.now() - started, true);
      this.logger.error({ err: e, peer, api: api.name, apiVersion }, 'kafka request handler failed');
      respond(null);
    };
    let result: object | null | Promise<object | null>;
    try {
      result = api.handle(request, context);
    } catch (e) {
      return fail(e);
    }
    if (result instanceof Promise) result.then(answer, fail);
    else answer(result);
  }
}

/** Size prefix, response header, body: one buffer for a small answer, record batches by reference. */
function encode(correlationId: number, headerVersion: number, body: (w: Writer) => void): Buffer[] {
  const w = new Writer(256);
  w.int32(0); // the size, filled in below
  ResponseHeader.write(w, headerVersion, { correlationId });
  body(w);
  const chunks = w.chunks();
  chunks[0]!.writeInt32BE(w.length - 4, 0);
  return chunks;
}

function messagesOf(apiKey: number): ApiMessages {
  const messages = API_MESSAGES.get(apiKey);
  if (!messages) throw new ProtocolError(`no codec for API key ${apiKey}`);
  return messages;
}
