// Every relative link in the docs resolves: README.md, docs/**/*.md and the packages' READMEs link to files and to
// headings of other pages, and a page moved or a heading reworded breaks them silently. This spec follows each
// relative link (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`) outside code, and fails on a missing file
// or an anchor no heading of the target page makes (GitHub's slugs: lower case, punctuation dropped, spaces → `-`,
// repeats numbered). Links to other sites are not fetched.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return walk(path);
    return path.endsWith('.md') ? [path] : [];
  });
}

const pages = [
  'README.md',
  ...walk('docs'),
  ...readdirSync(join(root, 'packages'))
    .map((name) => `packages/${name}/README.md`)
    .filter((path) => existsSync(join(root, path))),
];

/** The page's text with fenced blocks and inline code blanked out (links there are examples, not links). */
function prose(text: string): string {
  return text.replace(/^([ \t]*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, '').replace(/(`+)[^`\n]*?\1/g, '');
}

/** GitHub's anchor for a heading text. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor the headings (and explicit `<a id>` / `<a name>`) of a page make. */
function anchors(path: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const text = readFileSync(join(root, path), 'utf8').replace(/^([ \t]*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, '');
  for (const match of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) result.add(match[1]!);
  return result;
}

interface Link {
  page: string;
  target: string;
}

const links: Link[] = pages.flatMap((page) =>
  [...prose(readFileSync(join(root, page), 'utf8')).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((match) => ({ page, target: match[1]! }))
    .filter(({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target)),
);

/** Why a link does not resolve, or undefined when it does. */
function broken({ page, target }: Link): string | undefined {
  const [file, anchor] = target.split('#') as [string, string | undefined];
  const path = file ? normalize(join(dirname(page), decodeURIComponent(file))) : page;
  if (path.startsWith('..')) return `${target} leaves the repository`;
  if (!existsSync(join(root, path))) return `${relative('.', path)} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(join(root, path)).isDirectory() || !path.endsWith('.md')) return `#${anchor} on a file that is not a page`;
  return anchors(path).has(anchor) ? undefined : `${path} has no heading for #${anchor}`;
}

describe('relative links in the docs', () => {
  it('finds the pages and links it checks', () => {
    expect(pages).toContain('docs/README.md');
    expect(pages).toContain('packages/core/README.md');
    expect(links.length).toBeGreaterThan(50);
    expect(links.some((link) => link.target.includes('#'))).toBe(true);
  });

  it('makes GitHub anchors the way GitHub does', () => {
    expect(slug('`forRootAsync`: secrets from `ConfigService`')).toBe('forrootasync-secrets-from-configservice');
    expect(slug('Emails in rows written before')).toBe('emails-in-rows-written-before');
    expect(slug('MySQL / MariaDB')).toBe('mysql--mariadb');
  });

  it('refuses what does not resolve', () => {
    expect(broken({ page: 'docs/README.md', target: 'no-such-page.md' })).toMatch(/does not exist/);
    expect(broken({ page: 'docs/README.md', target: '../README.md#no-such-heading' })).toMatch(/no heading/);
    expect(broken({ page: 'docs/README.md', target: '../README.md#quick-start' })).toBeUndefined();
  });

  it.each(pages)('%s: every relative link and anchor resolves', (page) => {
    const dead = links.filter((link) => link.page === page).flatMap((link) => broken(link) ?? []);
    expect(dead).toEqual([]);
  });
});
