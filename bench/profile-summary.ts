/**
 * Summarise a V8 .cpuprofile: the functions with the most self time, and self
 * time by package. `npx tsx bench/profile-summary.ts FILE [TOP]`.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const ROOT = path.resolve(__dirname, '..');
const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** A short place for a script URL: lib/x.ts, node_modules/pkg/…, node:internal/…. */
function place(url: string): string {
  if (!url) return '';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) return `node_modules/${file.slice(nm + '/node_modules/'.length)}`;
  if (file.startsWith(ROOT + path.sep)) return path.relative(ROOT, file);
  return file;
}

/** Package (or area) a script belongs to, for the by-package totals. */
function area(url: string, functionName: string): string {
  if (META.has(functionName)) return functionName;
  const p = place(url);
  if (!p) return '(native / V8 builtins)';
  if (p.startsWith('node_modules/')) {
    const parts = p.split('/');
    return parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
  }
  if (p.startsWith('node:')) return 'node core';
  if (p.startsWith('lib/')) return 'express-lti lib/';
  return p.split('/')[0];
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  top: { selfMs: number; share: number; name: string; where: string }[];
  areas: { selfMs: number; share: number; area: string }[];
}

export function summariseProfile(file: string, topN = 25): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    // Sample i lasted until sample i+1: its node gets the following delta.
    const { samples, timeDeltas } = profile;
    for (let i = 0; i < samples.length; i++) {
      const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
      selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
    for (const node of profile.nodes) selfUs.set(node.id, ((node.hitCount ?? 0) * total) / hits);
  }

  const byFunction = new Map<string, { us: number; name: string; where: string }>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const name = functionName || '(anonymous)';
    const where = url ? `${place(url)}:${lineNumber + 1}` : '';
    const key = `${name}\n${where}`;
    const entry = byFunction.get(key) ?? { us: 0, name, where };
    entry.us += us;
    byFunction.set(key, entry);
    const a = area(url, functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs || 1;
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => ({ selfMs: e.us / 1000, share: e.us / busyUs, name: e.name, where: e.where })),
    areas: [...byArea]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ selfMs: us / 1000, share: us / busyUs, area: name })),
  };
}

export function formatProfileSummary(summary: ProfileSummary, launches?: number): string {
  const lines: string[] = [];
  const perLaunch = (ms: number) => (launches ? `${((ms * 1000) / launches).toFixed(1).padStart(7)} µs/launch` : '');
  lines.push(
    `profiled ${(summary.totalMs / 1000).toFixed(1)} s, busy ${(summary.busyMs / 1000).toFixed(1)} s` +
      (launches ? ` over ${launches} launches (${((summary.busyMs * 1000) / launches).toFixed(0)} µs busy per launch)` : ''),
  );
  lines.push('', 'top functions by self time (share of busy time):');
  for (const t of summary.top) {
    lines.push(`  ${t.selfMs.toFixed(0).padStart(7)} ms ${(t.share * 100).toFixed(1).padStart(5)}% ${perLaunch(t.selfMs)}  ${t.name}  ${t.where}`);
  }
  lines.push('', 'self time by package / area:');
  for (const a of summary.areas.slice(0, 20)) {
    lines.push(`  ${a.selfMs.toFixed(0).padStart(7)} ms ${(a.share * 100).toFixed(1).padStart(5)}% ${perLaunch(a.selfMs)}  ${a.area}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  console.log(formatProfileSummary(summariseProfile(file, top ? Number(top) : 25)));
}
