// A super-node described in YAML: nodes (servers) with Bus Controllers, switches and devices, and the
// port-to-port links between them. This is the simulator's input; enumeration turns it into the host
// view the kernel builds (HostState).
import {readFile} from 'node:fs/promises'
import {parse} from 'yaml'

import {parseGuid, UbGuidType} from '../../definition/guid.js'
import {UbmgrError} from '../../ground/errors.js'

export type DeviceClass = 'dpu' | 'nic' | 'ssd' | 'npu'

export interface FabricEntity {
  name: string
  guid: string
  ports: number
  /** ERS0..2 sizes in bytes (0 = absent). */
  ers?: [number, number, number]
  usiVectors?: number
  ues?: number
  class?: DeviceClass
  pool?: {bandwidth: string; queues: number; card: string}
}

export interface FabricNode {
  name: string
  controllers: FabricEntity[]
  switches?: FabricEntity[]
  devices?: FabricEntity[]
}

export interface Fabric {
  name: string
  cluster?: boolean
  nodes: FabricNode[]
  /** "entity:port" pairs; a link joins two ports. */
  links: Array<[string, string]>
}

/**
 * Class codes the simulator gives each device class. The bus controller's class code 0 is QEMU's ubc value
 * (ub-stack.md §2.3); the others borrow PCI base classes and are ubmgr's choice [INF].
 */
export const CLASS_CODE: Record<DeviceClass | 'controller' | 'switch', number> = {
  controller: 0x0000,
  switch: 0x0604,
  nic: 0x0200,
  dpu: 0x0280,
  ssd: 0x0108,
  npu: 0x1200,
}

export async function loadFabric(file: string): Promise<Fabric> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new UbmgrError(`${file}: cannot read host fabric`)
  }
  let fabric: Fabric
  try {
    fabric = parse(text, {maxAliasCount: 100}) as Fabric
  } catch (error) {
    throw new UbmgrError(`${file}: ${(error as Error).message.split('\n')[0]}`)
  }
  checkFabric(fabric, file)
  return fabric
}

export function checkFabric(f: Fabric, file: string): void {
  if (!f || typeof f !== 'object' || !Array.isArray(f.nodes) || !Array.isArray(f.links))
    throw new UbmgrError(`${file}: a host fabric needs name, nodes and links`)
  const guids = new Set<string>()
  const names = new Set<string>()
  for (const node of f.nodes)
    for (const [kind, list] of [['controller', node.controllers], ['switch', node.switches ?? []], ['device', node.devices ?? []]] as const)
      for (const e of list) {
        const g = parseGuid(e.guid ?? '')
        if (!g) throw new UbmgrError(`${file}: ${e.name}: not a UB GUID: ${e.guid}`)
        const want = kind === 'switch' ? [UbGuidType.SWITCH, UbGuidType.ISWITCH] : kind === 'controller' ? [UbGuidType.CONTROLLER] : [UbGuidType.CONTROLLER, UbGuidType.ICONTROLLER]
        if (!want.includes(g.type)) throw new UbmgrError(`${file}: ${e.name}: a ${kind} GUID must have type ${want.join(' or ')}, not ${g.type}`)
        if (guids.has(e.guid.toLowerCase())) throw new UbmgrError(`${file}: duplicate GUID ${e.guid}`)
        if (names.has(e.name)) throw new UbmgrError(`${file}: duplicate entity name ${e.name}`)
        guids.add(e.guid.toLowerCase())
        names.add(e.name)
      }
  for (const [a, b] of f.links)
    for (const end of [a, b]) {
      const [name, port] = end.split(':')
      if (!names.has(name) || !/^\d+$/.test(port ?? '')) throw new UbmgrError(`${file}: link end ${end} is not ENTITY:PORT of a known entity`)
    }
}
