import assert from 'node:assert/strict';
import { decideVerdict, type VerdictInputs } from './verdict';

const base: VerdictInputs = { syntaxProblem: null, mail: 'mx', disposable: false, role: false };

describe('email verdicts', () => {
  it('calls an invalid address undeliverable without looking further', () => {
    assert.deepEqual(decideVerdict({ ...base, syntaxProblem: 'has a space', mail: undefined }), { verdict: 'undeliverable', reasons: ['invalid_syntax'] });
  });

  it('calls a domain without mail undeliverable', () => {
    assert.deepEqual(decideVerdict({ ...base, mail: 'no_domain' }).reasons, ['domain_not_found']);
    assert.deepEqual(decideVerdict({ ...base, mail: 'null_mx' }).reasons, ['null_mx']);
    assert.equal(decideVerdict({ ...base, mail: 'no_mail_server' }).verdict, 'undeliverable');
  });

  it('calls an accepted mailbox deliverable, and risky behind a catch-all', () => {
    assert.deepEqual(decideVerdict({ ...base, probe: { outcome: 'accepted', catchAll: false } }), { verdict: 'deliverable', reasons: ['mailbox_accepted'] });
    assert.deepEqual(decideVerdict({ ...base, probe: { outcome: 'accepted', catchAll: true } }), {
      verdict: 'risky',
      reasons: ['catch_all', 'mailbox_accepted'],
    });
  });

  it('calls an accepted mailbox risky, not deliverable, when the catch-all test could not tell', () => {
    assert.deepEqual(decideVerdict({ ...base, probe: { outcome: 'accepted', catchAll: null, catchAllInconclusive: true } }), {
      verdict: 'risky',
      reasons: ['catch_all_unknown', 'mailbox_accepted'],
    });
    assert.deepEqual(decideVerdict({ ...base, probe: { outcome: 'accepted', catchAll: null } }), {
      verdict: 'deliverable',
      reasons: ['mailbox_accepted', 'catch_all_untested'],
    });
  });

  it('answers unknown, naming the sender, when the server refuses our sender address', () => {
    assert.deepEqual(decideVerdict({ ...base, probe: { outcome: 'sender_rejected', catchAll: null } }), { verdict: 'unknown', reasons: ['smtp_sender_rejected'] });
  });

  it('calls a rejected mailbox undeliverable even on a disposable domain', () => {
    assert.equal(decideVerdict({ ...base, disposable: true, probe: { outcome: 'rejected', catchAll: null } }).verdict, 'undeliverable');
  });

  it('never calls a mailbox undeliverable when port 25 could not be reached', () => {
    assert.deepEqual(decideVerdict({ ...base, probe: { outcome: 'unreachable', catchAll: null } }), { verdict: 'unknown', reasons: ['smtp_unreachable'] });
    assert.equal(decideVerdict({ ...base, probe: { outcome: 'policy', catchAll: null } }).verdict, 'unknown');
  });

  it('calls disposable and role addresses risky, and says when no probe ran', () => {
    assert.deepEqual(decideVerdict({ ...base, disposable: true, role: true }), {
      verdict: 'risky',
      reasons: ['disposable_domain', 'role_account', 'smtp_not_probed'],
    });
    assert.deepEqual(decideVerdict(base), { verdict: 'unknown', reasons: ['smtp_not_probed'] });
    assert.deepEqual(decideVerdict({ ...base, mail: 'implicit' }).reasons, ['no_mx_using_address_record', 'smtp_not_probed']);
  });
});
