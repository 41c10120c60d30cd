import * as assert from 'assert';
import { encodePayload, handleToNodeId, readDrop, type DragPayload } from '../../../src/tree/dragPayload';

const MIME = 'application/vnd.fxp.remote-items+json';
const TREES = ['application/vnd.code.tree.fxp.sitea', 'application/vnd.code.tree.fxp.siteb'];
const payload: DragPayload = { side: 'A', items: [{ path: '/pub/a.bin', kind: 'file', size: 10 }, { path: '/pub/dir', kind: 'dir', size: 0 }] };

describe('drag payload between the site views', () => {
  it('reads our payload after the empty placeholder a real UI drag delivers first', () => {
    const drop = readDrop([
      { mime: TREES[0]!, value: JSON.stringify({ id: 'fxp.siteA', itemHandles: ['1/A:/pub/a.bin'] }) },
      { mime: MIME, value: '' },
      { mime: MIME, value: encodePayload(payload) },
    ], MIME, TREES);
    assert.deepStrictEqual(drop, { payload });
  });

  it('accepts the payload as an object too', () => {
    assert.deepStrictEqual(readDrop([{ mime: MIME, value: payload }], MIME, TREES), { payload });
  });

  it('falls back to VS Code\'s own tree item handles when our payload is missing or unusable', () => {
    const drop = readDrop([
      { mime: MIME, value: '{not json' },
      { mime: TREES[1]!, value: { id: 'fxp.siteB', itemHandles: ['1/B:/x', ''] } },
    ], MIME, TREES);
    assert.deepStrictEqual(drop, { handles: { viewId: 'fxp.siteB', handles: ['1/B:/x'] } });
  });

  it('ignores other MIME types and malformed items', () => {
    assert.deepStrictEqual(readDrop([
      { mime: 'text/uri-list', value: 'file:///etc/passwd' },
      { mime: MIME, value: JSON.stringify({ side: 'C', items: [] }) },
      { mime: MIME, value: JSON.stringify({ side: 'A', items: [{ path: '/x', kind: 'socket' }] }) },
    ], MIME, TREES), {});
  });

  it('maps a tree item handle back to the node id it was made from', () => {
    assert.strictEqual(handleToNodeId('1/A:/pub/a b.bin'), 'A:/pub/a b.bin');
    assert.strictEqual(handleToNodeId('A:/x'), 'A:/x');
  });
});
