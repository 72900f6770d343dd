/**
 * Environment profiles: `profiles/<name>.json` beside the rule files. A profile's lists are appended
 * to the rule files' lists of the same name when it is selected (`--profile eks`), so one rule library
 * serves EKS, GKE, AKS, k3s, kind and kubeadm clusters, each with its own system users and namespaces.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonPointer } from './json-pointer.js';
import type { RuleProblem } from './rule-problem.js';

/** The folder, below a loaded rule folder, that holds the profiles; it is never loaded as rules. */
export const PROFILES_FOLDER = 'profiles';

/** A validated profile: its name, where it came from, and the lists it extends. */
export interface ProfileSpec {
  name: string;
  file: string;
  description?: string;
  lists: Record<string, unknown[]>;
}

/**
 * The profile names available in the given rule folders (`profiles/*.json`), sorted, without repeats.
 * Paths that are files, or folders without `profiles/`, contribute nothing.
 *
 * @example
 * await listProfiles(['rules']) // ['aks', 'eks', 'gke', 'k3s', 'kind', 'kubeadm']
 */
export async function listProfiles(paths: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const path of paths) {
    const entries = await readdir(join(path, PROFILES_FOLDER), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith('.') || !entry.name.endsWith('.json') || entry.name.endsWith('.schema.json')) continue;
      if (entry.isFile() || entry.isSymbolicLink()) names.add(entry.name.slice(0, -'.json'.length));
    }
  }
  return [...names].sort();
}

/** The message for a profile that none of the folders has. */
export function unknownProfileMessage(name: string, available: readonly string[]): string {
  return available.length > 0
    ? `unknown profile "${name}"; available profiles: ${available.join(', ')}`
    : `unknown profile "${name}": no ${PROFILES_FOLDER}/ folder with profiles in the rule folders given`;
}

/**
 * Appends a profile's lists to the rule set's lists (new arrays; the base lists are not changed).
 * A list no rule file defines is a problem: a misspelt name would otherwise extend nothing, silently.
 */
export function appendProfileLists(lists: Record<string, unknown[]>, profile: ProfileSpec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const [name, values] of Object.entries(profile.lists)) {
    const base = Object.prototype.hasOwnProperty.call(lists, name) ? lists[name] : undefined;
    if (base === undefined) {
      problems.push({
        file: profile.file,
        pointer: jsonPointer('lists', name),
        message: `profile "${profile.name}" extends list "${name}", which no loaded rule file defines; a profile can only append to existing lists`,
      });
      continue;
    }
    lists[name] = [...base, ...values.filter((v) => !base.includes(v))];
  }
  return problems;
}
