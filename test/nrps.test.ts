import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createServiceHarness, type ServiceHarness } from './helpers/services';
import { makeRoster, type PlatformMember } from '../dev/platform-nrps';
import { InvalidServiceLaunchError, ROLE, ScopeNotGrantedError, ServiceBadResponseError, type NrpsMember } from '../lib';

/** A real gc() even when node was started without --expose-gc. */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function all(iterable: AsyncIterable<NrpsMember>): Promise<NrpsMember[]> {
  const out: NrpsMember[] = [];
  for await (const m of iterable) out.push(m);
  return out;
}

describe('NRPS 2.0 against the dev platform', () => {
  let s: ServiceHarness;
  beforeEach(async () => {
    s = await createServiceHarness();
  });
  afterEach(async () => {
    await s.close();
  });

  it('iterates every member across pages', async () => {
    s.h.platform.nrps.roster = makeRoster(250);
    const members = await all(s.services.members(s.launch, { limit: 100 }));
    assert.equal(members.length, 250);
    assert.equal(new Set(members.map((m) => m.user_id)).size, 250);
    assert.equal(s.h.platform.faults.requests.memberships, 3);
  });

  it('filters by role, and uses the platform\'s page size when no limit is given', async () => {
    s.h.platform.nrps.roster = makeRoster(120);
    const learners = await all(s.services.members(s.launch, { role: ROLE.learner }));
    assert.equal(learners.length, 119);
    assert.equal(s.h.platform.faults.requests.memberships, 3); // default page size 50
    const instructors = await all(s.services.members(s.launch, { role: 'Instructor' }));
    assert.deepEqual(instructors.map((m) => m.user_id), ['member-1']);
  });

  it('stops fetching when the loop stops', async () => {
    s.h.platform.nrps.roster = makeRoster(1000);
    let seen = 0;
    for await (const _ of s.services.members(s.launch, { limit: 100 })) if (++seen === 150) break;
    assert.equal(s.h.platform.faults.requests.memberships, 2);
  });

  it('gives the context and the differences link, which can be read later', async () => {
    const open = await s.services.membership(s.launch);
    assert.deepEqual(open.context, { id: 'course-101', label: 'LTI 101', title: 'Introduction to LTI' });
    const differences = open.differencesUrl();
    assert.match(differences!, /\/memberships\?since=\d+$/);
    const roster = s.h.platform.nrps.roster.length;
    assert.ok(roster >= 2);
    assert.equal((await all(open.members)).length, roster);
    const later = await all(s.services.members(s.launch, { url: differences }));
    assert.equal(later.length, roster);
    await assert.rejects(s.services.membership(s.launch, { url: 'https://elsewhere.example/memberships' }), InvalidServiceLaunchError);
  });

  it('tolerates a Sakai-like context without label or title, and members without name or email', async () => {
    s.h.platform.nrps.context = { id: 'sakai-site-1' };
    s.h.platform.nrps.roster = makeRoster(30, { privateEvery: 3 });
    const open = await s.services.membership(s.launch);
    assert.deepEqual(open.context, { id: 'sakai-site-1' });
    const members = await all(open.members);
    assert.equal(members.length, 30);
    const hidden = members.filter((m) => m.name === undefined && m.email === undefined);
    assert.equal(hidden.length, 10);
    assert.ok(hidden.every((m) => typeof m.user_id === 'string' && m.roles.length === 1));
  });

  it('refuses a member without user_id (typed error), and a launch without NRPS before any request', async () => {
    s.h.platform.nrps.roster = [{ roles: [ROLE.learner] } as unknown as PlatformMember];
    await assert.rejects(all(s.services.members(s.launch)), ServiceBadResponseError);
    const before = s.serviceRequests();
    await assert.rejects(all(s.services.members({ ...s.launch, nrps: undefined })), (err: ScopeNotGrantedError) => err instanceof ScopeNotGrantedError && err.status === 403);
    assert.equal(s.serviceRequests(), before);
  });

  it('keeps memory flat over a 10,000-member roster (100 per page)', async function () {
    this.timeout(60_000);
    const gc = collectGarbage();
    s.h.platform.nrps.roster = makeRoster(10_000);
    const heap: number[] = [];
    let count = 0;
    for await (const member of s.services.members(s.launch, { limit: 100 })) {
      count++;
      assert.equal(typeof member.user_id, 'string');
      if (count === 1_000 || count === 9_900) {
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
    }
    assert.equal(count, 10_000);
    assert.equal(s.h.platform.faults.requests.memberships, 100);
    const growth = heap[1] - heap[0];
    console.log(`      heap after GC at member 1,000: ${(heap[0] / 1048576).toFixed(1)} MB; at 9,900: ${(heap[1] / 1048576).toFixed(1)} MB (growth ${(growth / 1048576).toFixed(2)} MB)`);
    // Holding all 8,900 members read in between would add several MB; a flat read adds next to nothing.
    assert.ok(growth < 2 * 1048576, `heap grew ${growth} bytes`);
  });
});
