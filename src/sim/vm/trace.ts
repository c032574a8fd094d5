import {rng} from '../rng.js'

// The walk's trace: events with simulated microseconds. The cost model below is a MODEL, not a
// measurement: round per-step costs chosen so that the relative weight of steps is plausible (an ioctl
// ~10 µs, a config message through the msgq ~5 µs, an iommufd HWPT allocation ~50 µs, QEMU realize of a
// vfio-ub device ~300 µs). A seed adds ±10% jitter so traces differ between seeds and repeat for one.

export interface TraceEvent {
  seq: number
  t_us: number
  phase: string
  component: string
  action: string
  detail: string
}

export const COST_US = {
  sysfs: 5,
  ioctl: 10,
  hwpt: 50,
  realize: 300,
  firmware: 20,
  msg: 5,
  cfg: 2,
  mmio: 1,
  cmd: 3,
  route: 15,
  dma: 4,
  hotplug: 1000,
  reset: 200,
} as const

export type CostKind = keyof typeof COST_US

export class Trace {
  readonly events: TraceEvent[] = []
  private random: () => number
  constructor(
    public t_us = 0,
    seed = 1,
  ) {
    this.random = rng(seed)
  }

  emit(phase: string, component: string, action: string, detail: string, cost: CostKind): void {
    this.t_us += Math.round(COST_US[cost] * (0.9 + 0.2 * this.random()))
    this.events.push({seq: this.events.length + 1, t_us: this.t_us, phase, component, action, detail})
  }
}
