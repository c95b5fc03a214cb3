/**
 * The app side of the benchmark's IPC: an app child process reports when it
 * listens, answers stats requests (its own CPU time, memory and SQL count),
 * records a CPU profile on request, and shuts down cleanly.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import type { RegisterPlatformInput } from '../lib/stores/knex';
import type { SqlCounter, SqlSnapshot } from './sql-counter';

/** What the parent passes to an app child in env BENCH_CONFIG. */
export interface ChildConfig {
  databaseUrl: string;
  platform: RegisterPlatformInput & { deploymentId: string };
}

/** Where the load generator starts a launch of this tool. */
export interface ToolInfo {
  /** The OIDC login initiation URL (GET). */
  loginUrl: string;
  /** The target_link_uri the platform sends at login (and back in the id_token). */
  targetLinkUri: string;
}

export interface ChildStats {
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  sql: SqlSnapshot;
}

export type ParentMessage =
  | { type: 'stats'; id: number }
  | { type: 'profile-start'; id: number }
  | { type: 'profile-stop'; id: number; file: string }
  | { type: 'shutdown'; id: number };

export type ChildMessage =
  | { type: 'ready'; tool: ToolInfo }
  | { type: 'reply'; id: number; stats?: ChildStats; file?: string; error?: string }
  | { type: 'fatal'; message: string };

export function readConfig(): ChildConfig {
  const raw = process.env.BENCH_CONFIG;
  if (!raw) throw new Error('BENCH_CONFIG is not set: this file is started by bench/run.ts');
  return JSON.parse(raw) as ChildConfig;
}

export function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Report a startup failure to the parent and exit. */
export function fail(err: unknown): never {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  send({ type: 'fatal', message });
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function post<T>(session: inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Answer the parent's messages until it asks this process to shut down. */
export function serveParent(counter: SqlCounter, close: () => Promise<void>): void {
  let profiler: inspector.Session | undefined;
  let closing: Promise<void> | undefined;
  const closeOnce = () => (closing ??= close());
  // The parent going away (crash, Ctrl-C) must not leave this process behind.
  process.on('disconnect', () => {
    void closeOnce().finally(() => process.exit(0));
  });
  process.on('message', (raw) => {
    const message = raw as ParentMessage;
    const reply = (fields: Omit<Extract<ChildMessage, { type: 'reply' }>, 'type' | 'id'>) =>
      send({ type: 'reply', id: message.id, ...fields });
    void (async () => {
      try {
        switch (message.type) {
          case 'stats': {
            const cpu = process.cpuUsage();
            reply({ stats: { cpuUserUs: cpu.user, cpuSystemUs: cpu.system, rssBytes: process.memoryUsage().rss, sql: counter.snapshot() } });
            return;
          }
          case 'profile-start':
            profiler = new inspector.Session();
            profiler.connect();
            await post(profiler, 'Profiler.enable');
            await post(profiler, 'Profiler.start');
            reply({});
            return;
          case 'profile-stop': {
            if (!profiler) throw new Error('the profiler was not started');
            const { profile } = await post<{ profile: unknown }>(profiler, 'Profiler.stop');
            profiler.disconnect();
            profiler = undefined;
            fs.writeFileSync(message.file, JSON.stringify(profile));
            reply({ file: message.file });
            return;
          }
          case 'shutdown':
            await closeOnce();
            reply({});
            process.disconnect?.();
            setImmediate(() => process.exit(0));
            return;
        }
      } catch (err) {
        reply({ error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
}
