/**
 * The tool processes: each app (express-lti, the floor, ltijs) runs as its own
 * child, so its CPU, scheduler time and SQL are counted apart from the load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ChildMessage, ChildStats, ChildConfig, ParentMessage, ToolInfo } from './child';
import { ROOT, options } from './options';

const CHILD_START_MS = 180_000;
const CHILD_REPLY_MS = 60_000;

/** A parent message without its id (Omit distributed over the union). */
export type ParentRequest = ParentMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

export interface ToolProcess {
  name: string;
  tool: ToolInfo;
  pid: number;
  call(message: ParentRequest): Promise<Extract<ChildMessage, { type: 'reply' }>>;
  stats(): Promise<ChildStats>;
  /** The child's recent output (for error messages). */
  output(): string;
  stop(): Promise<void>;
  kill(): void;
}

export const running = new Set<ToolProcess>();

export async function startTool(name: string, file: string, config: ChildConfig): Promise<ToolProcess> {
  const child: ChildProcess = fork(path.resolve(__dirname, file), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8000);
    if (options.verbose) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Extract<ChildMessage, { type: 'reply' }>) => void; reject: (e: Error) => void }>();
  let exited: Error | undefined;
  let onReady: ((tool: ToolInfo) => void) | undefined;
  let onFail: ((err: Error) => void) | undefined;

  child.on('message', (raw) => {
    const message = raw as ChildMessage;
    if (message.type === 'ready') onReady?.(message.tool);
    else if (message.type === 'fatal') onFail?.(new Error(`${name} failed to start:\n${message.message}`));
    else if (message.type === 'reply') {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${name}: ${message.error}`));
      else waiter?.resolve(message);
    }
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${name} exited (${signal ?? `code ${code}`})\n${log.trim().split('\n').slice(-30).join('\n')}`);
    onFail?.(exited);
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });

  const tool = await new Promise<ToolInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${CHILD_START_MS / 1000} s\n${log}`)), CHILD_START_MS);
    onReady = (t) => {
      clearTimeout(timer);
      resolve(t);
    };
    onFail = (err) => {
      clearTimeout(timer);
      reject(err);
    };
  }).catch((err: unknown) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  });
  onFail = undefined;

  const call: ToolProcess['call'] = (message) => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} did not answer ${message.type} within ${CHILD_REPLY_MS / 1000} s`));
      }, CHILD_REPLY_MS);
      pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...message, id } as ParentMessage);
    });
  };

  const proc: ToolProcess = {
    name,
    tool,
    pid: child.pid!,
    call,
    async stats() {
      const reply = await call({ type: 'stats' });
      return reply.stats!;
    },
    output: () => log,
    async stop() {
      running.delete(proc);
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call({ type: 'shutdown' }).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
    kill() {
      running.delete(proc);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  running.add(proc);
  return proc;
}

/** Kill every tool process still running (on failure or interrupt). */
export function killAll(): void {
  for (const proc of running) proc.kill();
}
