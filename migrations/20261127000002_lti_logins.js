// Pending logins as rows of their own, each bound to its browser by a per-login cookie
// (binding_hash = SHA-256 of the cookie's random value). The row carries the nonce,
// so lti_nonces goes: a login is taken once (DELETE … RETURNING), nonce and all.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('lti_logins', (t) => {
    t.text('state').primary();
    t.text('binding_hash').notNullable();
    t.uuid('registration_id').notNullable().references('id').inTable('lti_registrations').onDelete('CASCADE');
    t.text('nonce').notNullable();
    t.string('deployment_id', 255);
    t.text('target_link_uri').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
  await knex.schema.dropTable('lti_nonces');
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.createTable('lti_nonces', (t) => {
    t.string('nonce', 255).primary();
    t.uuid('registration_id').notNullable().references('id').inTable('lti_registrations').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
  await knex.schema.dropTable('lti_logins');
};
