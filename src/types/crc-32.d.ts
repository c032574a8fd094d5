// crc-32 ships typings for its CRC-32 entry only; this is its CRC-32C (Castagnoli) entry, the checksum of
// fio's --verify=crc32c.
declare module 'crc-32/crc32c.js' {
  const CRC32C: {buf(data: Uint8Array, seed?: number): number}
  export default CRC32C
}
