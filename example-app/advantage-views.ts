// HTML of the LTI Advantage pages: content picker, quiz, score sent, roster, service errors.
// Names, titles and labels come from the platform or its users: all escaped.
import { AGS_SCOPE, escapeHtml, LtiServiceError, roleHelpers, type LineItem, type LtiSessionLaunch, type NrpsMember } from '../lib'; // in your app: from 'express-lti'
import type { Quiz } from './quizzes';
import { launchAgain, page, readableRoles } from './views';

const e = (value: string | number | undefined) => escapeHtml(value === undefined ? '' : String(value));
const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${e(csrf)}">`;

/** Deep Linking: the instructor picks what to add to the course. */
export function pickerPage(quizzes: readonly Quiz[], csrf: string): string {
  const options = quizzes
    .map(
      (q, i) => `<p><label><input type="radio" name="quiz" value="${e(q.id)}"${i === 0 ? ' checked' : ''}> <strong>${e(q.title)}</strong><br>
<span class="note">${e(q.description)}</span></label></p>`,
    )
    .join('\n');
  return page(
    'Add content to your course',
    `<p>Choose the activity to add to your course.</p>
<form method="post" action="/picker">${csrfField(csrf)}
${options}
<button type="submit">Add to course</button>
</form>
<form method="post" action="/picker" style="margin-top:1rem">${csrfField(csrf)}<input type="hidden" name="cancel" value="1">
<button type="submit">Cancel (add nothing)</button></form>`,
  );
}

/** The learner's quiz, shown on the launched page. */
export function quizForm(quiz: Quiz, csrf: string): string {
  const choices = quiz.choices
    .map((choice, i) => `<p><label><input type="radio" name="answer" value="${i}" required> ${e(choice)}</label></p>`)
    .join('\n');
  return `<h2>${e(quiz.title)}</h2>
<form method="post" action="/quiz">${csrfField(csrf)}<input type="hidden" name="quiz" value="${e(quiz.id)}">
<p>${e(quiz.question)}</p>
${choices}
<button type="submit">Submit my answer</button>
</form>`;
}

export function scoreSentPage(quiz: Quiz, scoreGiven: number, scoreMaximum: number, gradebookUrl?: string): string {
  return page(
    'Your score was sent',
    `<p>${scoreGiven === scoreMaximum ? 'Correct!' : 'Not quite.'} Your score for <strong>${e(quiz.title)}</strong>:
<strong>${e(scoreGiven)} / ${e(scoreMaximum)}</strong>. It was sent to your course's gradebook.</p>
${gradebookUrl ? `<p>Development: <a href="${e(gradebookUrl)}">see it in the development platform's gradebook</a>.</p>` : ''}
<p><a href="/app">Back to the activity</a></p>`,
  );
}

/** The instructor's roster and the course's gradebook columns. */
export function rosterPage(members: NrpsMember[], lineItems: LineItem[], courseTitle: string | undefined, devPlatformUrl?: string): string {
  const rows = members
    .map(
      (m) => `<tr><td>${e(m.name) || '<span class="note">name not shared</span>'}</td><td>${e(m.email) || '<span class="note">—</span>'}</td>
<td>${e(readableRoles(m.roles ?? []))}</td><td>${e(m.status ?? 'Active')}</td></tr>`,
    )
    .join('\n');
  const items = lineItems
    .map((item) => `<li>${e(item.label)} <span class="note">(out of ${e(item.scoreMaximum)}${item.tag ? `, tag ${e(item.tag)}` : ''})</span></li>`)
    .join('\n');
  return page(
    `Course roster${courseTitle ? `: ${courseTitle}` : ''}`,
    `<table>
<thead><tr><th>Name</th><th>Email</th><th>Roles</th><th>Status</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="note">${members.length} member(s), read with Names and Role Provisioning Services.</p>
<h2>Gradebook columns</h2>
${lineItems.length ? `<ul>${items}</ul>` : '<p class="note">None yet.</p>'}
<p><a href="/app">Back to the activity</a></p>${launchAgain(devPlatformUrl)}`,
  );
}

/** What went wrong talking to the platform, in plain words; the code for whoever helps. */
function explain(err: LtiServiceError): string {
  switch (err.code) {
    case 'service_unavailable':
    case 'token_endpoint_unavailable':
      return 'Your learning platform is not answering right now. Please try again in a few minutes.';
    case 'service_timeout':
      return 'Your learning platform took too long to answer. Please try again in a few minutes.';
    case 'scope_not_granted':
      return 'Your course does not allow this tool to do that. Please ask your instructor or administrator.';
    case 'line_item_missing':
      return 'This activity has no gradebook column in your course, so there is nowhere to send a score. Please tell your instructor.';
    case 'token_request_failed':
      return 'The learning platform did not let this tool sign in. Please tell your administrator.';
    default:
      return 'Your learning platform gave an answer this tool could not use. Please try again later, or tell your administrator.';
  }
}

export function serviceErrorPage(title: string, err: LtiServiceError, devPlatformUrl?: string): string {
  return page(
    title,
    `<p>${e(explain(err))}</p>
<p class="note">Error code: <code>${e(err.code)}</code></p>
<p><a href="/app">Back to the activity</a></p>${launchAgain(devPlatformUrl)}`,
  );
}

/** What the launched page offers: the quiz to a learner, the roster to an instructor. */
export function launchedActions(lti: LtiSessionLaunch, quiz: Quiz, csrf: string): string {
  const roles = roleHelpers(lti.roles);
  const parts: string[] = [];
  if ((roles.isInstructor || roles.isAdministrator) && lti.nrps) {
    parts.push('<p><a href="/roster">Course roster</a> <span class="note">(members and gradebook columns, from the platform)</span></p>');
  }
  const canScore = lti.ags?.lineitem !== undefined && (lti.ags.scope ?? []).includes(AGS_SCOPE.score);
  if (roles.isLearner && canScore && lti.userId) parts.push(quizForm(quiz, csrf));
  return parts.join('\n');
}
