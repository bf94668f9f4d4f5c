// Produces docs/asyncapi.yaml's text: compiles proto/ with buf (the same binary `generate` uses,
// no network), reads the .proto texts, builds the document and writes it as YAML. Used by the
// `asyncapi` script (main.ts) and by the drift test, so both produce byte-identical text.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import { type FileDescriptorSet, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { stringify } from 'yaml';
import { buildAsyncApiDocument } from './document';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const PROTO_DIR = path.join(REPO_ROOT, 'proto');
export const ASYNCAPI_FILE = path.join(REPO_ROOT, 'docs', 'asyncapi.yaml');

// @bufbuild/buf's bin is a node script that runs the platform binary.
const bufBin = createRequire(import.meta.url).resolve('@bufbuild/buf/bin/buf');

/** proto/ compiled by buf, comments included (they become the messages' descriptions). */
export function compileContracts(protoDir = PROTO_DIR): Promise<FileDescriptorSet> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bufBin, 'build', protoDir, '--as-file-descriptor-set', '-o', '-#format=binpb'],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`buf build failed: ${stderr.toString('utf8').trim() || error.message}`));
        else resolve(fromBinary(FileDescriptorSetSchema, new Uint8Array(stdout)));
      },
    );
  });
}

const HEADER = `# GENERATED from libs/contracts (src/topics.ts, src/asyncapi/document.ts) and proto/ — do not edit.
# Regenerate: npm run asyncapi -w @careline/contracts (a test fails when this file is stale).
`;

export async function generateAsyncApiYaml(protoDir = PROTO_DIR): Promise<string> {
  const descriptors = await compileContracts(protoDir);
  const document = buildAsyncApiDocument({
    descriptors,
    protoText: (file) => readFileSync(path.join(protoDir, file), 'utf8'),
  });
  // lineWidth 0: no folding, so a diff of this file shows what changed and nothing else.
  return HEADER + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
