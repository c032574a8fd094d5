// Port rules: indices below the port count on both ends, and each port linked once. QEMU wires each
// device port to a controller port; two links on one port are what it reports as
// "The neighbor information of the two devices does not match".
import {UB_CONTROLLER_DEFAULT_PORT_NUM, UB_DEVICE_DEFAULT_PORT_NUM} from '../normalize.js'
import {list, obj, type RuleProblem} from './problem.js'

export function portRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  const ub = obj(def.ub)
  if (!ub) return out
  const ctrlPorts = typeof obj(ub.controller)?.ports === 'number' ? (obj(ub.controller)!.ports as number) : UB_CONTROLLER_DEFAULT_PORT_NUM
  const usedCtrl = new Map<number, string>()
  let links = 0
  list(ub.devices).forEach((d, i) => {
    const ports = typeof d.ports === 'number' ? d.ports : UB_DEVICE_DEFAULT_PORT_NUM
    const usedLocal = new Set<number>()
    const devLinks = Array.isArray(d.links) ? list(d.links) : [{port: 0}]
    devLinks.forEach((l, j) => {
      links++
      const at = `/ub/devices/${i}/links/${j}`
      if (typeof l.port === 'number') {
        if (l.port >= ports)
          out.push({pointer: `${at}/port`, rule: 'port-index', message: `port ${l.port} is not below the device's port count ${ports}`, hint: `set ports: ${l.port + 1} or use a lower index`})
        else if (usedLocal.has(l.port)) out.push({pointer: `${at}/port`, rule: 'port-link', message: `port ${l.port} is linked twice`})
        usedLocal.add(l.port)
      }
      if (typeof l.controllerPort === 'number') {
        if (l.controllerPort >= ctrlPorts)
          out.push({pointer: `${at}/controllerPort`, rule: 'port-index', message: `controller port ${l.controllerPort} is not below the controller's port count ${ctrlPorts}`})
        const other = usedCtrl.get(l.controllerPort)
        if (other !== undefined)
          out.push({
            pointer: `${at}/controllerPort`,
            rule: 'port-link',
            message: `controller port ${l.controllerPort} is already linked from ${other}: The neighbor information of the two devices does not match`,
          })
        else usedCtrl.set(l.controllerPort, at)
      }
    })
  })
  if (links > ctrlPorts)
    out.push({
      pointer: obj(ub.controller)?.ports === undefined ? '/ub/devices' : '/ub/controller/ports',
      rule: 'port-count',
      message: `${links} device links need ${links} controller ports, the controller has ${ctrlPorts}`,
      hint: 'raise ub.controller.ports (at most 256)',
    })
  return out
}
