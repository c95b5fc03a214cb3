import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { NonceReplayedError, ltiErrorHandler, type LtiError } from '../lib';

function appThrowing(err: unknown, seen: LtiError[] = []) {
  const app = express();
  app.get('/', (_req, _res, next) => next(err));
  app.use(ltiErrorHandler({ onError: (e) => void seen.push(e) }));
  app.use((e: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(599).send(`fallthrough: ${e.message}`);
  });
  return app;
}

describe('ltiErrorHandler', () => {
  it('answers JSON with code, message and spec when the client asks for JSON', async () => {
    const res = await request(appThrowing(new NonceReplayedError())).get('/').set('Accept', 'application/json');
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'nonce_replayed');
    assert.match(res.body.error.spec, /5\.1\.3/);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('answers a small HTML page for browsers, with the code and no stack', async () => {
    const seen: LtiError[] = [];
    const res = await request(appThrowing(new NonceReplayedError(), seen)).get('/').set('Accept', 'text/html');
    assert.equal(res.status, 401);
    assert.match(res.headers['content-type'], /text\/html/);
    assert.match(res.text, /nonce_replayed/);
    assert.doesNotMatch(res.text, /at .*\.ts:\d+/);
    assert.equal(seen.length, 1);
  });

  it('turns a database connection error from the session middleware into 503 session_unavailable', async () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const res = await request(appThrowing(err)).get('/').set('Accept', 'application/json');
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'session_unavailable');
    assert.doesNotMatch(res.text, /5432/);
  });

  it('passes other errors on untouched', async () => {
    const res = await request(appThrowing(new Error('app bug'))).get('/');
    assert.equal(res.status, 599);
    assert.equal(res.text, 'fallthrough: app bug');
  });
});
