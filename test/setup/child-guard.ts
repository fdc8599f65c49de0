/**
 * Preloaded into every process a test spawns (API, worker): the same loopback-only guard, and
 * any refusal printed to stderr, so a child's reach for the network shows in the test's output.
 */
import { installNetworkGuard } from '../helpers/network-guard';

installNetworkGuard();
