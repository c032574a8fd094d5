// The VM side of the simulator: boot walk, hot-plug, reset, teardown.
export {bootVm, type BootResult, type GuestDevice, type GuestState} from './walk.js'
export {changeFusionMembers, hotplugDevice, resetDevice, teardownVm, unplugDevice, type ChangeResult} from './lifecycle.js'
export {type TraceEvent, COST_US} from './trace.js'
