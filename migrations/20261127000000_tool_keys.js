// The tool's own RSA key pairs (client assertions, deep-linking responses).
// At most one 'next' and one 'current' key: partial unique indexes make a race
// between processes fail instead of leaving two.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('lti_tool_keys', (t) => {
    t.text('kid').primary();
    t.text('state').notNullable();
    t.text('alg').notNullable().defaultTo('RS256');
    // Public JWK only (kty, n, e, kid, alg, use).
    t.jsonb('public_jwk').notNullable();
    // AES-256-GCM of the PKCS#8 private key; never plaintext.
    t.text('private_key_encrypted').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('activated_at', { useTz: true });
    t.timestamp('retired_at', { useTz: true });
  });
  await knex.raw(`alter table lti_tool_keys add constraint lti_tool_keys_state_check check (state in ('next', 'current', 'retired'))`);
  await knex.raw(`create unique index lti_tool_keys_one_current on lti_tool_keys (state) where state = 'current'`);
  await knex.raw(`create unique index lti_tool_keys_one_next on lti_tool_keys (state) where state = 'next'`);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('lti_tool_keys');
};
