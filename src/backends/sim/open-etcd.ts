// The shared (etcd) ledger from its settings: the pool verbs' flags, or, for the life-cycle verbs, the same
// settings from the environment ($UBMGR_POOL, $UBMGR_HOST_ID, $UBMGR_ETCD_CACERT/CERT/KEY/USER/PASSWORD,
// $UBMGR_ETCD_TIMEOUT) so that start, destroy and attach-device allocate from the super-node's pool too.
import {readFile} from 'node:fs/promises'
import {hostname} from 'node:os'

import {UbmgrError} from '../../ground/errors.js'
import type {EtcdOptions} from '../../pool/etcd-ledger.js'

export interface EtcdSettings {
  pool: string
  hostId?: string
  cacert?: string
  cert?: string
  key?: string
  user?: string
  timeoutMs: number
}

export const settingsFromEnv = (env: NodeJS.ProcessEnv = process.env): EtcdSettings | undefined =>
  env.UBMGR_POOL && env.UBMGR_POOL !== 'embedded'
    ? {
        pool: env.UBMGR_POOL,
        hostId: env.UBMGR_HOST_ID,
        cacert: env.UBMGR_ETCD_CACERT,
        cert: env.UBMGR_ETCD_CERT,
        key: env.UBMGR_ETCD_KEY,
        user: env.UBMGR_ETCD_USER,
        timeoutMs: Number(env.UBMGR_ETCD_TIMEOUT) || 3000,
      }
    : undefined

export async function openEtcd(s: EtcdSettings): Promise<{etcd: import('../../pool/etcd-ledger.js').EtcdLedger; hostId: string}> {
  const [{parseEtcdUri, EtcdLedger}, {checkHostId}] = await Promise.all([import('../../pool/etcd-ledger.js'), import('../../pool/etcd-hosts.js')])
  const target = parseEtcdUri(s.pool)
  const hostId = checkHostId(s.hostId ?? hostname().split('.')[0])
  const read = async (what: string, path: string | undefined) => {
    if (path === undefined) return undefined
    try {
      return await readFile(path)
    } catch (error) {
      throw new UbmgrError(`error: ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
  const options: EtcdOptions = {...target, timeoutMs: s.timeoutMs}
  const [ca, cert, key] = await Promise.all([read('etcd CA certificate', s.cacert), read('etcd client certificate', s.cert), read('etcd client key', s.key)])
  if ((cert || key) && !ca) throw new UbmgrError('error: an etcd client certificate and key need the etcd CA certificate (TLS)', 2)
  if (ca) {
    options.tls = {ca, ...(cert ? {cert} : {}), ...(key ? {key} : {})}
    // grpc-js passes an IP endpoint as the TLS server name, which Node reports on stderr as a deprecation (DEP0123):
    // not the user's problem, and it would break the one-line error rule
    process.noDeprecation = true
  }
  if (s.user) {
    const password = process.env.UBMGR_ETCD_PASSWORD
    if (password === undefined) throw new UbmgrError('error: an etcd user needs the password in $UBMGR_ETCD_PASSWORD', 2)
    options.auth = {username: s.user, password}
  }
  return {etcd: await EtcdLedger.open(options), hostId}
}
