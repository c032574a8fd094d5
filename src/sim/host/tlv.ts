// ENUM_CMD_TOPO_QUERY replies as TLVs (drivers/ub/ubus/enum.c): TLV_SLICE_INFO, TLV_PORT_NUM, TLV_PORT_INFO
// per port, TLV_CAP_INFO. The TLV names and fields are [SRC]; the byte layout below (1-byte type, 1-byte
// length, little-endian fields) is the simulator's own [INF] — the real encoding was not in the sources read.

export const ENUM_CMD_TOPO_QUERY = 1
export const ENUM_NA_CFG_PRIMARY = 2
export const ENUM_NA_CFG_PORT = 3

export const TLV_SLICE_INFO = 1
export const TLV_PORT_NUM = 2
export const TLV_PORT_INFO = 3
export const TLV_CAP_INFO = 4

export interface PortInfoTlv {
  localPort: number
  remotePort: number
  remoteGuid: string
  /** s: link up, b: domain boundary, t: virtual port, w: shareable */
  up: boolean
  boundary: boolean
  virtual: boolean
  shareable: boolean
}

export type Tlv =
  | {type: typeof TLV_SLICE_INFO; totalSlice: number}
  | {type: typeof TLV_PORT_NUM; totalPorts: number}
  | {type: typeof TLV_PORT_INFO; port: PortInfoTlv}
  | {type: typeof TLV_CAP_INFO; classCode: number}

const guidBytes = (guid: string) => Buffer.from(guid.replace(/-/g, ''), 'hex') // 16 bytes, printed order
const guidText = (b: Buffer) => {
  const h = b.toString('hex')
  return `${h.slice(0, 4)}-${h.slice(4, 8)}-${h[8]}-${h[9]}-${h.slice(10, 16)}-${h.slice(16, 32)}`
}

export function encodeTlvs(tlvs: Tlv[]): Buffer {
  const parts: Buffer[] = []
  for (const t of tlvs) {
    let body: Buffer
    if (t.type === TLV_SLICE_INFO) (body = Buffer.alloc(2)).writeUInt16LE(t.totalSlice)
    else if (t.type === TLV_PORT_NUM) (body = Buffer.alloc(2)).writeUInt16LE(t.totalPorts)
    else if (t.type === TLV_CAP_INFO) (body = Buffer.alloc(2)).writeUInt16LE(t.classCode)
    else {
      body = Buffer.alloc(21)
      body.writeUInt16LE(t.port.localPort, 0)
      body.writeUInt16LE(t.port.remotePort, 2)
      guidBytes(t.port.remoteGuid).copy(body, 4)
      body[20] = (t.port.up ? 1 : 0) | (t.port.boundary ? 2 : 0) | (t.port.virtual ? 4 : 0) | (t.port.shareable ? 8 : 0)
    }
    parts.push(Buffer.from([t.type, body.length]), body)
  }
  return Buffer.concat(parts)
}

export function decodeTlvs(buf: Buffer): Tlv[] {
  const out: Tlv[] = []
  for (let at = 0; at < buf.length; ) {
    const type = buf[at]
    const len = buf[at + 1]
    const body = buf.subarray(at + 2, at + 2 + len)
    if (body.length !== len) throw new Error(`truncated TLV type ${type} at byte ${at}`)
    if (type === TLV_SLICE_INFO) out.push({type, totalSlice: body.readUInt16LE(0)})
    else if (type === TLV_PORT_NUM) out.push({type, totalPorts: body.readUInt16LE(0)})
    else if (type === TLV_CAP_INFO) out.push({type, classCode: body.readUInt16LE(0)})
    else if (type === TLV_PORT_INFO) {
      const f = body[20]
      out.push({
        type,
        port: {localPort: body.readUInt16LE(0), remotePort: body.readUInt16LE(2), remoteGuid: guidText(body.subarray(4, 20)), up: Boolean(f & 1), boundary: Boolean(f & 2), virtual: Boolean(f & 4), shareable: Boolean(f & 8)},
      })
    } else throw new Error(`unknown TLV type ${type} at byte ${at}`)
    at += 2 + len
  }
  return out
}
