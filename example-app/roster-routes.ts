// The instructor's view of the course: its members (NRPS) and gradebook columns (AGS line items).
import express from 'express';
import { LtiServiceError, roleHelpers, type LineItem, type LtiServices, type NrpsMember } from '../lib'; // in your app: from 'express-lti'
import { rosterPage, serviceErrorPage } from './advantage-views';
import { notLaunchedPage, page } from './views';

/** Members shown at most; a real tool would page its own view too. */
const MAX_MEMBERS = 1_000;

export function rosterRoutes(options: { services: LtiServices; devPlatformUrl?: string }): express.Router {
  const { services, devPlatformUrl } = options;
  const router = express.Router();

  router.get('/roster', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const lti = req.session.lti;
    if (!lti) return void res.status(400).type('html').send(notLaunchedPage(devPlatformUrl));
    const roles = roleHelpers(lti.roles);
    if (!roles.isInstructor && !roles.isAdministrator) {
      return void res.status(403).type('html').send(page('For instructors only', '<p>The course roster is shown to instructors. <a href="/app">Back</a></p>'));
    }
    const members: NrpsMember[] = [];
    let lineItems: LineItem[] = [];
    try {
      for await (const member of services.members(lti)) {
        members.push(member);
        if (members.length >= MAX_MEMBERS) break; // stops fetching pages
      }
      if (lti.ags) lineItems = await services.listLineItems(lti);
    } catch (err) {
      if (!(err instanceof LtiServiceError)) throw err;
      console.warn(`roster not read: ${err.code}: ${err.message}`);
      return void res.status(err.status).type('html').send(serviceErrorPage('The roster could not be read', err, devPlatformUrl));
    }
    res.type('html').send(rosterPage(members, lineItems, lti.context?.title, devPlatformUrl));
  });

  return router;
}
