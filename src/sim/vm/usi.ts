// USI, the UB interrupts of a device in the guest (hw/ub/ub_usi.c, hw/vfio/ub.c; the host's vfio_ub
// interrupt names): the guest unmasks then enables INT TYPE2; QEMU then adds a KVM USI route and an irqfd
// per vector and hands the eventfds to VFIO_DEVICE_SET_IRQS, which the host names vfio-ub-intr[N](<uent>).
import {uentName} from '../host/cformat.js'
import {CFG, readDword, writeDword} from './cfgspace.js'
import type {GuestDevice, GuestState} from './guest.js'
import {hex} from './guest.js'
import type {Trace} from './trace.js'
import {UBC_INTERRUPT_ID_START} from './firmware.js'

export function enableUsi(d: GuestDevice, guest: GuestState, trace: Trace, phase: string, cfgWrite: (offset: number, what: string, value: number) => void): void {
  writeDword(d.cfg, CFG.INT2_INTERRUPT_ID, UBC_INTERRUPT_ID_START + 0x100 + d.eid)
  for (let v = 0; v < d.usi.vectors; v++) d.usi.routes.push({vector: v, gsi: guest.nextGsi++, irqfd: d.usi.mode === 'passthrough'})
  trace.emit(phase, 'usi', 'tables', `${d.name}: ${d.usi.vectors} vector (8 B) and address (32 B) entries, pending bits, in ERS0`, 'mmio')
  cfgWrite(CFG.INT2_MASK, 'INT TYPE2 interrupt_mask', 0)
  cfgWrite(CFG.INT2_ENABLE, 'INT TYPE2 interrupt_enable', 1)
  d.usi.enabled = true
  if (d.usi.mode === 'passthrough') {
    const host = uentName(d.hostUent)
    trace.emit(phase, 'kvm', 'kvm_irqchip_add_usi_route', `${d.usi.vectors} route(s), interrupt_id ${hex(readDword(d.cfg, CFG.INT2_INTERRUPT_ID))}, gsi ${d.usi.routes[0].gsi}..${d.usi.routes.at(-1)!.gsi}`, 'route')
    trace.emit(phase, 'kvm', 'irqfd', `kvm_irqchip_add_irqfd_notifier_gsi × ${d.usi.vectors}`, 'route')
    trace.emit(phase, 'vfio-ub', 'VFIO_DEVICE_SET_IRQS', `VFIO_UB_INTR_IRQ_INDEX, ${d.usi.vectors} eventfd(s): vfio-ub-intr[0](${host})${d.usi.vectors > 1 ? `..vfio-ub-intr[${d.usi.vectors - 1}](${host})` : ''}`, 'ioctl')
  } else trace.emit(phase, 'usi', 'usi_notify', `${d.name}: ${d.usi.vectors} vector(s) injected by QEMU (emulated)`, 'route')
}

/** vfio_usi_disable: the irq index off, routes and irqfds released. */
export function disableUsi(d: GuestDevice, trace: Trace, phase: string): void {
  if (d.usi.mode === 'passthrough' && d.usi.routes.length > 0)
    trace.emit(phase, 'vfio-ub', 'VFIO_DEVICE_SET_IRQS', `${d.name}: disable VFIO_UB_INTR_IRQ_INDEX; ${d.usi.routes.length} irqfd(s) and USI route(s) released`, 'route')
  d.usi.enabled = false
}
