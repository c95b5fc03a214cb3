import type { Knex } from 'knex';
import type { LoginRecord, PendingLogin } from '../launch/login-state';
import { preparedQuery, type PreparedStatement } from './pg-prepared';

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

// Fixed texts, sent as named prepared statements (the two statements of every launch).
const INSERT_LOGIN: PreparedStatement = {
  name: 'express_lti_save_login_v1',
  text: `insert into ${LOGINS_TABLE} (state, binding_hash, registration_id, nonce, deployment_id, target_link_uri, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)`,
};
// One statement: of concurrent takes one deletes the row, the others see none.
// The join reads the registration's issuer and client id in the same round trip.
const TAKE_LOGIN: PreparedStatement = {
  name: 'express_lti_take_login_v1',
  text: `with taken as (
           delete from ${LOGINS_TABLE} where state = $1 and binding_hash = $2
           returning registration_id, nonce, deployment_id, target_link_uri, expires_at)
         select taken.registration_id, taken.nonce, taken.deployment_id, taken.target_link_uri, taken.expires_at,
                r.issuer, r.client_id
           from taken join lti_registrations r on r.id = taken.registration_id`,
};

/** The pending-login calls of the knex store: one INSERT at login, one DELETE at launch. */
export function knexLogins(db: Knex) {
  return {
    async saveLogin(login: LoginRecord): Promise<void> {
      await preparedQuery(db, INSERT_LOGIN, [
        login.state,
        login.bindingHash,
        login.registrationId,
        login.nonce,
        login.deploymentId ?? null,
        login.targetLinkUri,
        new Date(login.expiresAt),
      ]);
    },

    async takeLogin(state: string, bindingHash: string): Promise<PendingLogin | undefined> {
      const result = await preparedQuery<TakenRow>(db, TAKE_LOGIN, [state, bindingHash]);
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
