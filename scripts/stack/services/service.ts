/** What the stack needs to know of each service it can start or reuse. */
import type { ManagedProcess, OutputSink } from '../process';
import type { StackSettings } from '../settings';

/** How a service is started: durable files for `npm start`, fast throwaway state for tests. */
export type StackProfile = 'dev' | 'test';

/** Context handed to a service's start. */
export interface StartContext {
  readonly settings: StackSettings;
  readonly profile: StackProfile;
  /** The folder under which this service keeps its files. */
  readonly dir: string;
  readonly sink: OutputSink;
  /** Start it in a process group of its own (see ProcessOptions.detached). */
  readonly detached?: boolean;
}

/** A component of the local stack. */
export interface ServiceDefinition {
  readonly name: string;
  /** Where it listens, for messages. */
  address(settings: StackSettings): string;
  /** True when something already answers there (it is then reused, not started). */
  isUp(settings: StackSettings): Promise<boolean>;
  /** Starts the server and resolves once it answers. */
  start(context: StartContext): Promise<ManagedProcess>;
  /** Creates what the platform needs inside the server (database, namespace, bucket); idempotent. */
  prepare?(settings: StackSettings): Promise<void>;
}
