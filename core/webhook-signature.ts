/**
 * Signing webhook deliveries, and the check a receiver makes. Each attempt sends
 *
 *   X-Osint-Timestamp: <unix seconds of this attempt>
 *   X-Osint-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * The timestamp is inside the signed text, so a receiver that refuses old timestamps refuses
 * replays; the delivery id in the body (and X-Osint-Delivery) lets it drop a retried duplicate.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Osint-Signature';
export const TIMESTAMP_HEADER = 'X-Osint-Timestamp';
export const EVENT_HEADER = 'X-Osint-Event';
export const DELIVERY_HEADER = 'X-Osint-Delivery';

/** Replays older (or newer) than this are refused by verifyWebhookSignature by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The X-Osint-Signature value of `body` sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Why a signed request is refused, or null when it is genuine and fresh. */
export function verifyWebhookSignature(
  secret: string,
  request: { signature: string | undefined; timestamp: string | undefined; body: string },
  options: { now?: number; toleranceSeconds?: number } = {},
): string | null {
  const { signature, timestamp, body } = request;
  if (!signature || !timestamp) return 'missing signature or timestamp';
  if (!/^\d{1,12}$/.test(timestamp)) return 'malformed timestamp';
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return 'timestamp outside the tolerance';
  const expected = Buffer.from(signWebhookBody(secret, Number(timestamp), body));
  const given = Buffer.from(signature.trim());
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  return matches ? null : 'signature does not match';
}
