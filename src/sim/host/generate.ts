// Generated super-node fabrics for scale tests and benchmarks: N nodes, each an IBUS controller (GUID type 2,
// class code 0) with switches fanning out to M devices of mixed classes. Deterministic for a seed. The
// nodes are not linked to each other: one kernel enumerates every node's controller and its domain.
import {formatGuid} from '../../definition/guid.js'
import {rng} from '../rng.js'
import type {DeviceClass, Fabric, FabricEntity, FabricNode, FabricPool} from './fabric.js'

const UBC_PORTS = 16
const SWITCH_PORTS = 32
/** Device id per class in generated GUIDs (vendor 0xcc08); illustrative, not real product ids. */
const DEVICE_ID: Record<DeviceClass, number> = {dpu: 0xd802, nic: 0xd803, ssd: 0xd805, npu: 0xd806}
const CLASSES: DeviceClass[] = ['nic', 'dpu', 'ssd', 'npu']

export interface LayoutDevice {
  class: DeviceClass
  guid: string
  pool?: FabricEntity['pool']
  usiVectors?: number
}

/** One node: a UBC, as many switches as its devices need, the devices behind them. */
export function nodeLayout(index: number, devices: LayoutDevice[]): {node: FabricNode; links: Array<[string, string]>} {
  const n = `n${index}`
  const ubc: FabricEntity = {name: `${n}-ubc0`, guid: formatGuid({vendor: 0xcc08, device: 0xa000, version: 0, type: 2, rsv: 0, seq: BigInt(index + 1)}), ports: UBC_PORTS}
  const perSwitch = SWITCH_PORTS - 1
  const switches: FabricEntity[] = []
  const links: Array<[string, string]> = []
  const entities: FabricEntity[] = []
  devices.forEach((d, i) => {
    const s = Math.floor(i / perSwitch)
    if (!switches[s]) {
      switches[s] = {name: `${n}-sw${s}`, guid: formatGuid({vendor: 0xcc08, device: 0x5a00, version: 0, type: 3, rsv: 0, seq: BigInt(index * 4096 + s + 1)}), ports: SWITCH_PORTS}
      // switches hang off the UBC; past its ports they chain off the previous switch's last port
      if (s < UBC_PORTS) links.push([`${ubc.name}:${s}`, `${switches[s].name}:0`])
      else throw new Error(`node ${index}: more than ${UBC_PORTS * perSwitch} devices per node`)
    }
    const name = `${n}-${d.class}${i}`
    // pooled entities have all three ERS: the kernel's ENTITY_REG refuses a zero ERS size
    const ers: [number, number, number] = [0x100000, 0x10000, d.pool ? 0x1000 : 0]
    entities.push({name, guid: d.guid, ports: 1, class: d.class, usiVectors: d.usiVectors ?? 16, ues: d.class === 'npu' ? 0 : 8, ers, ...(d.pool ? {pool: d.pool} : {})})
    links.push([`${switches[s].name}:${1 + (i % perSwitch)}`, `${name}:0`])
  })
  return {node: {name: n, controllers: [ubc], switches, devices: entities}, links}
}

/** A card's first entity is its PFE and carries the card's capacity; the next ones are VFEs. */
function poolSlice(card: string, index: number, cards: Set<string>, random: () => number): FabricPool {
  const bandwidth = `${[25, 50, 100, 200][Math.floor(random() * 4)]}Gbit/s`
  const queues = 8 << Math.floor(random() * 3)
  const domain = {slot: 1 + (index % 16), chip: 0, die: 0}
  if (cards.has(card)) return {card, slice: 'vfe', ...domain}
  cards.add(card)
  return {card, slice: 'pfe', bandwidth, queues, compute: 8, ...domain}
}

export function generateFabric(nodes: number, devicesPerNode: number, seed = 1, onProgress?: (done: number, total: number) => void): Fabric {
  const random = rng(seed)
  const fabric: Fabric = {name: `generated-${nodes}x${devicesPerNode}-seed${seed}`, cluster: false, firmware: localRanges(nodes, devicesPerNode), nodes: [], links: []}
  for (let i = 0; i < nodes; i++) {
    const cards = new Set<string>()
    const devices: LayoutDevice[] = Array.from({length: devicesPerNode}, (_, j) => {
      const cls = CLASSES[Math.floor(random() * CLASSES.length)]
      const pooled = cls !== 'npu' && random() < 0.75
      const usiVectors = 8 << Math.floor(random() * 4)
      return {
        class: cls,
        guid: formatGuid({vendor: 0xcc08, device: DEVICE_ID[cls], version: 0, type: 1, rsv: 0, seq: BigInt(i) * 0x10000n + BigInt(j) + 1n}),
        usiVectors,
        ...(pooled ? {pool: poolSlice(`n${i}-${cls}-card${Math.floor(j / 2)}`, Math.floor(j / 2), cards, random)} : {}),
      }
    })
    const {node, links} = nodeLayout(i, devices)
    fabric.nodes.push(node)
    for (const link of links) fabric.links.push(link)
    onProgress?.(i + 1, nodes)
  }
  return fabric
}

/**
 * The firmware's local EID and CNA ranges: QEMU's virt machine reports 1..0xffff each; a fabric that needs
 * more identifiers gets the 20-bit compact EID space and the 24-bit CNA of ENUM_NA_CFG [inferred: what a
 * super-node's firmware would report].
 */
function localRanges(nodes: number, devicesPerNode: number): Fabric['firmware'] {
  const perNode = 2 + UBC_PORTS + devicesPerNode + Math.ceil(devicesPerNode / (SWITCH_PORTS - 1))
  return nodes * perNode < 0xffff ? undefined : {eid: [1, 0xfffff], cna: [1, 0xffffff]}
}
