/**
 * The Kafka listener settings of a node, in Kafka's syntax and with Kafka's rules:
 * `listeners` (what to bind) and `advertised.listeners` (what Metadata tells clients), each
 * `PLAINTEXT://host:port`, given as config-file fields or as overrides by their Kafka names.
 */
import { hostname } from 'node:os';
import { errors } from '../common/errors.js';

/** The node's Kafka wire-protocol listener (broker role only). */
export interface KafkaListenerConfig {
  /** The address to bind; '0.0.0.0' binds every interface. */
  host: string;
  /** 0: bind any free port. */
  port: number;
  /** The host Metadata responses give clients for this broker. */
  advertisedHost: string;
  /** The port Metadata responses give clients; 0: the port actually bound. */
  advertisedPort: number;
}

/** The override names that set the listeners rather than a timing or broker setting. */
const LISTENER_OVERRIDES: Readonly<Record<string, 'listeners' | 'advertisedListeners'>> = {
  listeners: 'listeners',
  'advertised.listeners': 'advertisedListeners',
  advertisedListeners: 'advertisedListeners',
};

export function takeListenerOverrides(overrides: Record<string, string | number | boolean>): {
  listenerOverrides: { listeners?: string; advertisedListeners?: string };
  settings: Record<string, string | number | boolean>;
} {
  const listenerOverrides: { listeners?: string; advertisedListeners?: string } = {};
  const settings: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(overrides)) {
    const field = LISTENER_OVERRIDES[key];
    if (field) listenerOverrides[field] = String(value);
    else settings[key] = value;
  }
  return { listenerOverrides, settings };
}

/** One `NAME://host:port` entry of a listener list. */
interface ListenerEntry {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

/** Kafka's own shape of an endpoint; the host may be empty, a name, IPv4, or IPv6 in brackets. */
const LISTENER_PATTERN = /^([A-Za-z0-9_]+):\/\/(\[[0-9A-Za-z:.%]*\]|[0-9A-Za-z\-%._]*):([^:]*)$/;
/** Security protocols Kafka has and brokerlab does not. */
const UNSUPPORTED_PROTOCOLS = new Set(['SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
/** Hosts that mean "every interface": fine to bind, useless to advertise. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/**
 * The PLAINTEXT entry of a Kafka listener list (`PLAINTEXT://host:port[,...]`). Other listener
 * names are refused rather than ignored: a user who lists SSL expects encryption, and a silently
 * dropped listener would be a port nobody serves.
 */
function plaintextListener(setting: string, value: string): ListenerEntry {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw errors.invalidConfig(`${setting} is empty; expected PLAINTEXT://host:port, e.g. PLAINTEXT://127.0.0.1:9092`);
  let found: ListenerEntry | undefined;
  for (const text of entries) {
    const match = LISTENER_PATTERN.exec(text);
    if (!match) throw errors.invalidConfig(`${setting}: "${text}" is not NAME://host:port, e.g. PLAINTEXT://127.0.0.1:9092`);
    const name = match[1]!.toUpperCase();
    const portText = match[3]!;
    if (name !== 'PLAINTEXT') {
      const why = UNSUPPORTED_PROTOCOLS.has(name)
        ? `${name} is not supported: brokerlab serves Kafka clients over PLAINTEXT only (no TLS, no SASL)`
        : `listener ${name} is not supported: only PLAINTEXT is (controllers talk gRPC on the node's port, not on a Kafka listener)`;
      throw errors.invalidConfig(`${setting}: "${text}": ${why}`);
    }
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw errors.invalidConfig(`${setting}: "${text}" has port "${portText}", not a number from 0 to 65535`);
    }
    if (found) throw errors.invalidConfig(`${setting} lists PLAINTEXT twice ("${found.text}", "${text}"); give one`);
    found = { name, host: match[2]!.replace(/^\[(.*)\]$/, '$1'), port: Number(portText), text };
  }
  return found!;
}

/**
 * `listeners` and `advertised.listeners` as Kafka reads them: an empty host binds every interface
 * and advertises this machine's host name; binding 0.0.0.0 needs an advertised host clients can
 * reach; advertised.listeners defaults to listeners.
 */
export function resolveKafkaListener(listeners: string | undefined, advertisedListeners: string | undefined): KafkaListenerConfig | undefined {
  if (listeners === undefined) {
    if (advertisedListeners !== undefined) {
      throw errors.invalidConfig('advertised.listeners is set but listeners is not; set listeners too, e.g. PLAINTEXT://0.0.0.0:9092');
    }
    return undefined;
  }
  if (typeof listeners !== 'string') throw errors.invalidConfig('listeners must be a string like PLAINTEXT://127.0.0.1:9092');
  if (advertisedListeners !== undefined && typeof advertisedListeners !== 'string') {
    throw errors.invalidConfig('advertised.listeners must be a string like PLAINTEXT://broker1.example.com:9092');
  }
  const bind = plaintextListener('listeners', listeners);
  const advertised = advertisedListeners !== undefined ? plaintextListener('advertised.listeners', advertisedListeners) : bind;
  if (WILDCARD_HOSTS.has(advertised.host)) {
    const which = advertisedListeners !== undefined ? 'advertised.listeners' : 'listeners';
    throw errors.invalidConfig(
      `${which}: "${advertised.text}" binds every interface, which clients cannot connect to; ` +
        `set advertised.listeners to a host they can reach, e.g. PLAINTEXT://${hostname()}:${bind.port || 9092}`,
    );
  }
  return {
    host: bind.host === '' ? '0.0.0.0' : bind.host,
    port: bind.port,
    // Kafka advertises the machine's canonical host name for an empty host.
    advertisedHost: advertised.host === '' ? hostname() : advertised.host,
    advertisedPort: advertised.port,
  };
}
