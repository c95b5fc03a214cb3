import type { Knex } from 'knex';
import { ConfigurationError } from '../errors';
import { isSecureUrl } from '../http/secure-url';
import type { Registration } from './store';

export const REGISTRATIONS_TABLE = 'lti_registrations';
export const DEPLOYMENTS_TABLE = 'lti_deployments';

/** Fields to register a platform with `KnexStore.registerPlatform`. */
export interface RegisterPlatformInput {
  issuer: string;
  clientId: string;
  authEndpoint: string;
  jwksUrl: string;
  tokenEndpoint?: string | null;
  /** The `aud` of client assertions when it is not the token endpoint (Brightspace). */
  tokenAudience?: string | null;
  name?: string | null;
  /**
   * A new registration waits for `approveRegistration()` before it can launch.
   * Ignored on an update: the stored approval state is kept.
   */
  awaitingApproval?: boolean;
  /** Also add this deployment, in the same transaction (all or nothing). */
  deploymentId?: string;
}

export interface RegistrationRow {
  id: string;
  issuer: string;
  client_id: string;
  auth_endpoint: string;
  jwks_url: string;
  token_endpoint: string | null;
  token_audience: string | null;
  name: string | null;
  awaiting_approval: boolean;
}

export const REGISTRATION_COLUMNS = [
  'id', 'issuer', 'client_id', 'auth_endpoint', 'jwks_url', 'token_endpoint', 'token_audience', 'name', 'awaiting_approval',
];

export function toRegistration(row: RegistrationRow): Registration {
  return {
    id: row.id,
    issuer: row.issuer,
    clientId: row.client_id,
    authEndpoint: row.auth_endpoint,
    jwksUrl: row.jwks_url,
    tokenEndpoint: row.token_endpoint,
    tokenAudience: row.token_audience,
    name: row.name,
    awaitingApproval: row.awaiting_approval,
  };
}

/** The URL and field rules of `registerPlatform` (the CLI applies the same ones). */
export function checkRegistrationInput(input: RegisterPlatformInput): void {
  for (const [field, url] of Object.entries({
    issuer: input.issuer,
    authEndpoint: input.authEndpoint,
    jwksUrl: input.jwksUrl,
    tokenEndpoint: input.tokenEndpoint ?? undefined,
    tokenAudience: undefined,
  })) {
    if (url !== undefined && (typeof url !== 'string' || !isSecureUrl(url))) {
      throw new ConfigurationError(`registerPlatform: ${field} must be an https URL (http only on localhost).`);
    }
  }
  if (!input.clientId || typeof input.clientId !== 'string') throw new ConfigurationError('registerPlatform: clientId is required.');
  if (input.clientId.length > 255) throw new ConfigurationError('registerPlatform: clientId is longer than 255 characters.');
  if (input.deploymentId !== undefined && (!input.deploymentId || input.deploymentId.length > 255)) {
    throw new ConfigurationError('registerPlatform: deploymentId must be 1 to 255 characters.');
  }
}

/** A UUID, the only shape of our ids (anything else is no row, and no SQL cast error). */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

/** Registration writes of the knex store: upsert (with its deployment) and approval. */
export function knexRegistrations(db: Knex) {
  return {
    async registerPlatform(input: RegisterPlatformInput): Promise<Registration> {
      checkRegistrationInput(input);
      const row = {
        issuer: input.issuer,
        client_id: input.clientId,
        auth_endpoint: input.authEndpoint,
        jwks_url: input.jwksUrl,
        token_endpoint: input.tokenEndpoint ?? null,
        token_audience: input.tokenAudience ?? null,
        name: input.name ?? null,
      };
      const awaiting = input.awaitingApproval === true;
      // One transaction: a registration never lands without the deployment it came with.
      return db.transaction(async (trx) => {
        // Upsert on the unique (issuer, client_id): concurrent registrations leave one row.
        // The approval state is set on insert only: an update keeps what an admin decided.
        const [saved] = await trx(REGISTRATIONS_TABLE)
          .insert({ ...row, awaiting_approval: awaiting, approved_at: awaiting ? null : db.fn.now() })
          .onConflict(['issuer', 'client_id'])
          .merge({ ...row, updated_at: db.fn.now() })
          .returning(REGISTRATION_COLUMNS);
        const registration = toRegistration(saved as RegistrationRow);
        if (input.deploymentId !== undefined) {
          await trx(DEPLOYMENTS_TABLE)
            .insert({ registration_id: registration.id, deployment_id: input.deploymentId })
            .onConflict(['registration_id', 'deployment_id'])
            .ignore();
        }
        return registration;
      });
    },

    async approveRegistration(id: string): Promise<Registration | undefined> {
      if (!isUuid(id)) return undefined;
      const [row] = await db(REGISTRATIONS_TABLE)
        .where({ id })
        .update({ awaiting_approval: false, approved_at: db.raw('coalesce(approved_at, now())'), updated_at: db.fn.now() })
        .returning(REGISTRATION_COLUMNS);
      return row ? toRegistration(row as RegistrationRow) : undefined;
    },
  };
}
