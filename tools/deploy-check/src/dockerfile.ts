// A small Dockerfile reader: enough to assert an image's properties without a Docker engine
// (CI has none). Handles line continuations, comments and `FROM … AS name`.
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARG lines before the first FROM */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current !== '') logical.push(current);

  const result: Dockerfile = { globalArgs: [], stages: [] };
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim() };
    if (instruction.keyword === 'FROM') {
      const parts = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      result.stages.push({ from: parts?.[1] ?? instruction.args, name: parts?.[2], instructions: [] });
      continue;
    }
    const stage = result.stages.at(-1);
    if (stage === undefined) result.globalArgs.push(instruction);
    else stage.instructions.push(instruction);
  }
  return result;
}

/** The value of `ARG NAME=value` before the first FROM, to resolve `FROM ${NAME}`. */
export function resolveFrom(dockerfile: Dockerfile, from: string): string {
  return from.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (whole, name: string) => {
    const arg = dockerfile.globalArgs.find((entry) => entry.keyword === 'ARG' && entry.args.startsWith(`${name}=`));
    return arg === undefined ? whole : arg.args.slice(name.length + 1);
  });
}
