// A minimal XML tree: what ubmgr builds and what the safe parser returns. Attribute order is kept.

export interface XmlElement {
  name: string
  attrs: Array<[string, string]>
  children: XmlNode[]
}
export type XmlNode = XmlElement | {text: string}

export type AttrValue = string | number | undefined
export type Child = XmlNode | undefined | false | null | ''

/** Build an element; undefined attributes and falsy children are left out. */
export function el(name: string, attrs: Record<string, AttrValue> = {}, children: Child[] = []): XmlElement {
  return {
    name,
    attrs: Object.entries(attrs).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)]),
    children: children.filter((c): c is XmlNode => Boolean(c)),
  }
}

/** An element holding only text, e.g. <name>vm1</name>. */
export const leaf = (name: string, value: string | number, attrs: Record<string, AttrValue> = {}): XmlElement =>
  el(name, attrs, [{text: String(value)}])

export const isElement = (n: XmlNode): n is XmlElement => 'name' in n

export const attr = (e: XmlElement, name: string): string | undefined => e.attrs.find(([k]) => k === name)?.[1]

export const elements = (e: XmlElement, name?: string): XmlElement[] =>
  e.children.filter(isElement).filter((c) => name === undefined || c.name === name)

export const child = (e: XmlElement, name: string): XmlElement | undefined => elements(e, name)[0]

export const textOf = (e: XmlElement | undefined): string | undefined =>
  e ? e.children.filter((c): c is {text: string} => 'text' in c).map((c) => c.text).join('') : undefined

/** The same element with a namespace prefix on it and its descendants (e.g. for <metadata>). */
export function prefixed(e: XmlElement, prefix: string): XmlElement {
  return {name: prefix + e.name, attrs: e.attrs, children: e.children.map((c) => (isElement(c) ? prefixed(c, prefix) : c))}
}

export function unprefixed(e: XmlElement, prefix: string): XmlElement {
  const name = e.name.startsWith(prefix) ? e.name.slice(prefix.length) : e.name
  return {name, attrs: e.attrs, children: e.children.map((c) => (isElement(c) ? unprefixed(c, prefix) : c))}
}
