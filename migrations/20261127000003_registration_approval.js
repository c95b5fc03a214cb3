// Approval of registrations: a platform registered by Dynamic Registration with
// requireApproval waits (awaiting_approval) until an admin approves it; it cannot
// launch meanwhile. Existing rows are approved (they were registered by hand).

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('lti_registrations', (t) => {
    t.boolean('awaiting_approval').notNullable().defaultTo(false);
    t.timestamp('approved_at', { useTz: true });
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('lti_registrations', (t) => {
    t.dropColumn('approved_at');
    t.dropColumn('awaiting_approval');
  });
};
