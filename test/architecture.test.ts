/**
 * The architecture, checked: every import under src/ against the floors of
 * docs/architecture.md (a room imports its own files and rooms on lower
 * floors only), no import cycles, the browser entry free of Node built-ins
 * and of the trainer, the command line reaching the library only through the
 * public entry points, the library never printing or exiting, and the size
 * budget (files and functions short enough to read at once).
 *
 * Every check is a pure function of the sources, so the negative controls
 * below can feed it a deliberate violation and see it fail.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'src');
/** AssemblyScript (compiled to WebAssembly, imports nothing of ours) and build output */
const SKIP = [join(SRC, 'kernels/wasm/assembly'), join(SRC, 'kernels/wasm/generated.ts')];
const MAX_FILE_LINES = 450;
const MAX_FUNCTION_LINES = 80;

type Sources = Map<string, string>; // path relative to the repository → text

function readSources(): Sources {
  const out: Sources = new Map();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (SKIP.some((s) => p.startsWith(s))) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) out.set(relative(ROOT, p), readFileSync(p, 'utf8'));
    }
  };
  walk(SRC);
  return out;
}

/** floor of each room, from the ```floors block of docs/architecture.md */
export function parseFloors(doc: string): Map<string, number> {
  const block = /```floors\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/architecture.md has no ```floors block');
  const floors = new Map<string, number>();
  for (const line of block[1].split('\n')) {
    const m = /^(\d+):\s*(.+)$/.exec(line.trim());
    if (m) for (const room of m[2].split(/\s+/)) floors.set(room, Number(m[1]));
  }
  return floors;
}

/** The room of a file: its folder under src/, or "entries" for src/index.ts and src/inference.ts. */
function roomOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 2 ? 'entries' : parts[1];
}

interface Import {
  from: string;
  /** the specifier as written */
  spec: string;
  /** the file it names (relative to the repository), for relative specifiers */
  to: string | null;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    const to = spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec.replace(/\.js$/, '.ts'))) : null;
    out.push({ from: file, spec, to });
  }
  return out;
}

export function checkImports(sources: Sources, floors: Map<string, number>): string[] {
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const room = roomOf(file);
    const floor = floors.get(room);
    if (floor === undefined) {
      problems.push(`${file}: room "${room}" is not on any floor of docs/architecture.md; add it there`);
      continue;
    }
    const edges: string[] = [];
    for (const imp of importsOf(file, text)) {
      if (imp.to === null) {
        if (room !== 'cli' && /^(commander|chalk|ora)$/.test(imp.spec)) problems.push(`${file} imports ${imp.spec}: only the command line (src/cli) may`);
        continue;
      }
      if (!sources.has(imp.to)) {
        if (!SKIP.some((s) => join(ROOT, imp.to!).startsWith(s))) problems.push(`${file} imports ${imp.spec}, which is not a file under src/`);
        continue;
      }
      edges.push(imp.to);
      const toRoom = roomOf(imp.to);
      if (toRoom === room) continue;
      const toFloor = floors.get(toRoom)!;
      if (room === 'cli') {
        if (toRoom !== 'entries') problems.push(`${file} (cli) imports ${imp.to}: the command line reaches the library only through src/index.ts and src/inference.ts`);
        continue;
      }
      if (toFloor >= floor) {
        problems.push(
          `${file} (${room}, floor ${floor}) imports ${imp.to} (${toRoom}, floor ${toFloor}): ` +
            `${toFloor > floor ? 'an arrow up a floor' : 'a sideways arrow between rooms on one floor'}; move the shared part down`,
        );
      }
    }
    graph.set(file, edges);
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  return problems;
}

/** Strongly connected components with more than one file (or a file importing itself), as readable cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>(), stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push([...comp.reverse(), comp[0]]);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** Everything `entry` reaches through its imports; problems if that includes Node built-ins or the trainer. */
export function checkBrowserEntry(sources: Sources, entry = 'src/inference.ts'): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const via = new Map<string, string>();
  const todo = [entry];
  const path = (f: string): string => {
    const chain = [f];
    while (via.has(chain[0])) chain.unshift(via.get(chain[0])!);
    return chain.join(' → ');
  };
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.startsWith('src/train/')) problems.push(`the browser entry reaches the trainer: ${path(f)}`);
    if (f.startsWith('src/node/')) problems.push(`the browser entry reaches Node-only code: ${path(f)}`);
    for (const imp of importsOf(f, sources.get(f) ?? '')) {
      if (imp.to === null) {
        if (imp.spec.startsWith('node:') || /^(fs|path|os|worker_threads|child_process|crypto|v8|url|util)$/.test(imp.spec)) {
          problems.push(`the browser entry reaches the Node built-in ${imp.spec}: ${path(f)}`);
        }
        continue;
      }
      if (sources.has(imp.to) && !seen.has(imp.to)) {
        if (!via.has(imp.to)) via.set(imp.to, f);
        todo.push(imp.to);
      }
    }
  }
  return problems;
}

/** The library never prints or exits: only src/cli touches the process's output and exit. */
export function checkNoPrinting(sources: Sources): string[] {
  const problems: string[] = [];
  for (const [file, text] of sources) {
    if (roomOf(file) === 'cli') continue;
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const what of ['console.', 'process.exit', 'process.stdout', 'process.stderr']) {
      if (code.includes(what)) problems.push(`${file} uses ${what}: the library never prints or exits; throw a RecurError or emit an event`);
    }
  }
  return problems;
}

export interface Sized {
  name: string;
  lines: number;
}

/** Every function, method, constructor and arrow function with its length in lines (nested ones counted in their parent too). */
export function functionLengths(sources: Sources): Sized[] {
  const out: Sized[] = [];
  for (const [file, text] of sources) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (n: ts.Node, owner: string): void => {
      let name = owner;
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const id = (n as ts.FunctionLikeDeclaration).name;
        name = `${file}:${id ? id.getText(sf) : `${owner.split(':').pop()}/<fn>`}`;
        const a = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line, b = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
        out.push({ name: `${name} (line ${a + 1})`, lines: b - a + 1 });
      } else if (ts.isClassDeclaration(n) && n.name) name = `${file}:${n.name.text}`;
      ts.forEachChild(n, (c) => visit(c, name));
    };
    visit(sf, file);
  }
  return out.sort((x, y) => y.lines - x.lines);
}

const sources = readSources();
const floors = parseFloors(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));

describe('architecture', () => {
  it('every import points down a floor (or stays in its room), with no cycles', () => {
    expect(checkImports(sources, floors)).toEqual([]);
  });

  it('the browser entry reaches neither Node built-ins nor the trainer', () => {
    expect(checkBrowserEntry(sources)).toEqual([]);
  });

  it('the library never prints or exits', () => {
    expect(checkNoPrinting(sources)).toEqual([]);
  });

  it(`files stay under ${MAX_FILE_LINES} lines and functions under ${MAX_FUNCTION_LINES}`, () => {
    const longFiles = [...sources].map(([f, t]) => ({ name: f, lines: t.split('\n').length })).filter((f) => f.lines > MAX_FILE_LINES);
    expect(longFiles).toEqual([]);
    expect(functionLengths(sources).filter((f) => f.lines > MAX_FUNCTION_LINES)).toEqual([]);
  });

  describe('negative controls: each check fails on a deliberate violation', () => {
    const withFile = (file: string, text: string): Sources => new Map([...sources, [file, text]]);

    it('an upward import', () => {
      const vocab = sources.get('src/data/vocab.ts')!;
      const bad = withFile('src/data/vocab.ts', `import { Network } from '../nn/network.js';\n${vocab}`);
      expect(checkImports(bad, floors)).toEqual([
        'src/data/vocab.ts (data, floor 1) imports src/nn/network.ts (nn, floor 2): an arrow up a floor; move the shared part down',
      ]);
    });

    it('a sideways import between rooms of one floor', () => {
      const bad = withFile('src/train/clip.ts', `import { sampleOne } from '../infer/sample.js';\n${sources.get('src/train/clip.ts')}`);
      expect(checkImports(bad, floors).join('\n')).toContain('a sideways arrow between rooms on one floor');
    });

    it('an import cycle inside a room', () => {
      const bad = withFile('src/core/heap.ts', `import { Rng } from './rng.js';\n${sources.get('src/core/heap.ts')}`);
      const bad2 = new Map([...bad, ['src/core/rng.ts', `import { HeapPlan } from './heap.js';\n${sources.get('src/core/rng.ts')}`]]);
      expect(checkImports(bad2, floors).join('\n')).toMatch(/import cycle: src\/core\/(heap|rng)\.ts → src\/core\/(rng|heap)\.ts → /);
    });

    it('the command line reaching an internal module', () => {
      const bad = withFile('src/cli/extra.ts', `import { Network } from '../nn/network.js';\n`);
      expect(checkImports(bad, floors)).toEqual([
        'src/cli/extra.ts (cli) imports src/nn/network.ts: the command line reaches the library only through src/index.ts and src/inference.ts',
      ]);
    });

    it('the browser entry reaching node: or the trainer', () => {
      const bad = withFile('src/infer/extra.ts', `import { readFileSync } from 'node:fs';\nimport { train } from '../train/trainer.js';\n`);
      const bad2 = new Map([...bad, ['src/inference.ts', `${sources.get('src/inference.ts')}\nexport * from './infer/extra.js';\n`]]);
      const problems = checkBrowserEntry(bad2);
      expect(problems).toContain('the browser entry reaches the Node built-in node:fs: src/inference.ts → src/infer/extra.ts');
      expect(problems.some((p) => p.startsWith('the browser entry reaches the trainer: src/inference.ts → src/infer/extra.ts → src/train/trainer.ts'))).toBe(true);
    });

    it('printing from the library', () => {
      const bad = withFile('src/data/extra.ts', `export const f = (): void => console.log('hi');\n`);
      expect(checkNoPrinting(bad)).toEqual(['src/data/extra.ts uses console.: the library never prints or exits; throw a RecurError or emit an event']);
    });

    it('a long function', () => {
      const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  x += ${i};`).join('\n');
      const bad = new Map([['src/core/extra.ts', `export function long(): number {\n  let x = 0;\n${body}\n  return x;\n}\n`]]);
      expect(functionLengths(bad)[0]).toEqual({ name: 'src/core/extra.ts:long (line 1)', lines: MAX_FUNCTION_LINES + 4 });
    });
  });
});
