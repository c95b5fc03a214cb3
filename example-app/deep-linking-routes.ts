// Deep Linking: an LtiDeepLinkingRequest opens the picker; the choice goes back to the
// platform as a signed LtiDeepLinkingResponse (sendDeepLinkingResponse).
import express, { type Request, type Response } from 'express';
import {
  deepLinkingLaunch,
  roleHelpers,
  sendDeepLinkingResponse,
  type CheckedDeepLinkingLaunch,
  type DeepLinkingContentItem,
  type KnexStore,
} from '../lib'; // in your app: from 'express-lti'
import { pickerPage } from './advantage-views';
import { csrfToken, validCsrf } from './csrf';
import { QUIZZES, quizById, type Quiz } from './quizzes';
import { launchAgain, page } from './views';

declare module 'express-session' {
  interface SessionData {
    /** What the deep-linking response needs, kept from the request until the instructor picks. */
    dl: CheckedDeepLinkingLaunch;
  }
}

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err?: unknown) => (err ? reject(err) : resolve())));
}

/** After ltiLaunch of an LtiDeepLinkingRequest: keep the request, show the picker. */
export async function startPicker(req: Request, res: Response): Promise<void> {
  // Adding content is for the course's teachers (LMSs offer it only to them; a forged launch must not).
  const roles = roleHelpers(req.lti.user.roles);
  if (!roles.isInstructor && !roles.isAdministrator && !roles.isContentDeveloper) {
    res.status(403).type('html').send(page('For instructors only', '<p>Only the course\'s instructors can add content with this tool.</p>'));
    return;
  }
  req.session.dl = deepLinkingLaunch(req.lti);
  await saveSession(req); // saved before the browser follows the redirect
  res.redirect(303, '/picker');
}

/** The content item for a quiz: a link that launches this tool, with a gradebook column when graded. */
export function quizItem(quiz: Quiz, toolUrl: string): DeepLinkingContentItem {
  return {
    type: 'ltiResourceLink',
    title: quiz.title,
    text: quiz.description,
    url: `${toolUrl}/lti/launch`,
    custom: { quiz: quiz.id },
    ...(quiz.scoreMaximum === undefined ? {} : { lineItem: { scoreMaximum: quiz.scoreMaximum, label: quiz.title, resourceId: quiz.id, tag: 'quiz' } }),
  };
}

const noRequestPage = (devPlatformUrl?: string) =>
  page(
    'Nothing to add',
    `<p>There is no content request in this browser (it was answered, or it expired).
Open "Add content" from your course again.</p>${launchAgain(devPlatformUrl)}`,
  );

export function deepLinkingRoutes(options: { store: KnexStore; toolUrl: string; devPlatformUrl?: string }): express.Router {
  const { store, toolUrl, devPlatformUrl } = options;
  const router = express.Router();

  router.get('/picker', (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (!req.session.dl) return void res.status(400).type('html').send(noRequestPage(devPlatformUrl));
    res.type('html').send(pickerPage(QUIZZES, csrfToken(req)));
  });

  router.post('/picker', express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const dl = req.session.dl;
    if (!dl) return void res.status(400).type('html').send(noRequestPage(devPlatformUrl));
    if (!validCsrf(req)) {
      return void res.status(403).type('html').send(page('Please try again', '<p>This form is out of date. Open "Add content" from your course again.</p>'));
    }
    const body = req.body as Record<string, unknown>;
    const quiz = typeof body.quiz === 'string' ? quizById(body.quiz) : undefined;
    if (!body.cancel && !quiz) return void res.status(400).type('html').send(page('Please choose an activity', '<p>Go back and choose one of the activities.</p>'));
    delete req.session.dl; // one response per request
    await saveSession(req);
    const items = quiz && !body.cancel ? [quizItem(quiz, toolUrl)] : [];
    await sendDeepLinkingResponse(res, dl, items, { keys: store, message: quiz && !body.cancel ? `Added "${quiz.title}"` : 'Nothing was added' });
  });

  return router;
}
