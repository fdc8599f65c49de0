import assert from 'node:assert/strict';
import { isRoleAccount, splitAddress, syntaxProblem } from './address';
import { isDisposableDomain } from './disposable';

describe('email address checks', () => {
  it('splits at the last @ and lowercases the domain', () => {
    assert.deepEqual(splitAddress('Alice@Example.TEST'), { local: 'Alice', domain: 'example.test' });
    assert.deepEqual(splitAddress('"a@b"@example.test'), { local: '"a@b"', domain: 'example.test' });
    assert.equal(splitAddress('no-at-sign'), undefined);
    assert.equal(splitAddress('@example.test'), undefined);
    assert.equal(splitAddress('alice@'), undefined);
  });

  it('gives the reason an address is invalid', () => {
    assert.equal(syntaxProblem('alice@example.test'), null);
    assert.match(syntaxProblem('al ice@example.test') ?? '', /characters not allowed/);
    assert.match(syntaxProblem('alice..b@example.test') ?? '', /characters not allowed/);
    assert.match(syntaxProblem(`${'a'.repeat(65)}@example.test`) ?? '', /longer than 64/);
    assert.match(syntaxProblem('alice@localhost') ?? '', /two labels/);
  });

  it('recognizes role accounts whatever their tag, case or separators', () => {
    for (const local of ['admin', 'Postmaster', 'info+news', 'no-reply', 'no_reply', 'customer.service', 'sales']) {
      assert.equal(isRoleAccount(local), true, local);
    }
    for (const local of ['alice', 'admiral', 'informed', 'j.smith']) assert.equal(isRoleAccount(local), false, local);
  });

  it('recognizes disposable domains and their subdomains from the pinned list', () => {
    assert.equal(isDisposableDomain('mailinator.com'), true);
    assert.equal(isDisposableDomain('YOPMAIL.COM'), true);
    assert.equal(isDisposableDomain('anything.mailinator.com'), true);
    assert.equal(isDisposableDomain('example.test'), false);
    assert.equal(isDisposableDomain('gmail.com'), false);
  });
});
