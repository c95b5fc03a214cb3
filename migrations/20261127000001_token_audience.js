// The OAuth audience of a platform's token endpoint, when it differs from the
// token URL (Brightspace).

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('lti_registrations', (t) => {
    t.text('token_audience');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('lti_registrations', (t) => {
    t.dropColumn('token_audience');
  });
};
