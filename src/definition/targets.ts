// The three XML forms ubmgr renders. Each target may add its own limits to the common rules
// (rules/targets.ts): what the consumer of that form refuses.
export const TARGETS = ['ubmgr', 'openeuler', 'upstream'] as const
export type Target = (typeof TARGETS)[number]
