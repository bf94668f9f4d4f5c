import http from 'node:http';

/**
 * True when a Docker engine answers `/_ping` (unix socket from DOCKER_HOST or the default
 * /var/run/docker.sock, or a tcp:// DOCKER_HOST). Quick: one request, one second at most.
 */
export function dockerAnswers(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1_000): Promise<boolean> {
  const host = env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  let target: http.RequestOptions;
  if (host.startsWith('unix://')) {
    target = { socketPath: host.slice('unix://'.length), path: '/_ping' };
  } else if (host.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    target = { host: url.hostname, port: Number(url.port || 2375), path: '/_ping' };
  } else {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const request = http.get({ ...target, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
