// The node buttons' requests as the server checks them before any fault is injected.
import { describe, expect, it } from 'vitest';
import { ActionError, NODE_ACTIONS, parseNodeAction } from '../../../cluster/dashboard/actions.js';

const nodes = [1, 2, 3];

function refusal(run: () => unknown): { status: number; message: string } {
  try {
    run();
  } catch (e) {
    if (e instanceof ActionError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected the request to be refused');
}

describe('parseNodeAction', () => {
  it('accepts every action on a known node, with an empty body or {}', () => {
    for (const action of NODE_ACTIONS.filter((a) => a !== 'delay')) {
      expect(parseNodeAction('2', action, undefined, nodes)).toEqual({ node: 2, action });
      expect(parseNodeAction('2', action, {}, nodes)).toEqual({ node: 2, action });
    }
    expect(parseNodeAction('3', 'delay', { ms: 150 }, nodes)).toEqual({ node: 3, action: 'delay', ms: 150 });
    expect(parseNodeAction('3', 'delay', { ms: 0 }, nodes)).toEqual({ node: 3, action: 'delay', ms: 0 });
  });

  it('answers 404 for an unknown node or action, naming what exists', () => {
    expect(refusal(() => parseNodeAction('9', 'kill', undefined, nodes))).toEqual({ status: 404, message: 'unknown node 9; this cluster has nodes 1, 2, 3' });
    const unknown = refusal(() => parseNodeAction('1', 'explode', undefined, nodes));
    expect(unknown.status).toBe(404);
    expect(unknown.message).toContain('kill, stop, start, pause, resume, isolate, heal, delay');
  });

  it('answers 400 for a malformed node id', () => {
    for (const id of ['0', '-1', '1.5', 'abc', '', '01', '9999999']) expect(refusal(() => parseNodeAction(id, 'kill', undefined, nodes)).status).toBe(400);
  });

  it('answers 400 for a bad body', () => {
    expect(refusal(() => parseNodeAction('1', 'kill', [1], nodes)).status).toBe(400);
    expect(refusal(() => parseNodeAction('1', 'kill', 'now', nodes)).status).toBe(400);
    expect(refusal(() => parseNodeAction('1', 'kill', null, nodes)).status).toBe(400);
    expect(refusal(() => parseNodeAction('1', 'kill', { ms: 5 }, nodes))).toEqual({ status: 400, message: 'kill takes no fields, got ms' });
    expect(refusal(() => parseNodeAction('1', 'delay', {}, nodes)).message).toContain('delay needs {"ms"');
    for (const ms of [-1, 1.5, '100', 60_001, null, Number.NaN]) {
      expect(refusal(() => parseNodeAction('1', 'delay', { ms }, nodes)).status).toBe(400);
    }
  });
});
