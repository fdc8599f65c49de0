import assert from 'node:assert/strict';
import { classifyRecipientReply, SmtpProtocolError, SmtpReplyReader, type SmtpReply } from './smtp-reply';

/** Replies as large providers send them (addresses and ids replaced). */
const RECORDED = {
  gmailEhlo:
    '250-mx.google.com at your service, [203.0.113.5]\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n250-STARTTLS\r\n' +
    '250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n',
  gmailNoSuchUser:
    '550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n' +
    "550-5.1.1 double-checking the recipient's email address for typos or\r\n" +
    '550-5.1.1 unnecessary spaces. Learn more at\r\n' +
    '550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1-20020a17090a000000b0000000000000si1 - gsmtp\r\n',
  postgrey: '450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html\r\n',
  office365Unknown: '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT014.eop-EUR03.prod.protection.outlook.com]\r\n',
  spamhausBlock: '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org\r\n',
  overQuota: '552 5.2.2 The email account that you tried to reach is over quota.\r\n',
  plainUnknown: '550 No such user here\r\n',
  postfixSenderDomain: '550 5.1.8 <probe@osint-platform.invalid>: Sender address rejected: Domain not found\r\n',
  gmailBadSender: '553 5.1.7 The sender address <probe@osint-platform.invalid> is not a valid RFC-5321 address. a1si1 - gsmtp\r\n',
  postfixUnlistedSender: '550 5.1.0 <probe@osint-platform.invalid>: Sender address rejected: User unknown in local recipient table\r\n',
  eximSenderVerify: '550-Verification failed for <probe@osint-platform.invalid>\r\n550-Unrouteable address\r\n550 Sender verify failed\r\n',
  sendmailRelay: '550 5.7.1 <bob@example.org>... Relaying denied\r\n',
  plainRelay: '550 Relaying denied\r\n',
  plainBlocked: '550 Your IP address is blocked\r\n',
  relayRecipientTable: '550 <bob@example.org>: Recipient address rejected: User unknown in relay recipient table\r\n',
  bareCode: '250\r\n',
};

function readAll(text: string, chunkSize = text.length): SmtpReply[] {
  const reader = new SmtpReplyReader();
  const replies: SmtpReply[] = [];
  const bytes = Buffer.from(text, 'latin1');
  for (let offset = 0; offset < bytes.length; offset += chunkSize) replies.push(...reader.push(bytes.subarray(offset, offset + chunkSize)));
  return replies;
}

describe('SMTP reply reading', () => {
  it('reads a multi-line EHLO reply as one reply with every line', () => {
    const [reply] = readAll(RECORDED.gmailEhlo);
    assert.equal(reply?.code, 250);
    assert.equal(reply?.lines.length, 8);
    assert.equal(reply?.lines[7], 'SMTPUTF8');
    assert.equal(reply?.raw.toString('latin1'), RECORDED.gmailEhlo);
  });

  it('reads the same reply delivered one byte at a time', () => {
    const replies = readAll(RECORDED.gmailNoSuchUser + RECORDED.bareCode, 1);
    assert.deepEqual(replies.map((reply) => reply.code), [550, 250]);
    assert.equal(replies[0]?.enhanced, '5.1.1');
    assert.deepEqual(replies[1]?.lines, ['']);
  });

  it('accepts bare LF line endings', () => {
    const [reply] = readAll('220 mx.example.test ESMTP\n');
    assert.equal(reply?.code, 220);
    assert.deepEqual(reply?.lines, ['mx.example.test ESMTP']);
  });

  it('refuses a line that is not a reply', () => {
    assert.throws(() => readAll('HTTP/1.1 400 Bad Request\r\n'), SmtpProtocolError);
    assert.throws(() => readAll('\u0000\u00ff\u0013garbage\r\n'), SmtpProtocolError);
    assert.throws(() => readAll('99 too short\r\n'), SmtpProtocolError);
  });

  it('refuses a reply whose lines carry different codes', () => {
    assert.throws(() => readAll('250-first\r\n550 second\r\n'), /mixes codes 250 and 550/);
  });

  it('refuses an endless line or an endless reply', () => {
    assert.throws(() => readAll(`220 ${'x'.repeat(5000)}`), /longer than 2048 bytes/);
    assert.throws(() => readAll('250-more\r\n'.repeat(200)), /longer than 100 lines/);
  });

  it('keeps an incomplete reply pending', () => {
    const reader = new SmtpReplyReader();
    assert.deepEqual(reader.push(Buffer.from('250-one\r\n250 tw')), []);
    assert.equal(reader.pending().toString(), '250-one\r\n250 tw');
  });
});

describe('RCPT TO reply classification', () => {
  const classify = (text: string) => classifyRecipientReply(readAll(text)[0] as SmtpReply);

  it('rejects the mailbox on 5.1.1, on Microsoft 365 5.4.1, and on a plain 550', () => {
    assert.equal(classify(RECORDED.gmailNoSuchUser), 'rejected');
    assert.equal(classify(RECORDED.office365Unknown), 'rejected');
    assert.equal(classify(RECORDED.plainUnknown), 'rejected');
  });

  it('calls a 4xx temporary and a 5.7.x block policy, not a verdict on the mailbox', () => {
    assert.equal(classify(RECORDED.postgrey), 'temporary');
    assert.equal(classify(RECORDED.spamhausBlock), 'policy');
    assert.equal(classifyRecipientReply({ code: 554, enhanced: null }), 'policy');
  });

  it('reads 5.1.7, 5.1.8 and a reply naming the sender as a refusal of our sender, not of the mailbox', () => {
    assert.equal(classify(RECORDED.postfixSenderDomain), 'sender_rejected');
    assert.equal(classify(RECORDED.gmailBadSender), 'sender_rejected');
    assert.equal(classify(RECORDED.postfixUnlistedSender), 'sender_rejected');
    assert.equal(classify(RECORDED.eximSenderVerify), 'sender_rejected');
    assert.equal(classifyRecipientReply({ code: 550, enhanced: '5.1.8' }), 'sender_rejected');
  });

  it('calls a 550 about relaying or blocking policy, and still rejects on a plain 550 or a relay recipient table', () => {
    assert.equal(classify(RECORDED.sendmailRelay), 'policy');
    assert.equal(classify(RECORDED.plainRelay), 'policy');
    assert.equal(classify(RECORDED.plainBlocked), 'policy');
    assert.equal(classify(RECORDED.relayRecipientTable), 'rejected');
    assert.equal(classify(RECORDED.plainUnknown), 'rejected');
    assert.equal(classifyRecipientReply({ code: 550, enhanced: '5.1.1', lines: ['5.1.1 <bob@example.org>: sender policy says no'] }), 'rejected');
  });

  it('recognizes a full mailbox and an acceptance', () => {
    assert.equal(classify(RECORDED.overQuota), 'mailbox_full');
    assert.equal(classifyRecipientReply({ code: 552, enhanced: null }), 'mailbox_full');
    assert.equal(classifyRecipientReply({ code: 251, enhanced: '2.1.5' }), 'accepted');
  });

  it('calls a sequence or syntax error a protocol problem', () => {
    assert.equal(classifyRecipientReply({ code: 503, enhanced: '5.5.1' }), 'protocol');
    assert.equal(classifyRecipientReply({ code: 503, enhanced: null }), 'protocol');
    assert.equal(classifyRecipientReply({ code: 354, enhanced: null }), 'protocol');
  });
});
