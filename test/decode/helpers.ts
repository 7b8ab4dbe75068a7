/** Shared helpers for the decoder tests. */
import { expect } from 'vitest';
import { decodePacket } from '../../src/decode/packet.js';
import { newPacketFields, type DecodeLayer, type DecodeStatus, type PacketFields } from '../../src/decode/fields.js';
import { record } from './frames.js';

/** Decodes `data` as one record of `linkType` into a fresh PacketFields. */
/** `origLen` above data.length makes the record a snaplen cut (the wire packet was longer). */
export function decode(linkType: number, data: Uint8Array, verify = false, origLen = data.length): PacketFields {
  const out = newPacketFields();
  const status = decodePacket(record(linkType, data, origLen), out, verify);
  expect(out.status).toBe(status);
  return out;
}

/** Asserts the outcome and where it happened, etherparse-style (code, layer, offset, need, have). */
export function expectFailure(
  out: PacketFields,
  status: DecodeStatus,
  layer: DecodeLayer,
  layerOffset: number,
  need = -1,
  have = -1,
): void {
  expect({ status: out.status, layer: out.errLayer, layerOffset: out.errLayerOffset, need: out.errNeed, have: out.errHave })
    .toEqual({ status, layer, layerOffset, need, have });
}

/** IPv4 (IHL 5, no checksum) around a TCP header built from `word12` and option bytes, plus payload. */
export function ipv4Tcp(options: number[], payloadLen = 0, flagsWord = 0x0010): Uint8Array {
  if (options.length % 4 !== 0) throw new Error('pad options to a multiple of 4');
  const tcpLen = 20 + options.length;
  const total = 20 + tcpLen + payloadLen;
  const b = new Uint8Array(total);
  b.set([0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  const word12 = ((tcpLen / 4) << 12) | flagsWord;
  b.set([0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, word12 >> 8, word12 & 0xff, 0x10, 0x00, 0, 0, 0, 0], 20);
  b.set(options, 40);
  for (let i = 0; i < payloadLen; i++) b[20 + tcpLen + i] = 0x61 + (i % 26);
  return b;
}
