import assert from 'node:assert/strict';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature';

describe('webhook signatures', () => {
  const body = '{"event":"job.finished"}';

  it('verifies a fresh signature over the timestamp and the exact body', () => {
    const signature = signWebhookBody('secret', 1_800_000_000, body);
    assert.match(signature, /^v1=[0-9a-f]{64}$/);
    assert.equal(verifyWebhookSignature('secret', { signature, timestamp: '1800000000', body }, { now: 1_800_000_010 }), null);
  });

  it('refuses another secret, a changed body, a moved timestamp and a stale replay', () => {
    const signature = signWebhookBody('secret', 1_800_000_000, body);
    const now = { now: 1_800_000_000 };
    assert.match(verifyWebhookSignature('other', { signature, timestamp: '1800000000', body }, now) ?? '', /does not match/);
    assert.match(verifyWebhookSignature('secret', { signature, timestamp: '1800000000', body: `${body} ` }, now) ?? '', /does not match/);
    assert.match(verifyWebhookSignature('secret', { signature, timestamp: '1800000001', body }, now) ?? '', /does not match/);
    assert.match(verifyWebhookSignature('secret', { signature, timestamp: '1800000000', body }, { now: 1_800_000_301 }) ?? '', /tolerance/);
  });
});
