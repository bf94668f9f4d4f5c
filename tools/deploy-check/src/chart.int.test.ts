// The Helm chart, rendered by the real helm (built by the global setup) with the default values,
// the production-like example and a staging install with the simulator: every object validates
// offline, every app and every contract topic is covered, the pods are locked down, and the
// network policies allow exactly DESIGN.md's flows.
import { TOPIC_PROVISIONING } from '@careline/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { appEnv, envProblems } from './app-env';
import { appsInRepo, componentOf, deployedComponents, missingApps, provisionedTopics, topicProblems } from './coverage';
import { type KubeObject, lintChart, parseObjects, renderChart } from './render';
import { ensureToolchain, type Toolchain } from './toolchain';
import { validateObjects } from './validate';

let tools: Toolchain;
const renders: Record<string, KubeObject[]> = {};

const VARIANTS = {
  default: {},
  production: { valuesFiles: ['values-production.yaml'] },
  staging: { setJson: { 'simulator.enabled': true, 'apps.gateway.env.GRAPH_BASE_URL': '', 'ingress.enabled': true, 'kafka.topicPrefix': 'staging.' } },
} as const;

beforeAll(async () => {
  tools = await ensureToolchain();
  for (const [name, options] of Object.entries(VARIANTS)) {
    renders[name] = (await renderChart(tools, options)).objects;
  }
});

type Pod = {
  spec: {
    securityContext: Record<string, unknown>;
    automountServiceAccountToken?: boolean;
    containers: Array<{
      name: string;
      securityContext: Record<string, unknown> & { capabilities?: { drop?: string[] } };
      resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
      readinessProbe?: unknown;
      livenessProbe?: unknown;
      envFrom?: Array<{ configMapRef?: { name: string } }>;
    }>;
  };
};
const podOf = (object: KubeObject): Pod => (object.spec as { template: Pod }).template;
const byKind = (objects: readonly KubeObject[], kind: string) => objects.filter((object) => object.kind === kind);

describe.each(Object.keys(VARIANTS))('the chart rendered with %s values', (variant) => {
  it('validates against the Kubernetes schemas, unknown fields refused', async () => {
    const objects = renders[variant]!;
    expect(objects.length).toBeGreaterThan(20);
    expect(await validateObjects(tools, objects)).toEqual([]);
  });

  it('deploys every app in apps/ but the simulator', async () => {
    expect(missingApps(renders[variant]!, await appsInRepo())).toEqual([]);
  });

  it('provisions every contract topic with its partitions and configuration', () => {
    expect(topicProblems(TOPIC_PROVISIONING, provisionedTopics(renders[variant]!))).toEqual([]);
  });

  it('runs every pod non-root, read-only, without privileges, with probes and resources', () => {
    for (const workload of [...byKind(renders[variant]!, 'Deployment'), ...byKind(renders[variant]!, 'Job')]) {
      const pod = podOf(workload);
      expect(pod.spec.securityContext, workload.metadata.name).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      for (const container of pod.spec.containers) {
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
        expect(container.securityContext.capabilities?.drop).toEqual(['ALL']);
        expect(container.resources?.requests?.memory).toBeDefined();
        expect(container.resources?.limits?.memory).toBeDefined();
        if (workload.kind === 'Deployment') {
          expect(container.readinessProbe).toBeDefined();
          expect(container.livenessProbe).toBeDefined();
        }
      }
    }
  });

  it('gives every Deployment a Service, a PodDisruptionBudget and a ServiceAccount', () => {
    const objects = renders[variant]!;
    for (const component of deployedComponents(objects)) {
      // the simulator (staging only) runs one replica: no disruption budget
      const kinds = ['Service', 'ServiceAccount', 'ConfigMap', 'NetworkPolicy', ...(component === 'wa-simulator' ? [] : ['PodDisruptionBudget'])];
      for (const kind of kinds) {
        expect(objects.some((object) => object.kind === kind && componentOf(object) === component), `${kind} of ${component}`).toBe(true);
      }
    }
  });

  it('sets, for every app, only variables it reads and every variable it requires', async () => {
    const objects = renders[variant]!;
    const problems: string[] = [];
    for (const deployment of byKind(objects, 'Deployment')) {
      const app = componentOf(deployment)!;
      const configMapName = podOf(deployment).spec.containers[0]!.envFrom?.[0]?.configMapRef?.name;
      const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === configMapName) as
        | (KubeObject & { data: Record<string, string> })
        | undefined;
      expect(configMap, `ConfigMap of ${app}`).toBeDefined();
      problems.push(...envProblems(app, await appEnv(app), Object.keys(configMap!.data)));
    }
    // the api's sign-in comes from the operator's OIDC provider: empty in the default values
    expect(problems).toEqual([]);
  });
});

describe('the chart by variant', () => {
  it('deploys the simulator only when asked (never with the default or production values)', () => {
    expect(deployedComponents(renders.default!)).not.toContain('wa-simulator');
    expect(deployedComponents(renders.production!)).not.toContain('wa-simulator');
    expect(deployedComponents(renders.staging!)).toContain('wa-simulator');
  });

  it('scales the consumers on CPU and, in production, on their Kafka lag', () => {
    const hpas = byKind(renders.production!, 'HorizontalPodAutoscaler') as Array<KubeObject & { spec: { metrics: Array<{ type: string; external?: { metric: { selector: { matchLabels: Record<string, string> } } } }> } }>;
    expect(hpas.map(componentOf).sort()).toEqual(['api', 'audit', 'gateway', 'ingest', 'messaging']);
    const ingest = hpas.find((hpa) => componentOf(hpa) === 'ingest')!;
    expect(ingest.spec.metrics.map((metric) => metric.type)).toEqual(['Resource', 'External']);
    expect(ingest.spec.metrics[1]!.external!.metric.selector.matchLabels).toEqual({ group: 'careline-ingest' });
    // with an HPA the Deployment leaves replicas to it
    const deployment = renders.production!.find((object) => object.kind === 'Deployment' && componentOf(object) === 'ingest')!;
    expect((deployment.spec as { replicas?: number }).replicas).toBeUndefined();
  });

  it('passes helm lint --strict with the default and the production values', async () => {
    await expect(lintChart(tools)).resolves.toMatch(/0 chart\(s\) failed/);
    await expect(lintChart(tools, ['values-production.yaml'])).resolves.toMatch(/0 chart\(s\) failed/);
  });
});

type Peer = { podSelector?: { matchLabels?: Record<string, string> } };
type Rule = { ports?: Array<{ port: string | number }>; from?: Peer[]; to?: Peer[] };
type Policy = KubeObject & { spec: { ingress?: Rule[]; egress?: Rule[] } };

/** `from → to:port` for every rule between Careline pods, as the policies of `objects` allow it. */
function podFlows(objects: readonly KubeObject[]): string[] {
  const flows: string[] = [];
  const ports = (rule: Rule) => (rule.ports ?? []).map((port) => String(port.port)).join(',');
  for (const policy of byKind(objects, 'NetworkPolicy') as Policy[]) {
    const self = componentOf(policy);
    if (self === 'network') continue;
    for (const rule of policy.spec.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        const from = peer.podSelector?.matchLabels?.['app.kubernetes.io/component'];
        if (from !== undefined) flows.push(`in: ${from} → ${self}:${ports(rule)}`);
      }
    }
    for (const rule of policy.spec.egress ?? []) {
      for (const peer of rule.to ?? []) {
        const to = peer.podSelector?.matchLabels?.['app.kubernetes.io/component'];
        if (to !== undefined) flows.push(`out: ${self} → ${to}:${ports(rule)}`);
      }
    }
  }
  return flows.sort();
}

describe('network policies', () => {
  it('deny by default and allow between pods exactly the flows of DESIGN.md', () => {
    const deny = byKind(renders.default!, 'NetworkPolicy').find((policy) => componentOf(policy) === 'network') as Policy;
    expect(deny.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    expect(deny.spec.ingress).toBeUndefined();
    expect(deny.spec.egress).toBeUndefined();
    expect(podFlows(renders.default!)).toEqual([
      'in: api → messaging:grpc',
      'in: api → records:grpc',
      'in: ingest → gateway:grpc',
      'in: records → messaging:grpc',
      'in: scheduling → messaging:grpc',
      'out: api → messaging:50051',
      'out: api → records:50053',
      'out: ingest → gateway:50055',
      'out: records → messaging:50051',
      'out: scheduling → messaging:50051',
    ]);
    expect(podFlows(renders.staging!)).toEqual([
      'in: api → messaging:grpc',
      'in: api → records:grpc',
      'in: gateway → wa-simulator:http',
      'in: ingest → gateway:grpc',
      'in: records → messaging:grpc',
      'in: scheduling → messaging:grpc',
      'in: wa-simulator → gateway:http',
      'out: api → messaging:50051',
      'out: api → records:50053',
      'out: gateway → wa-simulator:8090',
      'out: ingest → gateway:50055',
      'out: records → messaging:50051',
      'out: scheduling → messaging:50051',
      'out: wa-simulator → gateway:8081',
    ]);
  });

  it('let only the edges (api, gateway, records for the release page, the console) take traffic from the ingress controller', () => {
    const edge = (byKind(renders.default!, 'NetworkPolicy') as Policy[])
      .filter((policy) => (policy.spec.ingress ?? []).some((rule) => JSON.stringify(rule.from ?? []).includes('ingress-nginx')))
      .map(componentOf)
      .sort();
    expect(edge).toEqual(['api', 'console', 'gateway', 'records']);
  });

  it('let only the gateway reach port 443 beyond the cluster besides the api (OIDC keys)', () => {
    const https = (byKind(renders.default!, 'NetworkPolicy') as Policy[])
      .filter((policy) => (policy.spec.egress ?? []).some((rule) => (rule.ports ?? []).some((port) => port.port === 443)))
      .map(componentOf)
      .sort();
    expect(https).toEqual(['api', 'gateway']);
  });
});

describe('what the checks catch', () => {
  it('an app removed from the chart', async () => {
    const { objects } = await renderChart(tools, { setJson: { 'apps.ingest.enabled': false } });
    expect(missingApps(objects, await appsInRepo())).toEqual(['ingest']);
  });

  it('a topic removed from the provisioning list, or with other partitions', async () => {
    const contract = TOPIC_PROVISIONING.map((entry) => ({ name: entry.topic, partitions: entry.partitions, config: entry.config ?? {} }));
    const { objects } = await renderChart(tools, {
      setJson: {
        'kafka.provisioning.topics': contract
          .filter((entry) => entry.name !== 'audit.events.v1.dlq')
          .map((entry) => (entry.name === 'wa.message.status.v1' ? { ...entry, partitions: 6 } : entry)),
      },
    });
    expect(topicProblems(TOPIC_PROVISIONING, provisionedTopics(objects))).toEqual([
      'wa.message.status.v1: 6 partitions, the contract says 12',
      'audit.events.v1.dlq: not provisioned',
    ]);
  });

  it('a Deployment with a wrong field type, and one with a misspelt field', async () => {
    const deployment = renders.default!.find((object) => object.kind === 'Deployment')!;
    const wrongType = { ...deployment, spec: { ...(deployment.spec as object), replicas: 'two' } };
    const template = podOf(deployment);
    const misspelt = {
      ...deployment,
      spec: {
        ...(deployment.spec as object),
        template: { ...template, spec: { ...template.spec, containers: [{ ...template.spec.containers[0], readinesProbe: {} }] } },
      },
    };
    const problems = await validateObjects(tools, [wrongType, misspelt]);
    expect(problems.map((problem) => problem.message).join('\n')).toMatch(/replicas must be integer/);
    expect(problems.map((problem) => problem.message).join('\n')).toMatch(/unknown field "readinesProbe"/);
  });

  it('a variable an app does not read, and a required one left out', async () => {
    expect(envProblems('ingest', await appEnv('ingest'), ['KAFKA_BROKERS', 'DATABASE_URL_FILE', 'GRAPH_BASE_URL'])).toEqual([
      'ingest: GRAPH_BASE_URL is not a variable it reads',
      'ingest: required CARELINE_MASTER_KEY is not set',
    ]);
  });

  it('a document that is not a Kubernetes object', () => {
    expect(() => parseObjects('apiVersion: v1\nkind: ConfigMap\n---\nfoo: bar\n')).toThrow(/not a Kubernetes object/);
  });
});
