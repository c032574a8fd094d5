// SVG line charts for reports (pool utilization over time, fusion per-member throughput): a Vega-Lite
// spec rendered headless by Vega. Both libraries are heavy, so they load only when a chart is drawn.

export interface ChartSeries {
  name: string
  /** [x, y] pairs in x order. */
  points: Array<[number, number]>
}

export interface ChartSpec {
  title: string
  xLabel: string
  yLabel: string
  series: ChartSeries[]
  /** Vertical markers (a fault, a restore), labelled at the top. */
  markers?: Array<{x: number; label: string}>
  width?: number
  height?: number
}

export async function lineChartSvg(chart: ChartSpec): Promise<string> {
  const [vega, {compile}] = await Promise.all([import('vega'), import('vega-lite')])
  const values = chart.series.flatMap((s) => s.points.map(([x, y]) => ({x, y, series: s.name})))
  const markers = chart.markers ?? []
  const x = {field: 'x', type: 'quantitative', title: chart.xLabel}
  const layers: unknown[] = [
    {
      data: {values},
      mark: {type: 'line', strokeWidth: 1.5},
      encoding: {x, y: {field: 'y', type: 'quantitative', title: chart.yLabel}, color: {field: 'series', type: 'nominal', title: null, sort: chart.series.map((s) => s.name)}},
    },
  ]
  if (markers.length > 0)
    layers.push(
      {data: {values: markers}, mark: {type: 'rule', strokeDash: [4, 3], color: '#c00'}, encoding: {x}},
      {data: {values: markers}, mark: {type: 'text', align: 'left', dx: 3, dy: -4, baseline: 'bottom', color: '#c00'}, encoding: {x, y: {value: 0}, text: {field: 'label'}}},
    )
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: chart.title,
    width: chart.width ?? 720,
    height: chart.height ?? 260,
    layer: layers,
  }
  const view = new vega.View(vega.parse(compile(spec as never).spec), {renderer: 'none'})
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
