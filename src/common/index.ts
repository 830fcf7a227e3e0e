/**
 * Shared foundations: Kafka errors, time, randomness, logging and the fault model. Everything else builds on these
 * interfaces so the cores run unchanged in real processes and in the deterministic simulation.
 */
export * from './errors.js';
export * from './clock.js';
export * from './random.js';
export * from './logger.js';
export * from './config.js';
export * from './faults.js';
