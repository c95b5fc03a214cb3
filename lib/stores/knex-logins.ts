import type { Knex } from 'knex';
import type { LoginRecord, PendingLogin } from '../launch/login-state';

export const LOGINS_TABLE = 'lti_logins';

interface TakenRow {
  registration_id: string;
  nonce: string;
  deployment_id: string | null;
  target_link_uri: string;
  expires_at: Date;
  issuer: string;
  client_id: string;
}

/** The pending-login calls of the knex store: one INSERT at login, one DELETE at launch. */
export function knexLogins(db: Knex) {
  return {
    async saveLogin(login: LoginRecord): Promise<void> {
      await db(LOGINS_TABLE).insert({
        state: login.state,
        binding_hash: login.bindingHash,
        registration_id: login.registrationId,
        nonce: login.nonce,
        deployment_id: login.deploymentId ?? null,
        target_link_uri: login.targetLinkUri,
        expires_at: new Date(login.expiresAt),
      });
    },

    async takeLogin(state: string, bindingHash: string): Promise<PendingLogin | undefined> {
      // One statement: of concurrent takes one deletes the row, the others see none.
      // The join reads the registration's issuer and client id in the same round trip.
      const result = await db.raw<{ rows: TakenRow[] }>(
        `with taken as (delete from ${LOGINS_TABLE} where state = ? and binding_hash = ? returning *)
         select taken.registration_id, taken.nonce, taken.deployment_id, taken.target_link_uri, taken.expires_at,
                r.issuer, r.client_id
           from taken join lti_registrations r on r.id = taken.registration_id`,
        [state, bindingHash],
      );
      const row = result.rows[0];
      if (!row) return undefined;
      return {
        registrationId: row.registration_id,
        issuer: row.issuer,
        clientId: row.client_id,
        nonce: row.nonce,
        deploymentId: row.deployment_id ?? undefined,
        targetLinkUri: row.target_link_uri,
        expiresAt: new Date(row.expires_at).getTime(),
      };
    },

    /** Delete expired logins; returns how many. */
    async deleteExpired(): Promise<number> {
      return db(LOGINS_TABLE).where('expires_at', '<=', new Date()).del();
    },
  };
}
