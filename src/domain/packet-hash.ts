import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { Packet, PacketContent } from './packet';

// Signoffs bind to this hash, so it covers the content and the version in a canonical form.
// Uses node:crypto: activities and the API import this module, workflow code does not.

export function packetHash(content: PacketContent, meta: { handoffId: string; version: number }): string {
  const { handoffId: _h, version: _v, hash: _x, ...body } = content as Partial<Packet> & PacketContent;
  const digest = createHash('sha256').update(canonicalJson({ ...body, handoffId: meta.handoffId, version: meta.version })).digest('hex');
  return `sha256:${digest}`;
}

export function finalizePacket(content: PacketContent, meta: { handoffId: string; version: number }): Packet {
  const { handoffId: _h, version: _v, hash: _x, ...body } = content as Partial<Packet> & PacketContent;
  return { ...body, handoffId: meta.handoffId, version: meta.version, hash: packetHash(body, meta) };
}
