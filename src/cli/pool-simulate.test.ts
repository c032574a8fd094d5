// The pool simulation's chart: well-formed SVG with one line per strategy.
import {XMLValidator} from 'fast-xml-parser'
import {describe, expect, it} from 'vitest'

import {simulate} from '../pool/simulate/index.js'
import {syntheticTrace} from '../pool/simulate/trace.js'
import {targets, utilizationChart} from './pool-simulate.js'

describe('pool simulate output', () => {
  it('the chart is well-formed SVG with the four series, each drawn as a line', async () => {
    const r = simulate(syntheticTrace({servers: 20, vms: 200, days: 1}), {points: 50})
    const svg = await utilizationChart(r)
    expect(XMLValidator.validate(svg)).toBe(true)
    for (const name of [`fixed per-server (${r.fixed.cards} cards)`, `pooled at peak (${r.peak.cards} cards)`, `ubmgr load-driven (${r.dynamic.cards} cards)`, `offline optimum (${r.oracle.cards} cards)`]) expect(svg).toContain(name)
    // Vega draws each series as one line-mark path
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(4)
  })

  it('the targets say which are met, with the figures', () => {
    const r = simulate(syntheticTrace({servers: 20, vms: 200, days: 1}))
    const t = targets(r, 1.5)
    expect(t.map((x) => x.target)).toEqual(['≥ 3×', '≤ 1%', '≤ 1.10', '≤ 1', '< 20%', '20–30%', '≤ 30 s'])
    expect(t[6]).toMatchObject({value: '1.5 s', met: true})
    expect(t[2].value).toBe(`${r.dynamic.cards} / ${r.oracle.cards} = ${(r.dynamic.cards / r.oracle.cards).toFixed(3)}`)
  })
})
