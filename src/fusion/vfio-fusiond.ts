// vfio_fusiond: "adds a PCI or UB device model to the aggregated device the framework emulates, and exposes
// it to QEMU through the standard VFIO interface" (基于聚合框架模拟出的聚合设备，附加上PCI设备模型或者UB设备
// 模型的模拟，并通过标准VFIO接口对qemu暴露出聚合设备). QEMU then opens it with plain PCI or UB passthrough.
// PCI: a mediated device (mdev) that vfio-pci passes through, showing a modern virtio PCI function: vendor
//   0x1af4, device 0x1040 + virtio device id (virtio 1.x §4.1.2: net 1, block 2, SCSI host 8), class as
//   QEMU's virtio-*-pci (network 0x0200, storage/SCSI 0x0100), MSI-X vectors as QEMU's defaults
//   (blk/scsi: queues + 1; net: 2 × queue pairs + 2).
// UB: a UB entity with its own GUID and EID on the guest's bus, class code base 0x05 (virtio; the base code
//   is the low byte), USI vectors like vfio-ub's, one port linked to the guest controller.
// The guest sees one virtio device with the device's virtqueues: VIRTIO_BLK_F_MQ + num_queues,
// VIRTIO_NET_F_MQ + max_virtqueue_pairs, or virtio-scsi's num_queues.
// [INF] mdev as the PCI mechanism, the mdev type name, the UB class sub-code (0) and the USI vector count
// are ubmgr's reading of the talk; no public source shows vfio_fusiond.
import type {FusionSpec} from './model.js'

export const VIRTIO_PCI_VENDOR = 0x1af4
export const VIRTIO_PCI_MODERN_BASE = 0x1040
export const VIRTIO_ID = {'virtio-net': 1, 'virtio-blk': 2, 'virtio-scsi': 8} as const
const PCI_CLASS = {'virtio-net': 0x0200, 'virtio-blk': 0x0100, 'virtio-scsi': 0x0100} as const
/** UB class code: base code virtio (0x05) in the low byte. [INF] sub-code 0. */
export const UB_CLASS_VIRTIO = 0x0005

export interface VfioFusionDevice {
  transport: 'pci' | 'ub'
  virtioId: number
  /** Guest-visible virtqueues carrying requests. */
  queues: number
  features: string[]
  pci?: {mdevUuid: string; mdevType: string; sysfsdev: string; vendor: number; device: number; classCode: number; msixVectors: number}
  ub?: {guid: string; eid: number; classCode: number; usiVectors: number; controllerPort: number}
}

export interface RealizeStep {
  component: 'vfio_fusiond' | 'qemu' | 'guest'
  action: string
  detail: string
}

const hex = (n: number) => '0x' + n.toString(16)

function features(spec: FusionSpec): string[] {
  if (spec.kind === 'virtio-blk') return ['VIRTIO_F_VERSION_1', 'VIRTIO_BLK_F_MQ']
  if (spec.kind === 'virtio-net') return ['VIRTIO_F_VERSION_1', 'VIRTIO_NET_F_MQ', 'VIRTIO_NET_F_CTRL_VQ']
  return ['VIRTIO_F_VERSION_1']
}

/** What vfio_fusiond creates for the aggregated device, and the steps from mdev/entity to the guest driver. */
export function realizeFusionDevice(
  spec: FusionSpec,
  t: {transport: 'pci'; mdevUuid: string} | {transport: 'ub'; guid: string; eid: number; controllerPort: number},
): {device: VfioFusionDevice; steps: RealizeStep[]} {
  const id = VIRTIO_ID[spec.kind]
  const q = spec.queues
  const base = {transport: t.transport, virtioId: id, queues: q, features: features(spec)}
  const driver = guestDriverStep(spec)
  if (t.transport === 'pci') {
    const mdevType = `fusiond-${spec.kind}`
    const sysfsdev = `/sys/bus/mdev/devices/${t.mdevUuid}`
    const msix = spec.kind === 'virtio-net' ? 2 * q + 2 : q + 1
    const pci = {mdevUuid: t.mdevUuid, mdevType, sysfsdev, vendor: VIRTIO_PCI_VENDOR, device: VIRTIO_PCI_MODERN_BASE + id, classCode: PCI_CLASS[spec.kind], msixVectors: msix}
    return {
      device: {...base, pci},
      steps: [
        {component: 'vfio_fusiond', action: 'mdev create', detail: `${spec.name}: mdev_type ${mdevType}, uuid ${t.mdevUuid} → ${sysfsdev}`},
        {component: 'vfio_fusiond', action: 'PCI model', detail: `vendor ${hex(pci.vendor)} device ${hex(pci.device)} class 0x${pci.classCode.toString(16).padStart(4, '0')}, virtio modern capabilities (common, notify, ISR, device cfg) in BAR4, MSI-X ${msix} vectors`},
        {component: 'qemu', action: 'vfio-pci realize', detail: `${spec.name}: -device vfio-pci,sysfsdev=${sysfsdev}: VFIO_DEVICE_GET_INFO, regions, VFIO_DEVICE_SET_IRQS (MSI-X ${msix})`},
        driver,
      ],
    }
  }
  const ub = {guid: t.guid, eid: t.eid, classCode: UB_CLASS_VIRTIO, usiVectors: q + 1, controllerPort: t.controllerPort}
  return {
    device: {...base, ub},
    steps: [
      {component: 'vfio_fusiond', action: 'UB model', detail: `${spec.name}: entity ${t.guid}, class code 0x${ub.classCode.toString(16).padStart(4, "0")} (virtio), ${ub.usiVectors} USI vectors, 1 port, exposed through VFIO`},
      {component: 'qemu', action: 'vfio-ub realize', detail: `${spec.name}: -device vfio-ub,host=${t.guid},eid=${hex(t.eid)},port0=ubc.0:${t.controllerPort}: config space, EID, USI as for a passthrough UB device`},
      driver,
    ],
  }
}

function guestDriverStep(spec: FusionSpec): RealizeStep {
  const q = spec.queues
  if (spec.kind === 'virtio-blk') return {component: 'guest', action: 'virtio_blk probe', detail: `${spec.name}: num_queues ${q} (VIRTIO_BLK_F_MQ) → ${q}/0/0 default/read/poll queues`}
  if (spec.kind === 'virtio-net') return {component: 'guest', action: 'virtio_net probe', detail: `${spec.name}: max_virtqueue_pairs ${q} (VIRTIO_NET_F_MQ), VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET ${q}`}
  return {component: 'guest', action: 'virtio_scsi probe', detail: `${spec.name}: num_queues ${q} request queues + control + event`}
}
