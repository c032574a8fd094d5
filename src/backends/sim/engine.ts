// What the embedded backend's verbs need beyond the store: definitions, the renderer, the simulator and the
// pool. Loaded on first use (backend.ts), so list and the other verbs that only read the store do not pay
// for loading them at startup.
export {pinEids} from '../../definition/eids.js'
export {normalize} from '../../definition/normalize.js'
export {definitionToYaml} from '../../definition/to-yaml.js'
export {renderDomain} from '../../xml/render.js'
export {attachScope} from '../attach-flags.js'
export {deviceLabel, withDevice, withoutDevice} from '../devices.js'
export {lineDiff} from '../diff.js'
export {resetDevice} from '../../sim/vm/index.js'
export {changeLive, initialHost, startVm, stopVm} from './hook.js'
export {embeddedLedger} from './ledger-access.js'
export {allocateForAttach, allocateForStart, releaseFor} from './pool.js'
