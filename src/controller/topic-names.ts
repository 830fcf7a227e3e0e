/**
 * Kafka's rules for topic names: 1 to 249 characters of [a-zA-Z0-9._-], not "." or "..". Because
 * metric names turn '.' into '_', two topics whose names differ only there would collide, so
 * Kafka refuses the second one.
 */
import { errors } from '../common/errors.js';

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Throws INVALID_TOPIC_EXCEPTION with the reason. */
export function validateTopicName(name: string): void {
  if (name.length === 0) throw errors.invalidTopicException('topic name is empty');
  if (name === '.' || name === '..') throw errors.invalidTopicException(`topic name "${name}" is not allowed`);
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw errors.invalidTopicException(`topic name is ${name.length} characters, longer than ${MAX_TOPIC_NAME_LENGTH}`);
  }
  if (!LEGAL.test(name)) {
    throw errors.invalidTopicException(`topic name "${name}" has characters outside [a-zA-Z0-9._-]`);
  }
}

/** Names with the same key collide in metric names. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_');
}
