// Checks of what deploy/ ships, for the tests in this project and for anyone who wants to run
// them by hand (render and validate the chart with other values, for instance).
export { ensureToolchain, HELM_VERSION, KUBE_VERSION, REPO_ROOT, type Toolchain } from './toolchain';
export { CHART_DIR, lintChart, parseObjects, renderChart, type KubeObject, type RenderOptions, type Rendered } from './render';
export { validateAgainstSchemas, validateObjects, validateStrictly, type ValidationProblem } from './validate';
export {
  appsInRepo,
  DEV_ONLY_APPS,
  deployedComponents,
  missingApps,
  provisionedTopics,
  topicProblems,
  type ProvisionedTopic,
} from './coverage';
export { appEnv, envProblems, type AppEnv } from './app-env';
export { parseDockerfile, resolveFrom, type Dockerfile, type Instruction, type Stage } from './dockerfile';
export { baseMetricName, codeMetricNames, dashboardMetrics, defaultMetricNames } from './metrics';
