// ENUM_CMD_TOPO_QUERY replies in the kernel's byte layout (drivers/ub/ubus/enum.h; QEMU include/hw/ub/ub_enum.h).
// A reply PDU is the 24-byte enum_pld_scan_pdu_common (pdu_len in dwords) followed by TLVs. Every TLV
// starts with a little-endian dword {value:16, len:8, type:8}; len counts bytes and is a multiple of 4.
// QEMU's vBusController (hw/ub/ub_enum.c) answers with PORT_INFO for every port of the slice, then, in
// slice 0 only, PORT_NUM, SLICE_INFO and CAP_INFO; a PDU is at most 256 bytes, so 7 ports per slice.

export const ENUM_CMD_TOPO_QUERY = 0
export const ENUM_CMD_NA_CFG = 1
export const ENUM_CMD_NA_QUERY = 2
/** PDU opcodes: enum_topo_query_opcode, enum_na_cfg_opcode, enum_na_query_opcode. */
export const ENUM_TOPO_QUERY_REQUEST = 1
export const ENUM_NA_CFG_PRIMARY = 2
export const ENUM_NA_CFG_PORT = 3
export const ENUM_NA_QUERY_DEVICE = 2
export const ENUM_NA_QUERY_PORT = 3

export const TLV_SLICE_INFO = 0
export const TLV_PORT_NUM = 1
export const TLV_PORT_INFO = 2
export const TLV_CAP_INFO = 4

export const ENUM_PLD_SCAN_PDU_COMMON_SIZE = 24
export const ENUM_TLV_SLICE_INFO_SZ = 4
export const ENUM_TLV_PORT_NUM_SZ = 8
export const ENUM_TOPO_QUERY_RSP_PORT_SIZE = 28
export const ENUM_TLV_CAP_INFO_SZ = 8
/** QEMU ENUM_TOPO_QUERY_RSP_PDU_MAX_LEN. */
export const ENUM_TOPO_QUERY_RSP_PDU_MAX_LEN = 256
/** Ports per reply slice: (256 − 24 − (8 + 4 + 8)) / 28 = 7 (QEMU enum_query_get_max_num_ports). */
export const PORTS_PER_SLICE = Math.floor((ENUM_TOPO_QUERY_RSP_PDU_MAX_LEN - ENUM_PLD_SCAN_PDU_COMMON_SIZE - ENUM_TLV_PORT_NUM_SZ - ENUM_TLV_SLICE_INFO_SZ - ENUM_TLV_CAP_INFO_SZ) / ENUM_TOPO_QUERY_RSP_PORT_SIZE)
export const UB_ENUM_MNG_VERSION = 1

/** One port as its config-space port slice describes it: neighbour GUID all zero = link down. */
export interface PortSlice {
  index: number
  remoteGuid?: string
  remoteIndex?: number
  boundary: boolean
  virtual: boolean
}

export interface PortInfoTlv {
  s: boolean
  b: boolean
  w: boolean
  t: boolean
  remotePortIdx: number
  localPortIdx: number
  remoteGuid: string
}

export interface TopoReply {
  sliceId: number
  totalSlice?: number
  totalPorts?: number
  classCode?: number
  ports: PortInfoTlv[]
}

export const NULL_GUID = '0000-0000-0-0-000000-0000000000000000'

/** ASCII codes of the hex digits, and the 37 characters of a GUID being read (one flat string, one allocation). */
const HEX_DIGIT = Buffer.from('0123456789abcdef', 'latin1')
const GUID_TEXT = Buffer.from(NULL_GUID, 'latin1')
/** A GUID as the kernel prints it (either case): 32 hex digits in the 4-4-1-1-6-16 grouping. */
const GUID_SHAPE = /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]-[0-9a-f]-[0-9a-f]{6}-[0-9a-f]{16}$/i

const hexValue = (code: number) => (code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57)

/**
 * guid_t in memory is struct ub_guid: seq_num (low 64 bits) first, then vendor..reserved, little-endian.
 * A canonical GUID is written digit by digit; anything else as Buffer's hex writer takes it.
 */
function writeGuid(buf: Buffer, at: number, guid: string): void {
  if (!GUID_SHAPE.test(guid)) return writeOddGuid(buf, at, guid)
  // hex digit d (0..31, most significant first) is the high or low nibble of byte 15 − d/2 of the struct
  for (let i = 0, d = 0; i < guid.length; i++) {
    const code = guid.charCodeAt(i)
    if (code === 0x2d) continue
    const byte = at + 15 - (d >>> 1)
    buf[byte] = d & 1 ? buf[byte] | hexValue(code) : hexValue(code) << 4
    d++
  }
}

function writeOddGuid(buf: Buffer, at: number, guid: string): void {
  const hex = guid.replace(/-/g, '')
  buf.write(hex.slice(16), at, 'hex')
  buf.subarray(at, at + 8).reverse()
  buf.write(hex.slice(0, 16), at + 8, 'hex')
  buf.subarray(at + 8, at + 16).reverse()
}

/** The printed form, "%04x-%04x-%01x-%01x-%06x-%016llx", of the struct at `at`. */
function readGuid(buf: Buffer, at: number): string {
  // printed most significant first: struct bytes 15 down to 0, two digits each; the dashes stay put
  for (let d = 0, i = 0; d < 16; d++) {
    const byte = buf[at + 15 - d]
    if (GUID_TEXT[i] === 0x2d) i++
    GUID_TEXT[i++] = HEX_DIGIT[byte >>> 4]
    if (GUID_TEXT[i] === 0x2d) i++
    GUID_TEXT[i++] = HEX_DIGIT[byte & 15]
  }
  return GUID_TEXT.toString('latin1')
}

const tlvHeader = (value: number, len: number, type: number) => ((type << 24) | (len << 16) | (value & 0xffff)) >>> 0

/**
 * The TOPO_QUERY response PDU for one slice, as QEMU's handle_enum_query_request builds it: a link-down
 * port carries only s=0 and w=1 (its local_port_idx stays 0); an up port its b, t, indices and remote GUID.
 * Writes into `buf` (the kernel reuses one 4 KiB topo_scan buffer) and returns the PDU length in bytes.
 */
export function encodeTopoReply(buf: Buffer, guid: string, ports: PortSlice[], sliceId: number, classCode: number): number {
  const start = sliceId * PORTS_PER_SLICE
  const count = Math.max(0, Math.min(PORTS_PER_SLICE, ports.length - start))
  const size = ENUM_PLD_SCAN_PDU_COMMON_SIZE + count * ENUM_TOPO_QUERY_RSP_PORT_SIZE + (sliceId === 0 ? ENUM_TLV_PORT_NUM_SZ + ENUM_TLV_SLICE_INFO_SZ + ENUM_TLV_CAP_INFO_SZ : 0)
  buf.fill(0, 0, size)
  // enum_pld_scan_pdu_common: status 0, opcode response 0, cmd TOPO_QUERY, version; msn, pdu_len, msgq_id; guid
  buf.writeUInt32LE((UB_ENUM_MNG_VERSION << 24) | (ENUM_CMD_TOPO_QUERY << 16), 0)
  buf.writeUInt32LE((size / 4) << 16, 4)
  writeGuid(buf, 8, guid)
  let at = ENUM_PLD_SCAN_PDU_COMMON_SIZE
  for (let i = 0; i < count; i++, at += ENUM_TOPO_QUERY_RSP_PORT_SIZE) {
    const p = ports[start + i]
    const up = p.remoteGuid !== undefined
    const bits = up ? (1 << 8) | (p.boundary ? 1 << 9 : 0) | (1 << 10) | (p.virtual ? 1 << 11 : 0) : 1 << 10
    buf.writeUInt32LE((TLV_PORT_INFO << 24) | (ENUM_TOPO_QUERY_RSP_PORT_SIZE << 16) | bits, at)
    if (up) {
      buf.writeUInt16LE(p.remoteIndex ?? 0, at + 4)
      buf.writeUInt16LE(p.index, at + 6)
      writeGuid(buf, at + 12, p.remoteGuid!)
    }
  }
  if (sliceId === 0) {
    buf.writeUInt32LE(tlvHeader(ports.length, ENUM_TLV_PORT_NUM_SZ, TLV_PORT_NUM), at)
    at += ENUM_TLV_PORT_NUM_SZ
    const totalSlice = Math.ceil(ports.length / PORTS_PER_SLICE)
    buf.writeUInt32LE(tlvHeader(totalSlice << 8, ENUM_TLV_SLICE_INFO_SZ, TLV_SLICE_INFO), at)
    at += ENUM_TLV_SLICE_INFO_SZ
    buf.writeUInt32LE(tlvHeader(0, ENUM_TLV_CAP_INFO_SZ, TLV_CAP_INFO), at)
    buf.writeUInt32LE(classCode & 0xffff, at + 4)
  }
  return size
}

/** An error the kernel's parser reports, with its own text (enum.c). */
export class TlvError extends Error {}

/**
 * The kernel's side (ub_enum_topo_query_and_check + ub_enum_tlv_parse): TLVs walked by their len, unknown
 * types skipped, a zero len refused ("enum tlv len is invalid").
 */
export function decodeTopoReply(buf: Buffer, size: number): TopoReply {
  const pduLen = (buf.readUInt32LE(4) >>> 16) & 0xff
  if (pduLen * 4 !== size) throw new TlvError('enum topo query rsp pdu_len invalid')
  const reply: TopoReply = {sliceId: 0, ports: []}
  let left = size - ENUM_PLD_SCAN_PDU_COMMON_SIZE
  let at = ENUM_PLD_SCAN_PDU_COMMON_SIZE
  while (left > 0 && left % 4 === 0) {
    const dw0 = buf.readUInt32LE(at)
    const type = dw0 >>> 24
    const len = (dw0 >>> 16) & 0xff
    if (len === 0) throw new TlvError('enum tlv len is invalid')
    if (len > left) throw new TlvError(`enum tlv type ${type} len ${len} runs past the pdu`)
    if (type === TLV_SLICE_INFO) {
      reply.sliceId = dw0 & 0xff
      reply.totalSlice = (dw0 >>> 8) & 0xff
    } else if (type === TLV_PORT_NUM) reply.totalPorts = dw0 & 0xffff
    else if (type === TLV_CAP_INFO) reply.classCode = buf.readUInt32LE(at + 4) & 0xffff
    else if (type === TLV_PORT_INFO)
      reply.ports.push({
        s: Boolean(dw0 & (1 << 8)),
        b: Boolean(dw0 & (1 << 9)),
        w: Boolean(dw0 & (1 << 10)),
        t: Boolean(dw0 & (1 << 11)),
        remotePortIdx: buf.readUInt16LE(at + 4),
        localPortIdx: buf.readUInt16LE(at + 6),
        remoteGuid: readGuid(buf, at + 12),
      })
    left -= len
    at += len
  }
  return reply
}
