/**
 * The tracker reuses a retired connection's objects (flow/tracker.ts, "recycling"). A reused one
 * must be indistinguishable from a new one: reset() leaves every field, of the connection, its
 * endpoints and its Zeek model, as the constructor does, whatever the previous connection did.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CaptureClock } from '../../src/capture/clock.js';
import { resolveSettings, runCore } from '../../src/core.js';
import { Connection } from '../../src/flow/connection.js';
import type { TupleKey } from '../../src/flow/key.js';
import { fromBytes } from '../helpers/pcap-writer.js';
import { REPO_ROOT } from '../helpers/shared.js';

const KEY: TupleKey = { v6: false, a0: 1, a1: 0, a2: 0, a3: 0, b0: 2, b1: 0, b2: 0, b3: 0, aPort: 1000, bPort: 80 };

/** Every connection of a capture, reset as the tracker would reuse it, against a fresh one. */
async function checkResets(file: string): Promise<number> {
  let n = 0;
  await runCore([{ name: 'x', bytes: fromBytes(readFileSync(file)) }], resolveSettings({}), new CaptureClock(), {
    ladder: true,
    finished: (c: Connection) => {
      for (const [initial, ladder] of [['CLOSED', false], ['UNKNOWN', true]] as const) {
        const fresh = new Connection(7, KEY, false, 'in', true, false, initial, 5e9, 3, ladder);
        const reused = c.reset(7, KEY, false, 'in', true, false, initial, 5e9, 3, ladder);
        expect(reused).toEqual(fresh);
      }
      n++;
    },
  });
  return n;
}

describe('recycled connections start clean', () => {
  test.each(['fixtures/sample/pop3.pcap', 'fixtures/generated/odd-segments.pcap', 'fixtures/generated/tuple-reuse.pcap',
    'fixtures/generated/simultaneous-open.pcap', 'fixtures/real/half-close-data.pcap', 'fixtures/generated/bad-handshake-ack.pcap'])(
    '%s', async (rel) => {
      expect(await checkResets(path.join(REPO_ROOT, rel))).toBeGreaterThan(0);
    });

  test('the comparison sees a stale field', () => {
    const fresh = new Connection(7, KEY, false, 'in', true, false, 'CLOSED', 5e9, 3, false);
    const reused = new Connection(7, KEY, false, 'in', true, false, 'CLOSED', 5e9, 3, false);
    reused.server.retransBytes = 1;
    expect(reused).not.toEqual(fresh);
  });
});
