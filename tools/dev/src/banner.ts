// What `npm start` prints once everything answers: where each process listens, the demo hospital,
// a staff token, and copy-pasteable commands for the first conversation. Pure, so a test pins it.
import type { StackSeed, StackUrls } from '@careline/stack';

export interface BannerInput {
  urls: StackUrls;
  seed: StackSeed;
  token: string;
  /** Seconds the token stays valid. */
  tokenTtlSeconds: number;
  databaseUrl: string;
  kafkaBrokers: string;
  /** Where the processes' logs are. */
  logDir: string;
  stateDir: string;
  startedInMs: number;
  /** The demo patient's WhatsApp id used in the examples. */
  demoPatientWaId: string;
}

export function renderBanner(input: BannerInput): string {
  const { urls, seed } = input;
  const pad = (label: string): string => `  ${label.padEnd(14)}`;
  const json = (value: unknown): string => `'${JSON.stringify(value)}'`;
  const auth = '-H "authorization: Bearer $TOKEN"';
  const ctype = "-H 'content-type: application/json'";
  const tokenRequest = {
    subject: seed.staff.subject,
    tenantId: seed.tenant.id,
    roles: seed.staff.roles,
    name: seed.staff.name,
  };
  const lines = [
    '',
    `Careline is running (ready in ${(input.startedInMs / 1000).toFixed(1)} s). Ctrl-C stops it.`,
    '',
    ...(urls.console === undefined
      ? []
      : [pad('console') + `${urls.console}   (sign in as ${seed.staff.subject}, roles ${seed.staff.roles.join(', ')}; tenant pre-filled)`]),
    pad('api') + `${urls.api}   docs ${urls.apiDocs}   OpenAPI ${urls.openapi}`,
    pad('gateway') + `${urls.gateway}   webhook ${urls.webhook}   gRPC ${urls.gatewayGrpc}`,
    pad('ingest') + urls.ingest,
    pad('messaging') + `${urls.messaging}   gRPC ${urls.messagingGrpc}`,
    ...(urls.scheduling === undefined ? [] : [pad('scheduling') + `${urls.scheduling}   gRPC ${urls.schedulingGrpc ?? ''}`]),
    ...(urls.records === undefined ? [] : [pad('records') + `${urls.records}   release page ${urls.records}/r/<token>   gRPC ${urls.recordsGrpc ?? ''}`]),
    ...(urls.audit === undefined ? [] : [pad('audit') + `${urls.audit}   gRPC ${urls.auditGrpc ?? ''}`]),
    pad('wa-simulator') +
      `${urls.simulator}   control API ${urls.simulatorControl} (see apps/wa-simulator/README.md)`,
    pad('postgres') + input.databaseUrl,
    pad('kafka') + input.kafkaBrokers,
    pad('logs') + input.logDir,
    pad('state') + `${input.stateDir} (demo ids and keys; delete it for a new demo hospital)`,
    '',
    'Demo hospital',
    pad('tenant') + `${seed.tenant.id} (${seed.tenant.name})`,
    pad('WhatsApp') +
      `+${seed.whatsapp.displayPhoneNumber}   phone_number_id ${seed.whatsapp.phoneNumberId}   WABA ${seed.whatsapp.wabaId}`,
    pad('staff user') + `${seed.staff.name} (${seed.staff.subject}, roles ${seed.staff.roles.join(', ')})`,
    '',
    `Staff token (valid ${Math.round(input.tokenTtlSeconds / 60)} min):`,
    `  export TOKEN=${input.token}`,
    '',
    'Try it:',
    '  # 1. a patient writes to the hospital (the simulator plays WhatsApp and sends the signed webhook)',
    `  curl -s -X POST ${urls.simulatorControl}/patients/${input.demoPatientWaId}/messages ${ctype} \\`,
    `    -d ${json({ phone_number_id: seed.whatsapp.phoneNumberId, text: 'Hello, can I move my appointment?', profile_name: 'Pat Doe' })}`,
    '  # 2. the care team lists its conversations and the messages of the first one',
    `  curl -s ${urls.api}/v1/conversations ${auth}`,
    `  CONV=$(curl -s ${urls.api}/v1/conversations ${auth} | node -pe 'JSON.parse(require("fs").readFileSync(0)).items[0].id')`,
    `  curl -s ${urls.api}/v1/conversations/$CONV/messages ${auth}`,
    "  # 3. reply; the patient's phone (the simulator) receives it, then delivered/read come back",
    `  curl -s -X POST ${urls.api}/v1/conversations/$CONV/messages ${auth} ${ctype} -d ${json({ text: 'Of course! Which day suits you?' })}`,
    `  curl -s ${urls.simulatorControl}/patients/${input.demoPatientWaId}/inbox`,
    '  # a new staff token',
    `  export TOKEN=$(curl -s -X POST ${urls.api}/dev/token ${ctype} -d ${json(tokenRequest)} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    '',
  ];
  return lines.join('\n');
}
