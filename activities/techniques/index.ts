/** Every technique by its code: the registry the job activity looks techniques up in. */
import type { TechniqueCode } from '../../core/domain/techniques';
import { dnsLookup } from './dns-lookup';
import { emailVerify } from './email-verify';
import { portScan } from './port-scan';
import type { Technique } from './types';
import { whoisLookup } from './whois-lookup';

/** The techniques the worker runs. */
export const TECHNIQUE_REGISTRY: Readonly<Record<TechniqueCode, Technique>> = {
  dns_lookup: dnsLookup as Technique,
  whois_lookup: whoisLookup as Technique,
  email_verify: emailVerify as Technique,
  port_scan: portScan as Technique,
};
