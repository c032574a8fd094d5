// The pool verbs' common part: -c (the embedded store the pool lives in) and opening it.
import {UbmgrError} from '../ground/errors.js'
import {PoolError} from '../pool/errors.js'
import type {EmbeddedPool} from '../backends/sim/pool-verbs.js'
import {UbmgrCommand} from './command.js'
import {connectFlag} from './flags.js'

export abstract class PoolCommand extends UbmgrCommand {
  static override flags = {connect: connectFlag}

  protected async openPool(connect: string | undefined): Promise<EmbeddedPool> {
    const [{resolveUri, backendKind, simStoreName}, {EmbeddedStore}, {EmbeddedPool}] = await Promise.all([
      import('../backends/uri.js'),
      import('../backends/sim/store.js'),
      import('../backends/sim/pool-verbs.js'),
    ])
    const uri = resolveUri(connect)
    if (backendKind(uri) !== 'sim') throw new UbmgrError(`error: the pool (UBPRM) lives in ubmgr's embedded store: use -c sim:///NAME, not ${uri}`)
    return new EmbeddedPool(new EmbeddedStore(simStoreName(uri)))
  }

  /** A pool refusal as an error of this command (other errors pass through). */
  protected poolError(error: unknown): unknown {
    return error instanceof PoolError ? new UbmgrError([`error: ${error.message}`, ...error.hints.map((h) => `hint: ${h}`)]) : error
  }
}
