// Registrations, deployments and nonces for express-lti (PostgreSQL 13+: gen_random_uuid is built in).

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('lti_registrations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('issuer').notNullable();
    t.text('client_id').notNullable();
    t.text('auth_endpoint').notNullable();
    t.text('jwks_url').notNullable();
    t.text('token_endpoint');
    t.text('name');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['issuer', 'client_id']);
  });
  await knex.schema.createTable('lti_deployments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('registration_id').notNullable().references('id').inTable('lti_registrations').onDelete('CASCADE');
    // LTI Core caps deployment_id at 255 characters.
    t.string('deployment_id', 255).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['registration_id', 'deployment_id']);
  });
  await knex.schema.createTable('lti_nonces', (t) => {
    t.string('nonce', 255).primary();
    t.uuid('registration_id').notNullable().references('id').inTable('lti_registrations').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable().index();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('lti_nonces');
  await knex.schema.dropTable('lti_deployments');
  await knex.schema.dropTable('lti_registrations');
};
