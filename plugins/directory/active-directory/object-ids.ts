/**
 * AD's binary identifiers as text. Both are read as raw bytes (ldapts `explicitBufferAttributes`), since a
 * GUID or SID whose bytes happen to be valid UTF-8 would otherwise arrive as a mangled string.
 */

/** objectGUID in the form Windows prints and `<GUID=…>` DNs accept: lower-case 8-4-4-4-12. */
export const CANONICAL_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The 16 bytes of objectGUID as text. The first three fields are stored little-endian (the Windows GUID struct's
 * Data1, Data2 and Data3), so they are byte-swapped; the last eight bytes are printed in order.
 */
export function guidToString(bytes: Buffer): string | null {
  if (bytes.length !== 16) return null;
  const hex = (start: number, end: number, swap: boolean) => {
    const part = bytes.subarray(start, end);
    return Buffer.from(swap ? [...part].reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

/**
 * A binary SID (revision, sub-authority count, 48-bit big-endian authority, little-endian 32-bit
 * sub-authorities) as S-1-5-21-…; `null` for anything that is not exactly one well-formed SID.
 */
export function sidToString(bytes: Buffer): string | null {
  if (bytes.length < 8 || bytes.readUInt8(0) !== 1) return null;
  const count = bytes.readUInt8(1);
  if (count > 15 || bytes.length !== 8 + count * 4) return null;
  const authority = bytes.readUIntBE(2, 6);
  const subAuthorities = Array.from({ length: count }, (_, index) => bytes.readUInt32LE(8 + index * 4));
  return ['S', 1, authority, ...subAuthorities].join('-');
}
