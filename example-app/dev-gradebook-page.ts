// Development only: the platform's gradebook as a page (names from its roster), where a
// learner's score appears after the example tool posts it (AGS).
import type { DevPlatform } from '../dev/platform';
import { escapeHtml as e } from '../lib';
import { page } from './views';

export function gradebookPageHtml(platform: DevPlatform, backUrl: string): string {
  const names = new Map(platform.nrps.roster.map((m) => [m.user_id, m.name ?? m.user_id]));
  const rows = platform.ags
    .gradebook()
    .map(
      (r) => `<tr><td>${e(r.lineItem)}</td><td>${e(names.get(r.userId) ?? r.userId)}</td>
<td>${e(String(r.scoreGiven ?? '—'))} / ${e(String(r.scoreMaximum ?? '—'))}</td><td>${e(r.gradingProgress)}</td><td>${e(r.timestamp)}</td></tr>`,
    )
    .join('\n');
  return page(
    'Gradebook',
    `<p class="note">The development platform's gradebook: the latest score per activity and learner, as tools posted them.</p>
${rows ? `<table><thead><tr><th>Activity</th><th>Learner</th><th>Score</th><th>Grading</th><th>Posted</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>No scores yet. Launch as Learner and submit the quiz.</p>'}
<p><a href="${e(backUrl)}">Back to the development platform</a></p>`,
  );
}
