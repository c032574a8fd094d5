import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolFail extends PoolCommand {
  static override summary = 'Mark a card failed (N-1): list the affected VMs, re-home their slices where capacity allows'
  static override description =
    'Slices that find no room stay on the failed card, still held (their VM runs degraded until restore). Nothing ' +
    'on any other card changes. The report gives detection time (health poll + down delay, a model) and re-homing ' +
    'time (the simulated hot-unplug and hot-plug of each moved device). --json: {card, affected, moves, untouched, ' +
    'detectMs, rehomed, rehomeUs}.'
  static override examples = ['<%= config.bin %> pool fail pool-dpu-1', '<%= config.bin %> pool fail pool-dpu-1 --poll-ms 50']
  static override args = {card: Args.string({description: 'card id', required: true})}
  static override flags = {
    ...PoolCommand.flags,
    'poll-ms': Flags.integer({summary: 'health poll interval of the detection model', default: 100}),
    'down-delay-ms': Flags.integer({summary: 'time a card must stay down before it is declared failed', default: 0}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PoolFail)
    const r = await (await this.openPool(flags)).fail(args.card, {now: Date.now(), pollMs: flags['poll-ms'], downDelayMs: flags['down-delay-ms']})
    const lines = [`${r.card} failed: ${r.affected.length} held slice(s) affected, ${r.untouched} held slice(s) on other cards untouched`]
    for (const a of r.affected) lines.push(`  ${a.label}: ${a.outcome === 'rehomed' ? `re-homed ${a.slice} → ${a.to}` : `stranded on ${a.slice}: ${a.why}`}`)
    lines.push(`detection ${r.detectMs} ms (model: poll ${flags['poll-ms']} ms + down delay ${flags['down-delay-ms']} ms); re-homing ${(r.rehomeUs / 1000).toFixed(2)} ms (simulated guest hot-unplug + hot-plug, domains in parallel)`)
    this.say(lines.join('\n'))
    return r
  }
}
