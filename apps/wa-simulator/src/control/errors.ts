// The control API's one error family, rendered as application/problem+json (as every Careline
// HTTP edge does) with a stable `code`. Details name ids at most, never message content.
export class ControlError extends Error {
  override name = 'ControlError';
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  code: string;
  detail: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

export function problem(status: number, code: string, detail: string): Problem {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, code, detail };
}

export const notFound = (what: string): ControlError =>
  new ControlError(404, `${what}_not_found`, `no such ${what.replaceAll('_', ' ')}`);
