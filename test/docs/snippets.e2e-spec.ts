// The TypeScript in docs/ and the README is compiled: every ```ts block is a copy of a real file under docs/snippets/
// (or one of the README's app files under test/quick-start/, which boots them), which `npm run typecheck` compiles
// through the root tsconfig.json. This spec holds the copies to their files, so a block cannot drift from code that
// compiles.
//
// Convention: the line before each ```ts block is `<!-- snippet: <path from the repository root> -->`, and the block
// is that file verbatim (surrounding blank lines aside); `<path>#<name>` quotes only the lines between
// `// #region <name>` and `// #endregion <name>` of the file, with their common indentation removed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SNIPPETS = 'docs/snippets';
/** The README's app files, booted by test/quick-start and test/packaging. */
const QUICK_START = 'test/quick-start/';

function walk(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return walk(path, keep);
    return keep(path) ? [path] : [];
  });
}

interface Block {
  doc: string;
  line: number;
  marker: string | undefined;
  body: string;
}

/** Every fenced block whose info string is `ts` or `typescript`, with the marker line above it (if any). */
function tsBlocks(doc: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    if (info === 'ts' || info === 'typescript') {
      const marker = /^\s*<!-- snippet: (\S+) -->\s*$/.exec(lines[i - 1] ?? '')?.[1];
      const body = lines
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n');
      blocks.push({ doc, line: i + 1, marker, body });
    }
    i = end;
  }
  return blocks;
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const widths = lines.filter((line) => line.trim()).map((line) => /^ */.exec(line)![0].length);
  const cut = Math.min(...widths);
  return lines.map((line) => line.slice(cut)).join('\n');
}

/** What a marker quotes: the whole file, or one `#region` of it. */
function quoted(marker: string, read: (path: string) => string): string {
  const [path, region] = marker.split('#');
  const source = read(path);
  if (!region) return source.trim();
  const start = source.indexOf(`// #region ${region}\n`);
  const end = source.indexOf(`// #endregion ${region}`);
  if (start < 0 || end < start) throw new Error(`${path} has no region "${region}"`);
  const from = source.indexOf('\n', start) + 1;
  const to = source.lastIndexOf('\n', end);
  return dedent(source.slice(from, to)).trim();
}

const docs = ['README.md', ...walk('docs', (file) => file.endsWith('.md'))];
const blocks = docs.flatMap((doc) => tsBlocks(doc, readFileSync(join(root, doc), 'utf8')));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('TypeScript blocks in the docs', () => {
  it('finds the blocks it checks (the README quick start among them)', () => {
    expect(blocks.length).toBeGreaterThan(20);
    expect(blocks.some((block) => block.doc === 'README.md' && block.marker === 'test/quick-start/main.ts')).toBe(true);
  });

  it.each(blocks.map((block) => [`${block.doc}:${block.line}`, block] as const))(
    '%s is a compiled file, quoted verbatim',
    (_, block) => {
      expect(
        block.marker,
        `${block.doc}:${block.line}: a \`\`\`ts block needs <!-- snippet: docs/snippets/… --> on the line above`,
      ).toBeDefined();
      const path = block.marker!.split('#')[0];
      expect(path.startsWith(`${SNIPPETS}/`) || path.startsWith(QUICK_START), `${path} is not compiled`).toBe(true);
      expect(block.body.trim(), `${block.doc}:${block.line} differs from ${block.marker}`).toBe(quoted(block.marker!, read));
    },
  );
});

describe('docs/snippets', () => {
  const files = walk(SNIPPETS, (file) => file.endsWith('.ts'));

  it('holds no file the docs do not quote', () => {
    const used = new Set(blocks.map((block) => block.marker?.split('#')[0]));
    expect(files.filter((file) => !used.has(file))).toEqual([]);
  });

  it('is compiled by `npm run typecheck` (the root tsconfig.json, which .ci/run checks)', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as { include: string[] };
    expect(tsconfig.include).toContain(SNIPPETS);
    expect(read('.ci/run')).toMatch(/npm run typecheck/);
    expect(files.length).toBeGreaterThan(0);
  });
});
