import {XMLValidator} from 'fast-xml-parser'
import {describe, expect, it} from 'vitest'

import {lineChartSvg} from './chart.js'

describe('lineChartSvg', () => {
  it('draws every series and marker into well-formed SVG', async () => {
    const svg = await lineChartSvg({
      title: 'utilization',
      xLabel: 'hour',
      yLabel: '%',
      series: [
        {name: 'fixed', points: [[0, 10], [1, 12]]},
        {name: 'dynamic', points: [[0, 40], [1, 55]]},
      ],
      markers: [{x: 0.5, label: 'card-3 failed'}],
    })
    expect(svg.startsWith('<svg')).toBe(true)
    expect(XMLValidator.validate(svg)).toBe(true)
    for (const text of ['fixed', 'dynamic', 'card-3 failed', 'utilization']) expect(svg).toContain(text)
  })
})
