// Attribute value helpers shared by the UB elements: hex numbers the way the stack prints them.
import {UbmgrError} from '../../ground/errors.js'
import {attr, type XmlElement} from '../tree.js'

export const hexAttr = (n: number | undefined): string | undefined => (n === undefined ? undefined : '0x' + n.toString(16))

export function intAttr(e: XmlElement, name: string, file: string): number | undefined {
  const v = attr(e, name)
  if (v === undefined) return undefined
  const n = /^0[xX][0-9a-fA-F]+$/.test(v) ? parseInt(v, 16) : /^[0-9]+$/.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n)) throw new UbmgrError(`${file}: <${e.name} ${name}='${v}'> is not a number`)
  return n
}

export function requireAttr(e: XmlElement, name: string, file: string): string {
  const v = attr(e, name)
  if (v === undefined) throw new UbmgrError(`${file}: <${e.name}> needs a ${name} attribute`)
  return v
}

export const onOff = (b: boolean): string => (b ? 'on' : 'off')
export const isOn = (v: string | undefined): boolean | undefined => (v === undefined ? undefined : v === 'on' || v === 'yes')
