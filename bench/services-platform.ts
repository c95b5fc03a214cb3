/**
 * The dev platform in its own process for `npm run bench:services`, so the
 * tool's CPU is measured apart from the platform's. Talks to the parent by IPC.
 */
import { DevPlatform } from '../dev/platform';
import { makeRoster } from '../dev/platform-nrps';

export type PlatformMessage =
  | { type: 'ready'; registration: ReturnType<DevPlatform['registration']>; ags: Record<string, unknown>; nrps: Record<string, unknown>; deploymentId: string }
  | { type: 'stats'; tokenRequests: number; scoresReceived: number; membershipRequests: number; scoreRequests: number };

export type ParentCommand = { type: 'jwks'; url: string } | { type: 'stats' } | { type: 'stop' };

async function main(): Promise<void> {
  const platform = await DevPlatform.start({ name: 'Bench platform' });
  platform.nrps.roster = makeRoster(Number(process.env.BENCH_ROSTER ?? 10_000), { privateEvery: 7 });
  const send = (message: PlatformMessage) => process.send!(message);
  process.on('message', (command: ParentCommand) => {
    if (command.type === 'jwks') platform.toolJwksUrl = command.url;
    else if (command.type === 'stats') {
      send({
        type: 'stats',
        tokenRequests: platform.tokenRequests,
        scoresReceived: platform.ags.scoresReceived,
        membershipRequests: platform.faults.requests.memberships,
        scoreRequests: platform.faults.requests.scores,
      });
    } else if (command.type === 'stop') void platform.close().then(() => process.exit(0));
  });
  send({ type: 'ready', registration: platform.registration(), ags: platform.ags.claim('bench-link'), nrps: platform.nrps.claim(), deploymentId: platform.deploymentId });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
