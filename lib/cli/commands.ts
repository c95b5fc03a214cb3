/**
 * The commands of the `express-lti` command line: each a usage text, its
 * options (node:util parseArgs), and a run over the knex store.
 */
import type { ParseArgsConfig } from 'node:util';
import type { KnexStore } from '../stores/knex';
import type { Deployment, Registration } from '../stores/store';

/** Exit codes scripts can rely on (documented in the README). */
export const EXIT = { ok: 0, failure: 1, usage: 2, invalid: 3, notFound: 4 } as const;

/** A failure with its exit code and a stable code for `--json`. */
export class CliError extends Error {
  constructor(readonly exitCode: number, readonly code: string, message: string) {
    super(message);
  }
}

/** What a command produced: a value for `--json` and lines for people. */
export interface CommandOutput {
  json: unknown;
  text: string[];
}

export interface CommandContext {
  store: () => KnexStore;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface Command {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals: number;
  /** Needs LTI_KEY_SECRET (tool keys). */
  needsKeySecret?: boolean;
  run(ctx: CommandContext): Promise<CommandOutput>;
}

function registrationLine(r: Registration): string {
  const state = r.awaitingApproval ? 'AWAITING APPROVAL' : 'approved';
  return `${r.id}  ${r.issuer}  client_id=${r.clientId}  ${state}${r.name ? `  (${r.name})` : ''}`;
}

function deploymentLine(d: Deployment): string {
  return `${d.id}  registration=${d.registrationId}  deployment_id=${d.deploymentId}  created=${d.createdAt.toISOString()}`;
}

function registrationJson(r: Registration) {
  return { ...r, awaitingApproval: r.awaitingApproval === true };
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function required(values: CommandContext['values'], name: string): string {
  const v = str(values[name]);
  if (!v) throw new CliError(EXIT.usage, 'usage', `--${name} is required.`);
  return v;
}

export const COMMANDS: Record<string, Command> = {
  'registrations list': {
    usage: 'express-lti registrations list [--json]',
    summary: 'List registered platforms (oldest first), with their approval state.',
    options: {},
    positionals: 0,
    async run({ store }) {
      const list = await store().listRegistrations();
      return { json: list.map(registrationJson), text: list.length ? list.map(registrationLine) : ['No registrations.'] };
    },
  },
  'registrations add': {
    usage:
      'express-lti registrations add --issuer URL --client-id ID --auth-url URL --jwks-url URL [--token-url URL]\n' +
      '                              [--token-audience AUD] [--name NAME] [--deployment ID] [--json]',
    summary: 'Register a platform by hand (or update the one with this issuer and client id). Approved at once.',
    options: {
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'auth-url': { type: 'string' },
      'jwks-url': { type: 'string' },
      'token-url': { type: 'string' },
      'token-audience': { type: 'string' },
      name: { type: 'string' },
      deployment: { type: 'string' },
    },
    positionals: 0,
    async run({ store, values }) {
      const registration = await store().registerPlatform({
        issuer: required(values, 'issuer'),
        clientId: required(values, 'client-id'),
        authEndpoint: required(values, 'auth-url'),
        jwksUrl: required(values, 'jwks-url'),
        tokenEndpoint: str(values['token-url']) ?? null,
        tokenAudience: str(values['token-audience']) ?? null,
        name: str(values.name) ?? null,
        deploymentId: str(values.deployment),
      });
      return { json: registrationJson(registration), text: [`Registered: ${registrationLine(registration)}`] };
    },
  },
  'registrations approve': {
    usage: 'express-lti registrations approve <id> [--json]',
    summary: 'Approve a registration waiting for approval; it can launch at once, in every process.',
    options: {},
    positionals: 1,
    async run({ store, positionals }) {
      const approved = await store().approveRegistration(positionals[0]);
      if (!approved) throw new CliError(EXIT.notFound, 'not_found', `No registration has the id ${JSON.stringify(positionals[0])}.`);
      return { json: registrationJson(approved), text: [`Approved: ${registrationLine(approved)}`] };
    },
  },
  'registrations remove': {
    usage: 'express-lti registrations remove <id> [--json]',
    summary: 'Delete a registration with its deployments and pending logins.',
    options: {},
    positionals: 1,
    async run({ store, positionals }) {
      const removed = await store().deleteRegistration(positionals[0]);
      if (!removed) throw new CliError(EXIT.notFound, 'not_found', `No registration has the id ${JSON.stringify(positionals[0])}.`);
      return { json: { removed: positionals[0] }, text: [`Removed registration ${positionals[0]}.`] };
    },
  },
  'deployments list': {
    usage: 'express-lti deployments list [--registration <id>] [--json]',
    summary: 'List deployments (oldest first), optionally of one registration.',
    options: { registration: { type: 'string' } },
    positionals: 0,
    async run({ store, values }) {
      const list = await store().listDeployments(str(values.registration));
      return { json: list, text: list.length ? list.map(deploymentLine) : ['No deployments.'] };
    },
  },
  'keys rotate': {
    usage: 'express-lti keys rotate [--json]   (needs LTI_KEY_SECRET)',
    summary: "Rotate the tool's keys: next becomes current, a new next is published, the old current is retired.",
    options: {},
    positionals: 0,
    needsKeySecret: true,
    async run({ store }) {
      // Prove the secret first: a rotation under another secret would seal keys the app cannot read.
      await store().signingKey();
      const rotation = await store().rotateToolKeys();
      return { json: rotation, text: [`Current key: ${rotation.current}`, `Next key: ${rotation.next}`, `Retired key: ${rotation.retired}`] };
    },
  },
  cleanup: {
    usage: 'express-lti cleanup [--json]',
    summary: 'Delete expired pending logins (run it periodically, once per cluster).',
    options: {},
    positionals: 0,
    async run({ store }) {
      const result = await store().cleanup();
      return { json: result, text: [`Deleted ${result.loginsDeleted} expired login(s).`] };
    },
  },
};
