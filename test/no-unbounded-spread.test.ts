// A lint: no call spreads an array into its arguments (`Math.max(...rows)`, `list.push(...items)`, `f(...xs)`).
// V8 passes spread arguments on the stack, so an array of a few hundred thousand elements throws RangeError
// (devicesTable did at 262k rows). Array literals (`f(...[a, b])`) are bounded and allowed.
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import ts from 'typescript'
import {describe, expect, it} from 'vitest'

function sources(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

export function spreadCalls(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const hits: string[] = []
  const visit = (node: ts.Node) => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments)
      for (const arg of node.arguments)
        if (ts.isSpreadElement(arg) && !ts.isArrayLiteralExpression(arg.expression)) {
          const {line} = sf.getLineAndCharacterOfPosition(arg.getStart())
          hits.push(`${file}:${line + 1}: ${node.getText().split('\n')[0].slice(0, 80)}`)
        }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return hits
}

describe('no spread of unbounded arrays into calls', () => {
  it('the check finds the patterns it is meant to find', () => {
    expect(spreadCalls('x.ts', 'Math.max(...rows.map((r) => r.length)); out.push(...more); f(...[1, 2]); new Set([...a])')).toEqual([
      'x.ts:1: Math.max(...rows.map((r) => r.length))',
      'x.ts:1: out.push(...more)',
    ])
  })
  it('src/ has none', () => {
    expect(sources('src').flatMap((f) => spreadCalls(f, readFileSync(f, 'utf8')))).toEqual([])
  })
})
