// UBPRM, the pooled device manager, as a pure model: ledger, pool messages, placement, UBSE-shaped allocation,
// re-homing, load-driven rebalancing, failover, reconciliation, and where the ledger is stored. The simulation of
// what pooling buys is in ./simulate.
export * from './alloc.js'
export * from './domain.js'
export * from './entity-reg.js'
export * from './errors.js'
export * from './failover.js'
export * from './ledger.js'
export * from './ledger-store.js'
export * from './move.js'
export * from './placement.js'
export * from './rebalance.js'
export * from './reconcile.js'
