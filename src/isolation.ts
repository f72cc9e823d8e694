/**
 * How trial runs are isolated on the server's machine, as `GET /pachinco/status` reports it.
 */
import { ITrialIsolation } from './protocol';

/**
 * The kernel-enforced layers this machine lacks, space-separated ('' when none is missing).
 */
export function isolationMissing(isolation: ITrialIsolation): string {
  return ['landlock', 'seccomp']
    .filter(name => !isolation.layers[name])
    .join(' ');
}
