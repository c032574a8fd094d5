import {PoolCommand, ttlFlag} from '../../cli/pool-command.js'

export default class PoolJoin extends PoolCommand {
  static override summary = 'Register this host in a shared (etcd) pool under a lease of --ttl seconds'
  static override description =
    'The key <prefix>/hosts/<id> lives as long as its lease: run `pool agent` to keep it alive. Without an agent the ' +
    'lease expires after --ttl and the agents of the other hosts re-home this host\'s bus instances. ' +
    '--json: {host, ttl, lease, joinedAt, beat}.'
  static override examples = ['<%= config.bin %> pool join --pool etcd://10.0.0.1:2379 --host-id node1 --ttl 6']
  static override flags = {...PoolCommand.flags, ttl: ttlFlag}

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PoolJoin)
    const {joinHost} = await import('../../pool/etcd-hosts.js')
    const pool = await this.openEtcd(flags)
    const r = await joinHost(pool.etcd, pool.hostId, flags.ttl)
    this.say(`${r.host} joined ${flags.pool}: lease ${r.lease}, ttl ${r.ttl} s (pool agent --host-id ${r.host} keeps it alive)`)
    return r
  }
}
