// First-response SLA of a conversation: due `target` minutes after the episode opened (a new
// conversation, or one a patient message reopened after it was closed). Breached when the first
// response came later, or has not come and the due time has passed.

export interface SlaFacts {
  openedAt: Date;
  firstResponseAt: Date | null;
  targetMinutes: number | null;
}

export function firstResponseDueAt(facts: SlaFacts): Date | undefined {
  return facts.targetMinutes === null ? undefined : new Date(facts.openedAt.getTime() + facts.targetMinutes * 60_000);
}

export function slaBreached(facts: SlaFacts, now: Date): boolean {
  const due = firstResponseDueAt(facts);
  if (due === undefined) return false;
  const answered = facts.firstResponseAt;
  return answered === null ? now.getTime() > due.getTime() : answered.getTime() > due.getTime();
}
