// The pool verbs' common part: -c (the embedded store the pool lives in), --pool (where the ledger lives: the
// embedded store, or etcd shared by a whole super-node) with its TLS/auth/timeout flags, and opening it.
import * as Flags from '@oclif/core/flags'

import {UbmgrError} from '../ground/errors.js'
import {PoolError} from '../pool/errors.js'
import type {EmbeddedPool} from '../backends/sim/pool-verbs.js'
import type {SharedPool} from '../backends/sim/shared-pool.js'
import {UbmgrCommand} from './command.js'
import {connectFlag} from './flags.js'

export const poolFlags = {
  connect: connectFlag,
  pool: Flags.string({
    summary: 'Where the ledger lives: embedded (default, in the -c store) or etcd://HOST:PORT[,HOST:PORT…][/prefix], shared by every host.',
    env: 'UBMGR_POOL',
    helpGroup: 'POOL',
  }),
  'host-id': Flags.string({summary: 'This host in a shared (etcd) pool (default: $UBMGR_HOST_ID, else the host name).', env: 'UBMGR_HOST_ID', helpGroup: 'POOL'}),
  'etcd-cacert': Flags.string({summary: 'CA certificate (PEM) of etcd: TLS.', helpGroup: 'POOL'}),
  'etcd-cert': Flags.string({summary: 'client certificate (PEM) for etcd.', helpGroup: 'POOL'}),
  'etcd-key': Flags.string({summary: 'client key (PEM) for etcd.', helpGroup: 'POOL'}),
  'etcd-user': Flags.string({summary: 'etcd user; the password comes from $UBMGR_ETCD_PASSWORD.', helpGroup: 'POOL'}),
  'etcd-timeout': Flags.integer({summary: 'ms before an unreachable etcd fails the command.', default: 3000, min: 100, helpGroup: 'POOL'}),
}

/** The lease of a host in a shared pool (pool join, pool agent). */
export const ttlFlag = Flags.integer({summary: 'lease TTL in seconds', default: 6, min: 2})

export interface PoolFlagValues {
  connect?: string
  pool?: string
  'host-id'?: string
  'etcd-cacert'?: string
  'etcd-cert'?: string
  'etcd-key'?: string
  'etcd-user'?: string
  'etcd-timeout': number
}

export abstract class PoolCommand extends UbmgrCommand {
  static override flags = poolFlags
  private shared?: SharedPool

  protected async openPool(flags: PoolFlagValues): Promise<EmbeddedPool | SharedPool> {
    const [{resolveUri, backendKind, simStoreName}, {EmbeddedStore}] = await Promise.all([import('../backends/uri.js'), import('../backends/sim/store.js')])
    const uri = resolveUri(flags.connect)
    if (backendKind(uri) !== 'sim') throw new UbmgrError(`error: the pool (UBPRM) lives in ubmgr's embedded store: use -c sim:///NAME, not ${uri}`)
    const store = new EmbeddedStore(simStoreName(uri))
    if (!flags.pool || flags.pool === 'embedded') {
      const {EmbeddedPool} = await import('../backends/sim/pool-verbs.js')
      return new EmbeddedPool(store)
    }
    return (this.shared = await this.openShared(flags, store))
  }

  /** The shared pool, or a usage error when --pool is not etcd. */
  protected async openEtcd(flags: PoolFlagValues): Promise<SharedPool> {
    const pool = await this.openPool(flags)
    if (!('etcd' in pool)) throw new UbmgrError('error: this verb needs a shared ledger: --pool etcd://HOST:PORT (or $UBMGR_POOL)', 2)
    return pool
  }

  private async openShared(flags: PoolFlagValues, store: import('../backends/sim/store.js').EmbeddedStore): Promise<SharedPool> {
    const [{openEtcd}, {SharedPool}] = await Promise.all([import('../backends/sim/open-etcd.js'), import('../backends/sim/shared-pool.js')])
    if (flags['etcd-user'] && process.env.UBMGR_ETCD_PASSWORD === undefined) throw new UbmgrError('error: --etcd-user needs the password in $UBMGR_ETCD_PASSWORD', 2)
    if ((flags['etcd-cert'] || flags['etcd-key']) && !flags['etcd-cacert']) throw new UbmgrError('error: --etcd-cert and --etcd-key need --etcd-cacert (TLS)', 2)
    const {etcd, hostId} = await openEtcd({
      pool: flags.pool!,
      hostId: flags['host-id'],
      cacert: flags['etcd-cacert'],
      cert: flags['etcd-cert'],
      key: flags['etcd-key'],
      user: flags['etcd-user'],
      timeoutMs: flags['etcd-timeout'],
    })
    return new SharedPool(store, etcd, hostId)
  }

  /** A pool refusal as an error of this command (other errors pass through). */
  protected poolError(error: unknown): unknown {
    return error instanceof PoolError ? new UbmgrError([`error: ${error.message}`, ...error.hints.map((h) => `hint: ${h}`)]) : error
  }

  /** etcd's grpc channels would keep the process alive: close them however the command ended. */
  protected override async finally(err: Error | undefined): Promise<unknown> {
    this.shared?.close()
    return super.finally(err)
  }
}
