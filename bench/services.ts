/**
 * `npm run bench:services`: service calls against the dev platform (in its own
 * process) over loopback HTTP, with the real AccessTokenClient and token endpoint.
 *  - BENCH_SCORES (10 000) score posts at BENCH_SCORE_CONCURRENCY (16) for one
 *    registration: token requests, scores/s, tool CPU per score;
 *  - a BENCH_ROSTER (10 000) member roster, 100 per page: heap after GC, CPU per page.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import express from 'express';
import knex from 'knex';
import { startDatabase } from '../dev/database';
import { createKnexStore, ltiJwks, ltiServices, type LtiServiceLaunch } from '../lib';
import type { ParentCommand, PlatformMessage } from './services-platform';

const SCORES = Number(process.env.BENCH_SCORES ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_SCORE_CONCURRENCY ?? 16);
const HARD_LIMIT_MS = 10 * 60_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

async function main(): Promise<void> {
  const limit = setTimeout(() => {
    console.error('bench:services: hard time limit reached');
    process.exit(2);
  }, HARD_LIMIT_MS);
  limit.unref();
  const database = await startDatabase({ fast: true });
  const child = fork(path.join(__dirname, 'services-platform.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<PlatformMessage>((resolve) => child.once('message', (m: PlatformMessage) => resolve(m)));
  const command = (c: ParentCommand) => child.send(c);
  const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 10 } });
  const server = http.createServer();
  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error('platform did not start');
    const store = createKnexStore(db, { keySecret: 'bench-key-secret-0123456789abcdefghijklmnop' });
    const registration = await store.registerPlatform(ready.registration);
    const app = express();
    app.get('/lti/jwks', ltiJwks({ store }));
    server.on('request', app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    command({ type: 'jwks', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lti/jwks` });
    const launch = JSON.parse(JSON.stringify({ registrationId: registration.id, deploymentId: ready.deploymentId, ags: ready.ags, nrps: ready.nrps })) as LtiServiceLaunch;
    const services = ltiServices({ store });
    const stats = async () => {
      command({ type: 'stats' });
      const m = await next();
      if (m.type !== 'stats') throw new Error('unexpected message');
      return m;
    };

    // Warm-up (not counted): compiles the hot paths and makes the tool key.
    for (let i = 0; i < 200; i++) await services.publishScore(launch, { userId: `warm-${i}`, activityProgress: 'Completed', gradingProgress: 'FullyGraded', scoreGiven: 1, scoreMaximum: 1 });
    const before = await stats();

    let issued = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (issued < SCORES) {
        const i = issued++;
        await services.publishScore(launch, { userId: `user-${i % 500}`, scoreGiven: i % 11, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
      }
    }));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const after = await stats();
    const scoreCpuUs = (cpu.user + cpu.system) / SCORES;
    console.log(`scores: ${SCORES} at concurrency ${CONCURRENCY} in ${seconds.toFixed(2)} s = ${Math.round(SCORES / seconds)} scores/s`);
    console.log(`  token requests during the run: ${after.tokenRequests - before.tokenRequests} (token lifetime 3600 s; ${after.tokenRequests} incl. warm-up)`);
    console.log(`  platform received ${after.scoresReceived - before.scoresReceived} scores in ${after.scoreRequests - before.scoreRequests} requests`);
    console.log(`  tool CPU per score: ${scoreCpuUs.toFixed(0)} µs`);

    // Roster: 100 per page, heap after GC at the start and near the end.
    gc();
    const heapStart = process.memoryUsage().heapUsed;
    const heaps: number[] = [];
    let count = 0;
    const cpuR = process.cpuUsage();
    const r0 = process.hrtime.bigint();
    for await (const member of services.members(launch, { limit: 100 })) {
      count++;
      if (member.user_id === '') throw new Error('bad member');
      if (count % 2_500 === 0) {
        gc();
        heaps.push(process.memoryUsage().heapUsed);
      }
    }
    const rosterSeconds = Number(process.hrtime.bigint() - r0) / 1e9;
    const rosterCpu = process.cpuUsage(cpuR);
    const pages = (await stats()).membershipRequests;
    console.log(`roster: ${count} members in ${pages} pages, ${rosterSeconds.toFixed(2)} s`);
    console.log(`  heap after GC: before ${mb(heapStart)} MB; every 2,500 members: ${heaps.map(mb).join(', ')} MB`);
    console.log(`  tool CPU per page (100 members, incl. the GCs above): ${((rosterCpu.user + rosterCpu.system) / pages / 1000).toFixed(2)} ms`);
  } finally {
    command({ type: 'stop' });
    server.close();
    await db.destroy();
    await database.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
