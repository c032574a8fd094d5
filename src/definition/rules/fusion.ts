// Fusion (aggregation) rules. No public source describes FusionD (ub-stack.md §9); these follow the talk
// (AA/AP modes, slices on different cards) and are ubmgr's policy, not openEuler's.
import {list, type RuleProblem, str} from './problem.js'
import {obj} from './problem.js'

export function fusionRules(def: Record<string, unknown>): RuleProblem[] {
  const out: RuleProblem[] = []
  list(obj(def.ub)?.fusion).forEach((f, i) => {
    const at = `/ub/fusion/${i}`
    const members = list(f.members)
    const mode = str(f.mode)
    if (members.length === 1)
      out.push({pointer: `${at}/members`, rule: 'fusion-members', message: 'a fusion device needs at least 2 members (slices on different cards)'})
    if (mode === 'active-passive') {
      const primaries = members.map((m, j) => (m.role === 'primary' ? j : -1)).filter((j) => j >= 0)
      if (primaries.length === 0) out.push({pointer: `${at}/members`, rule: 'fusion-primary', message: 'active-passive needs exactly one member with role: primary (none has it)'})
      for (const j of primaries.slice(1))
        out.push({pointer: `${at}/members/${j}/role`, rule: 'fusion-primary', message: `active-passive needs exactly one primary; member ${primaries[0]} is already primary`})
    } else if (mode === 'active-active') {
      members.forEach((m, j) => {
        if (m.role !== undefined)
          out.push({pointer: `${at}/members/${j}/role`, key: true, rule: 'fusion-role', message: 'role applies to active-passive only; in active-active every member is active'})
      })
    }
    const cards = new Map<string, number>()
    members.forEach((m, j) => {
      const card = str(m.card) ?? str(obj(m.host)?.guid)?.toLowerCase()
      if (!card) return
      const first = cards.get(card)
      if (first !== undefined)
        out.push({pointer: `${at}/members/${j}${m.card ? '/card' : '/host/guid'}`, rule: 'fusion-cards', message: `member ${j} is on card ${card}, like member ${first}: members must be on distinct cards`, hint: 'two slices of one card give no protection against that card failing'})
      else cards.set(card, j)
      if (m.weight !== undefined && f.policy !== 'weighted')
        out.push({pointer: `${at}/members/${j}/weight`, key: true, rule: 'fusion-weight', message: `weight applies to policy weighted only (policy is ${str(f.policy) ?? 'round-robin'})`})
    })
    if (f.mac !== undefined && f.kind !== 'virtio-net') out.push({pointer: `${at}/mac`, key: true, rule: 'fusion-field', message: `mac applies to virtio-net only (kind is ${str(f.kind)})`})
    const transport = str(f.transport) ?? 'pci'
    for (const field of ['eid', 'guid'])
      if (f[field] !== undefined && transport !== 'ub') out.push({pointer: `${at}/${field}`, key: true, rule: 'fusion-field', message: `${field} applies to transport ub only (transport is ${transport})`})
    if (f.mdevUuid !== undefined && transport !== 'pci') out.push({pointer: `${at}/mdevUuid`, key: true, rule: 'fusion-field', message: `mdevUuid applies to transport pci only (transport is ${transport})`})
    const offered = members.map((m) => m.queues)
    if (typeof f.queues === 'number' && offered.length > 0 && offered.every((q) => typeof q === 'number')) {
      const sum = (offered as number[]).reduce((a, b) => a + b, 0)
      const need = mode === 'active-passive' ? (offered as number[]).reduce((a, b) => Math.max(a, b), 0) : sum
      if (f.queues > need)
        out.push({pointer: `${at}/queues`, rule: 'fusion-queues', message: `${f.queues} queues exceed what the members offer (${need}${mode === 'active-passive' ? ', the largest member' : ''})`})
    }
  })
  return out
}
