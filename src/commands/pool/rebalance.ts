import * as Flags from '@oclif/core/flags'

import {PoolCommand} from '../../cli/pool-command.js'

export default class PoolRebalance extends PoolCommand {
  static override summary = 'Even out load across cards (M:N): move slices off cards above the high watermark, with hysteresis'
  static override description =
    'A card above --high sheds its heaviest slices to cards that stay at or below --target after the move; a slice ' +
    'moved less than --cooldown ago stays; a move must gain at least --min-gain points. Draining cards are emptied. ' +
    'Running domains see a hot-unplug and hot-plug of the moved device. Every move is printed with its reason. ' +
    '--json: {moves: [{from, to, fromGuid, toGuid, fromCard, toCard, owner, bandwidthMbps, queues, reason}], stuck, rehomed, dryRun}.'
  static override examples = ['<%= config.bin %> pool rebalance --dry-run', '<%= config.bin %> pool rebalance --high 0.85 --target 0.6']
  static override flags = {
    ...PoolCommand.flags,
    'dry-run': Flags.boolean({summary: 'show the moves, change nothing'}),
    high: Flags.string({summary: 'high watermark, fraction of a card’s bandwidth', default: '0.8'}),
    target: Flags.string({summary: 'a destination stays at or below this fraction', default: '0.65'}),
    cooldown: Flags.integer({summary: 'minutes before a moved slice may move again', default: 60}),
    'min-gain': Flags.integer({summary: 'percentage points a move must take off its card', default: 5}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolRebalance)
    const [{movesText}, {parseFraction}] = await Promise.all([import('../../cli/pool-report.js'), import('../../cli/pool-args.js')])
    const policy = {high: parseFraction('--high', flags.high), target: parseFraction('--target', flags.target), cooldownMs: flags.cooldown * 60_000, minGainPct: flags['min-gain']}
    const r = await (await this.openPool(flags)).rebalance({dryRun: flags['dry-run'], now: Date.now(), policy})
    const lines = [r.moves.length === 0 ? 'no move needed' : `${r.dryRun ? 'would move' : 'moved'} ${r.moves.length} slice(s):\n${movesText(r.moves)}`]
    for (const s of r.stuck) lines.push(`${s.card} stays at ${Math.round(s.utilization * 100)}%: ${s.why}`)
    for (const h of r.rehomed) lines.push(`${h.vm}/${h.device}: re-homed in the guest in ${h.us} µs (model)`)
    this.say(lines.join('\n'))
    return r
  }
}
