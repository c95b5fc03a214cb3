// A learner answers the launched activity's quiz; the score goes to the LMS gradebook (AGS).
import express from 'express';
import { LtiServiceError, type LtiServices } from '../lib'; // in your app: from 'express-lti'
import { scoreSentPage, serviceErrorPage } from './advantage-views';
import { validCsrf } from './csrf';
import { quizById } from './quizzes';
import { notLaunchedPage, page } from './views';

export function quizRoutes(options: { services: LtiServices; devPlatformUrl?: string }): express.Router {
  const { services, devPlatformUrl } = options;
  const gradebookUrl = devPlatformUrl ? new URL('gradebook', devPlatformUrl).href : undefined;
  const router = express.Router();

  router.post('/quiz', express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const lti = req.session.lti;
    if (!lti?.userId) return void res.status(400).type('html').send(notLaunchedPage(devPlatformUrl));
    if (!validCsrf(req)) {
      return void res.status(403).type('html').send(page('Please try again', '<p>This form is out of date. <a href="/app">Open the quiz again</a> and submit from there.</p>'));
    }
    const body = req.body as Record<string, unknown>;
    const quiz = typeof body.quiz === 'string' ? quizById(body.quiz) : undefined;
    const answer = typeof body.answer === 'string' && /^\d{1,2}$/.test(body.answer) ? Number(body.answer) : undefined;
    if (!quiz || quiz.scoreMaximum === undefined || answer === undefined || answer >= quiz.choices.length) {
      return void res.status(400).type('html').send(page('Please choose an answer', '<p><a href="/app">Back to the quiz</a></p>'));
    }
    const scoreGiven = answer === quiz.answer ? quiz.scoreMaximum : 0;
    try {
      // The launch's own line item (AGS claim `lineitem`); the session keeps the claim for later requests.
      await services.publishScore(lti, {
        userId: lti.userId,
        scoreGiven,
        scoreMaximum: quiz.scoreMaximum,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
      });
    } catch (err) {
      if (!(err instanceof LtiServiceError)) throw err;
      console.warn(`score not sent: ${err.code}: ${err.message}`);
      return void res.status(err.status).type('html').send(serviceErrorPage('Your score was not sent', err, devPlatformUrl));
    }
    res.type('html').send(scoreSentPage(quiz, scoreGiven, quiz.scoreMaximum, gradebookUrl));
  });

  return router;
}
