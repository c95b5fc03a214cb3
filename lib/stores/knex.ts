import type { Knex } from 'knex';
import { createKnexToolKeys, type ToolKeyOptions, type ToolKeyStore } from '../keys/knex-tool-keys';
import type { Deployment, LtiStore, Registration } from './store';
import { LOGINS_TABLE, knexLogins } from './knex-logins';
import { guardMissingTables } from './missing-tables';
import {
  REGISTRATION_COLUMNS,
  isUuid,
  knexRegistrations,
  toRegistration,
  type RegisterPlatformInput,
  type RegistrationRow,
} from './knex-registrations';

export type { RegisterPlatformInput } from './knex-registrations';

/** Options of {@link createKnexStore}. */
export interface KnexStoreOptions extends ToolKeyOptions {
  /**
   * How long a found registration or deployment is kept in memory, in
   * milliseconds (default 30 000; 0 turns the cache off). Changes made through
   * this store clear it at once; changes made by another process show after at
   * most this long. Misses are never cached, so a new registration or
   * deployment is seen at once everywhere.
   */
  cacheTtlMs?: number;
}

/** Counts returned by {@link KnexStore.cleanup}. */
export interface CleanupResult {
  /** Expired pending logins (logins never launched) deleted. */
  loginsDeleted: number;
}

/** The knex (PostgreSQL) store: the {@link LtiStore} calls plus administration. */
export interface KnexStore extends LtiStore, ToolKeyStore {
  /**
   * Register a platform, or update it when (issuer, clientId) is already
   * registered (with `deploymentId`: that deployment too, in one transaction).
   */
  registerPlatform(input: RegisterPlatformInput): Promise<Registration>;
  /**
   * Approve a registration waiting for approval; it can launch at once, in
   * every process (waiting registrations are never cached). Undefined when no
   * registration has this id.
   */
  approveRegistration(id: string): Promise<Registration | undefined>;
  /** Every registration, oldest first. */
  listRegistrations(): Promise<Registration[]>;
  /** The registration with this id (cached like `findRegistrations`), for service calls of saved launches. */
  findRegistrationById(id: string): Promise<Registration | undefined>;
  /** Delete a registration and its deployments and pending logins. True when a row was deleted. */
  deleteRegistration(id: string): Promise<boolean>;
  /** Add a deployment ahead of its first launch (idempotent). */
  addDeployment(registrationId: string, deploymentId: string): Promise<Deployment>;
  /** Deployments, optionally of one registration, oldest first. */
  listDeployments(registrationId?: string): Promise<Deployment[]>;
  /** Delete a deployment. True when a row was deleted. */
  deleteDeployment(id: string): Promise<boolean>;
  /** Delete expired pending logins; run it periodically (once per cluster, not per process). */
  cleanup(): Promise<CleanupResult>;
  /** Forget cached registrations and deployments (call after changing the tables by other means). */
  clearCache(): void;
}

export const TABLES = {
  registrations: 'lti_registrations',
  deployments: 'lti_deployments',
  logins: LOGINS_TABLE,
} as const;

interface DeploymentRow {
  id: string;
  registration_id: string;
  deployment_id: string;
  created_at: Date;
}

const DEPLOYMENT_COLUMNS = ['id', 'registration_id', 'deployment_id', 'created_at'];

function toDeployment(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    registrationId: row.registration_id,
    deploymentId: row.deployment_id,
    createdAt: row.created_at,
  };
}

/**
 * Found rows kept for a short time. Bounded: misses are never stored, so the size
 * follows real registrations and deployments, and a flood of them just starts over.
 */
class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: T }>();
  /** Bumped by clear(): a lookup that started before a change must not cache what it read. */
  private generation = 0;
  constructor(private readonly ttlMs: number) {}

  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.at < this.ttlMs) return hit.value;
    this.entries.delete(key);
    return undefined;
  }

  /** A token to pass to set(): taken before the query whose result is cached. */
  begin(): number {
    return this.generation;
  }

  set(key: string, value: T, generation: number): void {
    if (this.ttlMs <= 0 || generation !== this.generation) return;
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(key, { at: Date.now(), value });
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

/**
 * The default store: registrations, deployments, pending logins and the tool's
 * own keys in PostgreSQL through knex. Run the migrations (`knex migrate:latest`) first.
 *
 * @param db - a knex instance for the `pg` client.
 */
export function createKnexStore(db: Knex, options: KnexStoreOptions = {}): KnexStore {
  const ttl = options.cacheTtlMs ?? 30_000;
  const registrations = new TtlCache<Registration[]>(ttl);
  const deployments = new TtlCache<Deployment>(ttl);
  const logins = knexLogins(db);
  const registrationWrites = knexRegistrations(db);
  const clearCaches = () => {
    registrations.clear();
    deployments.clear();
  };

  async function findRegistrations(issuer: string, clientId: string | undefined): Promise<Registration[]> {
    const key = JSON.stringify([issuer, clientId ?? null]);
    const hit = registrations.get(key);
    // Copies: the app gets records it may change without touching the cache.
    if (hit) return hit.map((r) => ({ ...r }));
    const generation = registrations.begin();
    const query = db(TABLES.registrations).select(REGISTRATION_COLUMNS).where({ issuer });
    if (clientId !== undefined) query.andWhere({ client_id: clientId });
    const rows = (await query.orderBy('created_at').limit(2)) as RegistrationRow[];
    const value = rows.map(toRegistration);
    // A registration waiting for approval is never cached: an approval made by another process shows at once.
    if (value.length > 0 && !value.some((r) => r.awaitingApproval)) registrations.set(key, value.map((r) => ({ ...r })), generation);
    return value;
  }

  async function findDeployment(registration: Registration, deploymentId: string): Promise<Deployment | undefined> {
    const key = JSON.stringify([registration.id, deploymentId]);
    const hit = deployments.get(key);
    if (hit) return { ...hit };
    const generation = deployments.begin();
    const row = (await db(TABLES.deployments)
      .select(DEPLOYMENT_COLUMNS)
      .where({ registration_id: registration.id, deployment_id: deploymentId })
      .first()) as DeploymentRow | undefined;
    if (!row) return undefined;
    const deployment = toDeployment(row);
    deployments.set(key, { ...deployment }, generation);
    return deployment;
  }

  async function ensureDeployment(registrationId: string, deploymentId: string): Promise<Deployment> {
    // Insert-or-nothing, then select in a new statement: a CTE would not see a row
    // that a concurrent transaction committed after this statement's snapshot.
    const inserted = await db(TABLES.deployments)
      .insert({ registration_id: registrationId, deployment_id: deploymentId })
      .onConflict(['registration_id', 'deployment_id'])
      .ignore()
      .returning(DEPLOYMENT_COLUMNS);
    if (inserted.length > 0) return toDeployment(inserted[0] as DeploymentRow);
    const row = (await db(TABLES.deployments)
      .select(DEPLOYMENT_COLUMNS)
      .where({ registration_id: registrationId, deployment_id: deploymentId })
      .first()) as DeploymentRow | undefined;
    if (!row) throw new Error(`Deployment ${deploymentId} vanished while being created.`);
    return toDeployment(row);
  }

  // Before the migrations, every call says which command to run instead of showing SQL.
  return guardMissingTables<KnexStore>({
    ...createKnexToolKeys(db, options),
    findRegistrations,
    findDeployment,
    createDeployment: (registration, deploymentId) => ensureDeployment(registration.id, deploymentId),

    saveLogin: logins.saveLogin,
    takeLogin: logins.takeLogin,

    async registerPlatform(input) {
      const saved = await registrationWrites.registerPlatform(input);
      clearCaches();
      return saved;
    },

    async approveRegistration(id) {
      const approved = await registrationWrites.approveRegistration(id);
      clearCaches();
      return approved;
    },

    async findRegistrationById(id) {
      // Not a uuid: no such row (and no SQL error from PostgreSQL's uuid cast).
      if (!isUuid(id)) return undefined;
      const hit = registrations.get(`id:${id}`);
      if (hit) return { ...hit[0] };
      const generation = registrations.begin();
      const row = (await db(TABLES.registrations).select(REGISTRATION_COLUMNS).where({ id }).first()) as RegistrationRow | undefined;
      if (!row) return undefined;
      if (!row.awaiting_approval) registrations.set(`id:${id}`, [toRegistration(row)], generation);
      return toRegistration(row);
    },

    async listRegistrations() {
      const rows = (await db(TABLES.registrations).select(REGISTRATION_COLUMNS).orderBy('created_at')) as RegistrationRow[];
      return rows.map(toRegistration);
    },

    async deleteRegistration(id) {
      if (!isUuid(id)) return false;
      const count = await db(TABLES.registrations).where({ id }).del();
      clearCaches();
      return count > 0;
    },

    addDeployment: ensureDeployment,

    async listDeployments(registrationId) {
      if (registrationId !== undefined && !isUuid(registrationId)) return [];
      const query = db(TABLES.deployments).select(DEPLOYMENT_COLUMNS).orderBy('created_at');
      if (registrationId !== undefined) query.where({ registration_id: registrationId });
      return ((await query) as DeploymentRow[]).map(toDeployment);
    },

    async deleteDeployment(id) {
      if (!isUuid(id)) return false;
      const count = await db(TABLES.deployments).where({ id }).del();
      deployments.clear();
      return count > 0;
    },

    async cleanup() {
      return { loginsDeleted: await logins.deleteExpired() };
    },

    clearCache: clearCaches,
  });
}
