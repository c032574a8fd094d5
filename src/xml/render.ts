// renderDomain: one normalized VM → libvirt domain XML in one of three targets. Deterministic.
import type {UbVm} from '../definition/normalize.js'
import {serialize} from './serialize.js'
import {assembleDomain, type TargetParts} from './targets/domain.js'
import {openeulerParts} from './targets/openeuler.js'
import {ubmgrParts} from './targets/ubmgr.js'
import {upstreamParts} from './targets/upstream.js'

export const TARGETS = ['ubmgr', 'openeuler', 'upstream'] as const
export type RenderTarget = (typeof TARGETS)[number]

export function targetParts(vm: UbVm, target: RenderTarget, warnings: string[] = []): TargetParts {
  if (target === 'openeuler') return openeulerParts(vm, warnings)
  if (target === 'upstream') return upstreamParts(vm, warnings)
  return ubmgrParts(vm)
}

export function renderDomain(vm: UbVm, target: RenderTarget): {xml: string; warnings: string[]} {
  const warnings: string[] = []
  const xml = serialize(assembleDomain(vm, targetParts(vm, target, warnings)))
  return {xml, warnings}
}
