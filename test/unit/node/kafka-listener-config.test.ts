import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveNodeConfig, type NodeConfigFile } from '../../../src/node/config.js';

function config(fields: Partial<NodeConfigFile> = {}): NodeConfigFile {
  return { nodeId: 1, roles: ['controller', 'broker'], port: 9001, voters: [{ id: 1, host: '127.0.0.1', port: 9001 }], dataDir: '/tmp/x', ...fields };
}

const kafkaOf = (fields: Partial<NodeConfigFile>) => resolveNodeConfig(config(fields)).kafka;
const failureOf = (fields: Partial<NodeConfigFile>): string => {
  try {
    resolveNodeConfig(config(fields));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(fields)}`);
};

describe('the Kafka listener of a node', () => {
  it('binds and advertises the address listeners names', () => {
    expect(kafkaOf({ listeners: 'PLAINTEXT://127.0.0.1:9092' })).toEqual({ host: '127.0.0.1', port: 9092, advertisedHost: '127.0.0.1', advertisedPort: 9092 });
    // Listener names are case-insensitive, as in Kafka; blanks around entries are ignored.
    expect(kafkaOf({ listeners: ' plaintext://localhost:19092 ' })).toMatchObject({ host: 'localhost', port: 19092 });
    expect(kafkaOf({ listeners: 'PLAINTEXT://[::1]:9092' })).toMatchObject({ host: '::1', port: 9092 });
  });

  it('allows port 0: bind a free port and advertise the one bound', () => {
    expect(kafkaOf({ listeners: 'PLAINTEXT://127.0.0.1:0' })).toEqual({ host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', advertisedPort: 0 });
  });

  it("reads an empty host as Kafka does: every interface, advertising this machine's name", () => {
    expect(kafkaOf({ listeners: 'PLAINTEXT://:9092' })).toEqual({ host: '0.0.0.0', port: 9092, advertisedHost: hostname(), advertisedPort: 9092 });
  });

  it('binds 0.0.0.0 only with advertised.listeners naming a reachable host', () => {
    expect(failureOf({ listeners: 'PLAINTEXT://0.0.0.0:9092' })).toMatch(
      /^INVALID_CONFIG: listeners: "PLAINTEXT:\/\/0\.0\.0\.0:9092" binds every interface, which clients cannot connect to; set advertised\.listeners/,
    );
    expect(kafkaOf({ listeners: 'PLAINTEXT://0.0.0.0:9092', advertisedListeners: 'PLAINTEXT://broker1.example.com:19092' })).toEqual({
      host: '0.0.0.0',
      port: 9092,
      advertisedHost: 'broker1.example.com',
      advertisedPort: 19092,
    });
    expect(failureOf({ listeners: 'PLAINTEXT://:9092', advertisedListeners: 'PLAINTEXT://[::]:9092' })).toMatch(/advertised\.listeners: .*binds every interface/);
  });

  it('takes both from overrides by their Kafka names, the file fields winning', () => {
    expect(kafkaOf({ overrides: { listeners: 'PLAINTEXT://0.0.0.0:9092', 'advertised.listeners': 'PLAINTEXT://host-a:9092' } })).toMatchObject({
      host: '0.0.0.0',
      advertisedHost: 'host-a',
    });
    expect(kafkaOf({ listeners: 'PLAINTEXT://127.0.0.1:9093', overrides: { listeners: 'PLAINTEXT://127.0.0.1:9092' } })).toMatchObject({ port: 9093 });
    expect(
      kafkaOf({ listeners: 'PLAINTEXT://127.0.0.1:9093', advertisedListeners: 'PLAINTEXT://file-host:1', overrides: { 'advertised.listeners': 'PLAINTEXT://override-host:2' } }),
    ).toMatchObject({ advertisedHost: 'file-host', advertisedPort: 1 });
  });

  it('is undefined without listeners, and on a controller-only node', () => {
    expect(kafkaOf({})).toBeUndefined();
    expect(resolveNodeConfig(config({ roles: ['controller'], listeners: 'PLAINTEXT://127.0.0.1:9092' })).kafka).toBeUndefined();
  });

  it('accepts a list but serves only PLAINTEXT, naming what it refuses', () => {
    expect(kafkaOf({ listeners: 'PLAINTEXT://127.0.0.1:9092,' })).toMatchObject({ port: 9092 });
    expect(failureOf({ listeners: 'SSL://127.0.0.1:9093' })).toBe(
      'INVALID_CONFIG: listeners: "SSL://127.0.0.1:9093": SSL is not supported: brokerlab serves Kafka clients over PLAINTEXT only (no TLS, no SASL)',
    );
    expect(failureOf({ listeners: 'PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093' })).toMatch(/"SASL_SSL:\/\/127\.0\.0\.1:9093": SASL_SSL is not supported/);
    expect(failureOf({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093' })).toMatch(/listener CONTROLLER is not supported: only PLAINTEXT is/);
    expect(failureOf({ listeners: 'PLAINTEXT://a:9092,PLAINTEXT://b:9093' })).toMatch(/listeners lists PLAINTEXT twice/);
  });

  it('refuses malformed entries with INVALID_CONFIG', () => {
    expect(failureOf({ listeners: 'PLAINTEXT://host:notaport' })).toBe(
      'INVALID_CONFIG: listeners: "PLAINTEXT://host:notaport" has port "notaport", not a number from 0 to 65535',
    );
    expect(failureOf({ listeners: 'PLAINTEXT://host:70000' })).toMatch(/has port "70000", not a number from 0 to 65535/);
    expect(failureOf({ listeners: 'PLAINTEXT://host:-1' })).toMatch(/has port "-1"/);
    expect(failureOf({ listeners: '127.0.0.1:9092' })).toMatch(/listeners: "127\.0\.0\.1:9092" is not NAME:\/\/host:port/);
    expect(failureOf({ listeners: 'PLAINTEXT://host' })).toMatch(/is not NAME:\/\/host:port/);
    expect(failureOf({ listeners: '' })).toMatch(/listeners is empty/);
    expect(failureOf({ overrides: { 'advertised.listeners': 'PLAINTEXT://host:9092' } })).toMatch(/advertised\.listeners is set but listeners is not/);
  });
});

describe('Kafka request-handling settings', () => {
  it("default to Kafka's values (max.connections bounded at 1000)", () => {
    expect(resolveNodeConfig(config()).broker).toMatchObject({
      autoCreateTopicsEnable: true,
      socketRequestMaxBytes: 104857600,
      maxConnections: 1000,
      queuedMaxRequests: 500,
      queuedMaxRequestBytes: 104857600,
      numPartitions: 1,
      defaultReplicationFactor: 3,
    });
  });

  it('take overrides by their Kafka names', () => {
    const broker = resolveNodeConfig(
      config({
        overrides: {
          'auto.create.topics.enable': 'false',
          'socket.request.max.bytes': '1048576',
          'max.connections': 10,
          'queued.max.requests': '16',
          'queued.max.request.bytes': '65536',
          'num.partitions': '3',
        },
      }),
    ).broker;
    expect(broker).toMatchObject({ autoCreateTopicsEnable: false, socketRequestMaxBytes: 1048576, maxConnections: 10, queuedMaxRequests: 16, queuedMaxRequestBytes: 65536, numPartitions: 3 });
  });

  it('refuse values that are not positive integers', () => {
    expect(failureOf({ overrides: { 'max.connections': 0 } })).toBe('INVALID_CONFIG: maxConnections must be a positive integer, got 0');
    expect(failureOf({ overrides: { 'queued.max.requests': '2.5' } })).toMatch(/queuedMaxRequests must be a positive integer, got 2\.5/);
    expect(failureOf({ overrides: { 'socket.request.max.bytes': '-1' } })).toMatch(/socketRequestMaxBytes must be a positive integer/);
    expect(failureOf({ overrides: { 'queued.max.request.bytes': 'lots' } })).toMatch(/queued\.max\.request\.bytes must be a number, got "lots"/);
    expect(failureOf({ overrides: { 'auto.create.topics.enable': 'yes' } })).toMatch(/auto\.create\.topics\.enable must be true or false/);
    expect(failureOf({ overrides: { 'num.partitions': 0 } })).toMatch(/numPartitions must be a positive integer/);
  });
});
