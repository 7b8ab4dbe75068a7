/**
 * Packet-level decode failures (STYLE §5 tier 3): returned as a status, never thrown. Like
 * etherparse's LenError (required_len, len, layer, layer_start_offset), every failure records
 * the layer, where that layer starts, and (for length problems) what it needed and had.
 */
import type { DecodeLayer, DecodeStatus, PacketFields } from './fields.js';

/** Marks errNeed / errHave as "not a length problem". */
export const NO_LEN = -1;

/**
 * Records where decoding stopped and returns `status`, so a decoder can `return fail(...)`.
 * `layerOffset` is an offset into the DataView; decodePacket() rebases it to the frame start.
 * Used for skips as well (NON_TCP, IP_FRAGMENT...), so reports can say at which layer a
 * record stopped being interesting.
 */
export function fail(
  out: PacketFields,
  status: DecodeStatus,
  layer: DecodeLayer,
  layerOffset: number,
  need: number,
  have: number,
): DecodeStatus {
  out.errLayer = layer;
  out.errLayerOffset = layerOffset;
  out.errNeed = need;
  out.errHave = have;
  return status;
}
