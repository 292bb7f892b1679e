import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 `Profiler.Profile` (`.cpuprofile`) used here. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  fn: string;
  location: string;
  pkg: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time the process was busy (idle excluded), ms. */
  busyMs: number;
  bySelf: ProfileRow[];
  byPackage: Array<{ pkg: string; ms: number; percent: number }>;
  /** Inclusive time of functions in the nest-users packages and a few dependencies' entry points. */
  inclusive: ProfileRow[];
}

/** Which package a script belongs to: the npm package name, `@nest-users/*` for the workspace, or a V8/Node bucket. */
export function packageOf(url: string, functionName: string, repoRoot: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(program)') return 'V8: (program) — native, unattributed';
    if (functionName === '(idle)') return '(idle)';
    return 'native code';
  }
  if (url.startsWith('node:')) return 'node core';
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const [first, second] = path.slice(nm + '/node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  const relative = path.startsWith(repoRoot) ? path.slice(repoRoot.length) : path;
  const workspace = /^packages\/([^/]+)\//.exec(relative);
  if (workspace) return `@nest-users/${workspace[1]}`;
  if (relative.startsWith('bench/')) return 'bench app';
  return 'other';
}

/** Native code (no script URL) belongs to whoever called it: better-sqlite3's engine, Node's bindings, etc. */
function nativePackage(callerUrl: string, repoRoot: string): string {
  if (callerUrl.includes('/driver/better-sqlite3/')) return 'better-sqlite3 (SQLite engine, native)';
  const caller = packageOf(callerUrl, '', repoRoot);
  return caller === 'node core' ? 'node core (native: syscalls, crypto, …)' : `native code called by ${caller}`;
}

function locationOf(url: string, line: number, repoRoot: string): string {
  if (!url) return '(native)';
  let path = url.startsWith('file:') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) path = path.slice(nm + '/node_modules/'.length);
  else if (path.startsWith(repoRoot)) path = path.slice(repoRoot.length);
  return `${path}:${line + 1}`;
}

/** Self time per function and per package, and inclusive time of our own functions, from a `.cpuprofile`. */
export function summarizeProfile(file: string, repoRoot: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);
  const keyCache = new Map<number, string>();
  /** A JS function by its source position; a native one (no URL) by its name and its nearest JS caller. */
  const keyOf = (id: number): string => {
    let key = keyCache.get(id);
    if (key !== undefined) return key;
    const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
    if (!url && !SPECIAL.has(functionName)) {
      let caller = parent.get(id);
      while (caller !== undefined && !byId.get(caller)!.callFrame.url) caller = parent.get(caller);
      const via = caller === undefined ? undefined : byId.get(caller)!.callFrame;
      key = `${functionName}\u0000\u0000-1\u0000-1\u0000${via ? `${via.url}\u0000${via.lineNumber}` : ''}`;
    } else {
      key = `${functionName}\u0000${url}\u0000${lineNumber}\u0000${columnNumber}\u0000`;
    }
    keyCache.set(id, key);
    return key;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const { samples, timeDeltas } = profile;
  let busy = 0;
  for (let i = 0; i < samples.length; i++) {
    // DevTools' convention: sample i lasts until the next one.
    const weight = (i + 1 < samples.length ? timeDeltas[i + 1]! : profile.endTime - profile.startTime - sum(timeDeltas)) / 1000;
    if (!(weight > 0)) continue;
    const id = samples[i]!;
    const key = keyOf(id);
    self.set(key, (self.get(key) ?? 0) + weight);
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    busy += weight;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(at);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + weight);
    }
  }

  const row = (key: string, ms: number): ProfileRow => {
    const [functionName, url, line, , viaUrl, viaLine] = key.split('\u0000') as string[];
    const native = !url && viaUrl !== undefined && viaUrl !== '';
    return {
      fn: functionName || '(anonymous)',
      location: native
        ? `native, called from ${locationOf(viaUrl, Number(viaLine), repoRoot)}`
        : locationOf(url!, Number(line), repoRoot),
      pkg: native ? nativePackage(viaUrl, repoRoot) : packageOf(url!, functionName!, repoRoot),
      ms,
      percent: (100 * ms) / busy,
    };
  };
  const rows = [...self].map(([key, ms]) => row(key, ms)).filter((r) => r.pkg !== '(idle)');
  const packages = new Map<string, number>();
  for (const r of rows) packages.set(r.pkg, (packages.get(r.pkg) ?? 0) + r.ms);

  const interesting = (r: ProfileRow) =>
    (r.pkg.startsWith('@nest-users/') && r.fn !== '(anonymous)') ||
    (r.pkg === 'jsonwebtoken' && /^(module\.exports|verify|sign)$/.test(r.fn)) ||
    (r.pkg === 'typeorm' &&
      /^(findOneBy|findOne|getRawAndEntities|query|transform)$/.test(r.fn) &&
      !r.location.includes('/repository/')) ||
    (r.pkg === 'jsonwebtoken' && r.location.startsWith('jsonwebtoken/sign.js')) ||
    (r.pkg === '@nestjs/core' && /^(tryActivate|canActivate|create|exchangeKeyForValue|transform)$/.test(r.fn));

  return {
    busyMs: busy,
    bySelf: rows.sort((a, b) => b.ms - a.ms).slice(0, top),
    byPackage: [...packages].map(([pkg, ms]) => ({ pkg, ms, percent: (100 * ms) / busy })).sort((a, b) => b.ms - a.ms),
    inclusive: [...inclusive]
      .map(([key, ms]) => row(key, ms))
      .filter(interesting)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
  };
}

function sum(values: number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

export function formatProfile(title: string, summary: ProfileSummary, requests: number): string {
  const perRequest = (ms: number) => ((1000 * ms) / Math.max(1, requests)).toFixed(1);
  const lines = [
    `#### ${title}`,
    '',
    `${(summary.busyMs / 1000).toFixed(2)} s of busy CPU sampled over ${requests} requests ` +
      `(${perRequest(summary.busyMs)} µs of main-thread CPU per request).`,
    '',
    '| package (self time) | % of busy | µs/request |',
    '|---|---:|---:|',
    ...summary.byPackage.slice(0, 14).map((p) => `| ${p.pkg} | ${p.percent.toFixed(1)} | ${perRequest(p.ms)} |`),
    '',
    '| top functions by self time | file:line | package | % | µs/request |',
    '|---|---|---|---:|---:|',
    ...summary.bySelf.map((r) => `| \`${r.fn}\` | ${r.location} | ${r.pkg} | ${r.percent.toFixed(1)} | ${perRequest(r.ms)} |`),
    '',
    '| inclusive time (ours and key entry points) | file:line | % | µs/request |',
    '|---|---|---:|---:|',
    ...summary.inclusive.map((r) => `| \`${r.fn}\` | ${r.location} | ${r.percent.toFixed(1)} | ${perRequest(r.ms)} |`),
    '',
  ];
  return lines.join('\n');
}

/** Per-request CPU of the public and the protected route side by side, by package, with the difference. */
export function formatProfileComparison(
  title: string,
  summaries: { public: ProfileSummary; protected: ProfileSummary },
  requests: { public: number; protected: number },
): string {
  const perRequest = (summary: ProfileSummary, count: number) =>
    new Map(summary.byPackage.map((p) => [p.pkg, (1000 * p.ms) / Math.max(1, count)]));
  const pub = perRequest(summaries.public, requests.public);
  const prot = perRequest(summaries.protected, requests.protected);
  const total = (summary: ProfileSummary, count: number) => (1000 * summary.busyMs) / Math.max(1, count);
  const rows = [...new Set([...pub.keys(), ...prot.keys()])]
    .map((pkg) => ({ pkg, pub: pub.get(pkg) ?? 0, prot: prot.get(pkg) ?? 0 }))
    .map((r) => ({ ...r, delta: r.prot - r.pub }))
    .sort((a, b) => b.delta - a.delta);
  const tp = total(summaries.public, requests.public);
  const tq = total(summaries.protected, requests.protected);
  return [
    `#### ${title}`,
    '',
    `Main-thread CPU per request: public ${tp.toFixed(0)} µs, protected ${tq.toFixed(0)} µs (+${(tq - tp).toFixed(0)} µs). ` +
      `With the server CPU-bound, protected/public ≈ ${(tp / tq).toFixed(2)}.`,
    '',
    '| package (self time) | public µs/req | protected µs/req | difference |',
    '|---|---:|---:|---:|',
    ...rows
      .filter((r) => Math.abs(r.delta) >= 1 || r.prot >= 5)
      .map((r) => `| ${r.pkg} | ${r.pub.toFixed(1)} | ${r.prot.toFixed(1)} | ${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(1)} |`),
    '',
  ].join('\n');
}
