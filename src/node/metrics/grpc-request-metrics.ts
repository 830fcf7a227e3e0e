/**
 * Times every gRPC method a node serves without touching the services: the server's
 * `addService` is wrapped so each handler reports to the request metrics. Unary and
 * client-streaming calls are timed from the call to the callback; server and bidi streams
 * (replication fetch sessions, Raft streams) are long-lived, so they are only counted.
 */
import type * as grpc from '@grpc/grpc-js';
import type { RequestObserver } from './request-metrics.js';

type AnyHandler = (call: unknown, callback?: (error: unknown, ...rest: unknown[]) => void) => void;

export function instrumentGrpcServer(server: grpc.Server, observer: RequestObserver): void {
  const addService = server.addService.bind(server);
  server.addService = (service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void => {
    const timed: grpc.UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(service)) {
      const original = (implementation[name] ?? implementation[method.originalName ?? '']) as AnyHandler | undefined;
      if (!original) continue;
      const request = requestName(method.path);
      timed[name] = (method.responseStream ? streamHandler(original, request, observer) : timedHandler(original, request, observer)) as grpc.UntypedHandleCall;
    }
    addService(service, timed);
  };
}

/**
 * `/brokerlab.client.Client/Fetch` -> `Client/Fetch`: the service keeps apart methods of the
 * same name (the client's and the controller's CreateTopics, the admin's and Raft's Status).
 */
export function requestName(path: string): string {
  const slash = path.lastIndexOf('/');
  const service = path.slice(0, slash);
  return `${service.slice(service.lastIndexOf('.') + 1)}/${path.slice(slash + 1)}`;
}

function timedHandler(handler: AnyHandler, request: string, observer: RequestObserver): AnyHandler {
  return (call, callback) => {
    const started = performance.now();
    handler(call, (error, ...rest) => {
      observer.observe('grpc', request, performance.now() - started, error !== null && error !== undefined);
      callback?.(error, ...rest);
    });
  };
}

function streamHandler(handler: AnyHandler, request: string, observer: RequestObserver): AnyHandler {
  return (call) => {
    observer.opened('grpc', request);
    handler(call);
  };
}
