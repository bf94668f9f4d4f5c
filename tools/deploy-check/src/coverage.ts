// What the chart must cover: every app in apps/ (but the simulator) as a Deployment, every
// contract topic (libs/contracts TOPIC_PROVISIONING) in the provisioning Job's list with its
// partitions and configuration. Pure functions over rendered objects, so a test can also show
// that removing an app or a topic is caught.
import { readdir } from 'node:fs/promises';
import type { TopicProvision } from '@careline/contracts';
import type { KubeObject } from './render';
import { REPO_ROOT } from './toolchain';

/** The app never deployed to production (DESIGN.md). */
export const DEV_ONLY_APPS: readonly string[] = ['wa-simulator'];

export async function appsInRepo(): Promise<string[]> {
  const entries = await readdir(`${REPO_ROOT}apps`, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

export function componentOf(object: KubeObject): string | undefined {
  return object.metadata.labels?.['app.kubernetes.io/component'];
}

export function deployedComponents(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'Deployment')
    .map((object) => componentOf(object) ?? object.metadata.name)
    .sort();
}

/** Apps of the repository (minus the dev-only ones) that have no Deployment. */
export function missingApps(objects: readonly KubeObject[], apps: readonly string[]): string[] {
  const deployed = new Set(deployedComponents(objects));
  return apps.filter((app) => !DEV_ONLY_APPS.includes(app) && !deployed.has(app));
}

export interface ProvisionedTopic {
  topic: string;
  partitions: number;
  config: Record<string, string>;
}

/** The topic list the provisioning Job reads (its ConfigMap's topics.tsv). */
export function provisionedTopics(objects: readonly KubeObject[]): ProvisionedTopic[] {
  const configMap: (KubeObject & { data?: Record<string, string> }) | undefined = objects.find(
    (object) => object.kind === 'ConfigMap' && componentOf(object) === 'topics',
  );
  const tsv = configMap?.data?.['topics.tsv'];
  if (tsv === undefined) return [];
  return tsv
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [topic = '', partitions = '', config = ''] = line.split('\t');
      return {
        topic,
        partitions: Number(partitions),
        config: Object.fromEntries(
          config
            .split(',')
            .filter((pair) => pair !== '')
            .map((pair) => {
              const eq = pair.indexOf('=');
              return [pair.slice(0, eq), pair.slice(eq + 1)];
            }),
        ),
      };
    });
}

/**
 * Differences between the contracts and the provisioned topics: a missing topic, other partitions
 * or a contract configuration value that is not provisioned. (Extra configuration, such as
 * min.insync.replicas for every topic, is the chart's own business.)
 */
export function topicProblems(
  contracts: readonly TopicProvision[],
  provisioned: readonly ProvisionedTopic[],
): string[] {
  const byName = new Map(provisioned.map((entry) => [entry.topic, entry]));
  const problems: string[] = [];
  for (const contract of contracts) {
    const entry = byName.get(contract.topic);
    if (entry === undefined) {
      problems.push(`${contract.topic}: not provisioned`);
      continue;
    }
    if (entry.partitions !== contract.partitions) {
      problems.push(`${contract.topic}: ${entry.partitions} partitions, the contract says ${contract.partitions}`);
    }
    for (const [key, value] of Object.entries(contract.config ?? {})) {
      if (entry.config[key] !== value) problems.push(`${contract.topic}: ${key} is ${entry.config[key] ?? 'unset'}, the contract says ${value}`);
    }
  }
  const known = new Set(contracts.map((contract) => contract.topic));
  for (const entry of provisioned) {
    if (!known.has(entry.topic)) problems.push(`${entry.topic}: provisioned but not a contract topic`);
  }
  return problems;
}
