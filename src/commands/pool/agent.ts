import {PoolCommand, ttlFlag} from '../../cli/pool-command.js'

export default class PoolAgent extends PoolCommand {
  static override summary = 'Keep this host\'s lease alive and re-home the slices of hosts whose lease expires (foreground; SIGTERM/SIGINT stop it)'
  static override description =
    'Joins (or takes over the lease of `pool join`), keeps the lease alive, and watches the other hosts. When a host\'s ' +
    'lease expires its bus instances are marked orphaned by exactly one agent (compare-and-swap) and adopted by it: ' +
    'detection time (since the lost host\'s last keepalive) and re-homing time are printed next to UBSE\'s ~6 s. ' +
    'Suitable for a systemd unit (Type=simple). --json: one JSON object per event and line.'
  static override examples = ['<%= config.bin %> pool agent --pool etcd://10.0.0.1:2379 --host-id node1 --ttl 3']
  static override flags = {...PoolCommand.flags, ttl: ttlFlag}

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolAgent)
    const [{agentLine}, {printData}] = await Promise.all([import('../../cli/pool-shared-report.js'), import('../../cli/output.js')])
    const pool = await this.openEtcd(flags)
    const stop = new AbortController()
    const onSignal = () => stop.abort()
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
    try {
      await pool.agent(flags.ttl, (e) => (this.jsonEnabled() ? printData(JSON.stringify({t: Date.now(), ...e})) : this.say(agentLine(e))), stop.signal)
    } finally {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    }
    return undefined
  }
}
