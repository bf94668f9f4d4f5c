// The patient beside the conversation: who it is (name and MRN; the date of birth only on
// demand, so it is not on screen for everyone walking past), their consents, upcoming visits, and
// their documents with where each release stands (upload, share, revoke). A number that is not
// linked to a record is shown as an unverified contact first, with a patient search.
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiClient, PatientSearch } from '../api';
import { upcomingFor, waIdFromPhone } from '../model/calendar';
import { type ShareProgress, shareProgress } from '../model/share-status';
import type {
  Appointment,
  Conversation,
  DocumentShare,
  Me,
  Patient,
  PatientConsent,
  PatientDocument,
} from '../schemas';
import { t } from '../messages';
import { errorText } from './errors';
import { dateTime, siteDateTime } from './format';
import { useNow } from './useNow';

export interface BookingPrefill {
  waId: string | null;
  displayName: string | null;
  patientId: string | null;
}

interface Props {
  api: ApiClient;
  me: Me;
  conversation: Conversation;
  /** Changes when the panel must re-read the patient (the conversation was opened again). */
  version: number;
  timeZone: string;
  clinicianName: (id: string) => string;
  onBook: (prefill: BookingPrefill) => void;
}

/** Shares are not on the live stream: while a release can still move, they are re-read this often. */
const SHARE_POLL_MS = 4_000;
const DAY_MS = 86_400_000;

const newKey = (): string => crypto.randomUUID();

export function PatientPanel({ api, me, conversation, version, timeZone, clinicianName, onBook }: Props) {
  const can = (permission: string) => me.permissions.includes(permission);
  const linked = conversation.contactState === 'linked' && conversation.patientId !== null;
  const prefill: BookingPrefill = {
    waId: waIdFromPhone(conversation.patient.phoneNumber),
    displayName: conversation.patient.displayName,
    patientId: conversation.patientId,
  };

  return (
    <aside class="patient-panel" aria-labelledby="patient-panel-title" data-testid="patient-panel">
      <h2 id="patient-panel-title">{t.patient.panel}</h2>
      {!can('patients:read') ? (
        <p class="hint">{t.patient.notPermitted}</p>
      ) : linked && conversation.patientId !== null ? (
        <LinkedPatient
          key={`${conversation.patientId}:${version}`}
          api={api}
          can={can}
          patientId={conversation.patientId}
          waId={prefill.waId}
          timeZone={timeZone}
          clinicianName={clinicianName}
        />
      ) : (
        <Unverified
          key={conversation.id}
          api={api}
          phone={conversation.patient.phoneNumber}
          conversationId={conversation.id}
          waIdHash={conversation.patient.waIdHash ?? null}
          canLink={can('patients:write')}
        />
      )}
      {can('appointments:write') && !conversation.restricted && (
        <button type="button" class="secondary" onClick={() => onBook(prefill)}>
          {t.patient.book}
        </button>
      )}
    </aside>
  );
}

function Unverified({
  api,
  phone,
  conversationId,
  waIdHash,
  canLink,
}: {
  api: ApiClient;
  phone: string | null;
  conversationId: string;
  waIdHash: string | null;
  canLink: boolean;
}) {
  const [linkedTo, setLinkedTo] = useState<Patient | null>(null);
  const [by, setBy] = useState<PatientSearch['by']>('waId');
  const [text, setText] = useState(() => waIdFromPhone(phone) ?? '');
  const [birthDate, setBirthDate] = useState('');
  const [results, setResults] = useState<Patient[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Records remembers the link; messaging relinks the conversation and the stream announces it,
  // which swaps this panel for the patient's (until then, say it is done).
  const link = async (patient: Patient) => {
    if (waIdHash === null) return;
    setError(null);
    try {
      await api.linkContact(patient.id, waIdHash, conversationId);
      setLinkedTo(patient);
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  const search = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const value = text.trim();
    const request: PatientSearch =
      by === 'mrn'
        ? { by, mrn: value }
        : by === 'waId'
          ? { by, waId: value.replace(/\D/g, '') }
          : { by, familyName: value, ...(birthDate === '' ? {} : { birthDate }) };
    try {
      setResults(await api.searchPatients(request));
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="unverified" data-testid="contact-state" data-state="unverified">
      <p class="warning" role="status">
        {t.patient.unverified}
      </p>
      <p class="hint">{t.patient.unverifiedExplain}</p>
      <form class="patient-search" onSubmit={(event) => void search(event)}>
        <h3>{t.patient.search}</h3>
        <label>
          {t.patient.searchBy}
          <select
            name="search-by"
            value={by}
            onChange={(e) => {
              const value = e.currentTarget.value;
              if (value === 'mrn' || value === 'waId' || value === 'name') setBy(value);
            }}
          >
            <option value="waId">{t.patient.byWaId}</option>
            <option value="mrn">{t.patient.byMrn}</option>
            <option value="name">{t.patient.byName}</option>
          </select>
        </label>
        <label>
          {t.patient.query}
          <input name="search" required value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        {by === 'name' && (
          <label>
            {t.patient.birthDate}
            <input
              type="date"
              name="birth-date"
              value={birthDate}
              onInput={(e) => setBirthDate(e.currentTarget.value)}
            />
          </label>
        )}
        <button type="submit">{t.patient.searchButton}</button>
      </form>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {results !== null &&
        (results.length === 0 ? (
          <p role="status">{t.patient.noMatch}</p>
        ) : (
          <section aria-label={t.patient.results}>
            <ul class="plain">
              {results.map((p) => (
                <li key={p.id}>
                  <strong>{t.patient.name(p.givenName, p.familyName)}</strong> · {t.patient.mrn} {p.mrn}
                  {canLink && waIdHash !== null && linkedTo === null && (
                    <button type="button" class="secondary" onClick={() => void link(p)}>
                      {t.patient.linkButton}
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {linkedTo !== null ? (
              <p role="status" data-testid="link-done">
                {t.patient.linkDone(t.patient.name(linkedTo.givenName, linkedTo.familyName))}
              </p>
            ) : (
              !canLink && <p class="hint">{t.patient.linkNotAllowed}</p>
            )}
          </section>
        ))}
    </div>
  );
}

function LinkedPatient({
  api,
  can,
  patientId,
  waId,
  timeZone,
  clinicianName,
}: {
  api: ApiClient;
  can: (permission: string) => boolean;
  patientId: string;
  waId: string | null;
  timeZone: string;
  clinicianName: (id: string) => string;
}) {
  const [patient, setPatient] = useState<Patient | null>(null);
  const [consents, setConsents] = useState<PatientConsent[]>([]);
  const [upcoming, setUpcoming] = useState<Appointment[] | null>(null);
  const [showDob, setShowDob] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setPatient(null);
    setShowDob(false);
    api.patient(patientId).then(
      (p) => live && setPatient(p),
      (caught: unknown) => live && setError(errorText(caught)),
    );
    api.consents(patientId).then(
      (c) => live && setConsents(c.current),
      () => undefined,
    );
    if (can('appointments:read')) {
      const now = Date.now();
      // the api cannot filter appointments by patient: the next 31 days (its widest range), here
      api
        .appointments({ from: new Date(now).toISOString(), to: new Date(now + 31 * DAY_MS).toISOString() })
        .then(
          (list) => live && setUpcoming(upcomingFor(list.items, { patientId, waId }, Date.now())),
          () => live && setUpcoming([]),
        );
    }
    return () => {
      live = false;
    };
    // `can` comes from the signed-in person, the same for the panel's whole life
  }, [api, patientId, waId]);

  if (error !== null)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (patient === null) return <p>{t.patient.loading}</p>;

  return (
    <div data-testid="contact-state" data-state="linked">
      <dl class="identity">
        <dt class="visually-hidden">{t.patient.panel}</dt>
        <dd class="patient-name" data-testid="patient-name">
          {t.patient.name(patient.givenName, patient.familyName)}
        </dd>
        <dt>{t.patient.mrn}</dt>
        <dd data-testid="patient-mrn">{patient.mrn}</dd>
        <dt>{t.patient.dob}</dt>
        <dd>
          {showDob ? (
            <>
              <span data-testid="patient-dob">{patient.dateOfBirth}</span>{' '}
              <button type="button" class="link" onClick={() => setShowDob(false)}>
                {t.patient.hideDob}
              </button>
            </>
          ) : (
            <button type="button" class="link" onClick={() => setShowDob(true)}>
              {t.patient.showDob}
            </button>
          )}
        </dd>
        {patient.preferredLanguage !== null && (
          <>
            <dt>{t.patient.language}</dt>
            <dd>{patient.preferredLanguage}</dd>
          </>
        )}
      </dl>

      <h3>{t.patient.consents}</h3>
      {consents.length === 0 ? (
        <p class="hint">{t.patient.noConsents}</p>
      ) : (
        <ul class="plain consents">
          {consents.map((c) => (
            <li key={c.id}>
              {t.patient.consentKinds[c.kind] ?? c.kind}:{' '}
              <strong>{c.granted ? t.patient.granted : t.patient.refused}</strong>{' '}
              <small>{t.patient.consentSource(c.source, dateTime(c.recordedAt))}</small>
            </li>
          ))}
        </ul>
      )}

      {can('appointments:read') && (
        <>
          <h3>{t.patient.appointments}</h3>
          {upcoming === null ? (
            <p class="hint">{t.calendar.loading}</p>
          ) : upcoming.length === 0 ? (
            <p class="hint">{t.patient.noAppointments}</p>
          ) : (
            <ul class="plain" data-testid="patient-appointments">
              {upcoming.map((a) => (
                <li key={a.id} data-appointment-id={a.id}>
                  {siteDateTime(a.startsAt, timeZone)} · {clinicianName(a.clinicianId)} ·{' '}
                  {t.calendar.status[a.status]}
                </li>
              ))}
            </ul>
          )}
        </>
      )}

      {can('documents:read') && (
        <Documents api={api} patientId={patientId} canShare={can('documents:share')} />
      )}
    </div>
  );
}

function Documents({ api, patientId, canShare }: { api: ApiClient; patientId: string; canShare: boolean }) {
  const now = useNow(SHARE_POLL_MS);
  const [documents, setDocuments] = useState<PatientDocument[] | null>(null);
  const [shares, setShares] = useState<Record<string, DocumentShare[]>>({});
  const [error, setError] = useState<string | null>(null);

  const loadShares = useCallback(
    async (docs: readonly PatientDocument[]) => {
      const entries = await Promise.all(docs.map(async (d) => [d.id, await api.shares(d.id)] as const));
      setShares(Object.fromEntries(entries));
    },
    [api],
  );

  const load = useCallback(async () => {
    try {
      const docs = await api.documents(patientId);
      setDocuments(docs);
      await loadShares(docs);
    } catch (caught) {
      setError(errorText(caught));
    }
  }, [api, patientId, loadShares]);

  useEffect(() => {
    void load();
  }, [load]);

  // re-read the shares while any release can still move (the patient is on the release page)
  const anyLive = Object.values(shares).some(
    (list) => list[0] !== undefined && shareProgress(list[0], now).live,
  );
  useEffect(() => {
    if (documents !== null && anyLive) loadShares(documents).catch(() => undefined);
    // `now` ticks every SHARE_POLL_MS: that is the poll
  }, [now]);

  const act = async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
      if (documents !== null) await loadShares(documents);
    } catch (caught) {
      setError(errorText(caught, t.release.errors));
    }
  };

  return (
    <section class="documents" aria-labelledby="documents-title">
      <h3 id="documents-title">{t.release.documents}</h3>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {documents === null ? (
        <p class="hint">{t.patient.loading}</p>
      ) : documents.length === 0 ? (
        <p class="hint">{t.release.noDocuments}</p>
      ) : (
        <ul class="plain" data-testid="documents">
          {documents.map((d) => {
            const latest = shares[d.id]?.[0];
            const progress = latest === undefined ? null : shareProgress(latest, now);
            return (
              <li key={d.id} class="document" data-document-id={d.id}>
                <strong>{d.title}</strong> <small>{dateTime(d.createdAt)}</small>
                {latest === undefined || progress === null ? (
                  <p class="hint">{t.release.notShared}</p>
                ) : (
                  <Progress share={latest} progress={progress} />
                )}
                {canShare && (
                  <div class="actions">
                    {(progress === null || !progress.canRevoke || progress.outcome !== null) && (
                      <button type="button" onClick={() => void act(() => api.share(d.id, newKey()))}>
                        {progress === null ? t.release.share : t.release.shareAgain}
                      </button>
                    )}
                    {latest !== undefined && progress?.canRevoke === true && (
                      <button
                        type="button"
                        class="danger"
                        onClick={() => void act(() => api.revokeShare(latest.id))}
                      >
                        {t.release.revoke}
                      </button>
                    )}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {canShare && <Upload api={api} patientId={patientId} onUploaded={() => void load()} />}
    </section>
  );
}

function Progress({ share, progress }: { share: DocumentShare; progress: ShareProgress }) {
  return (
    <div class="release" data-testid="release" data-status={share.status}>
      <p class="visually-hidden">
        {t.release.progress}: {progress.summary}
      </p>
      <ol class="steps" aria-label={t.release.progress}>
        {progress.steps.map((step) => (
          <li
            key={step.step}
            class={`step${step.reached ? ' reached' : ''}${step.current ? ' current' : ''}`}
            data-step={step.step}
            data-reached={String(step.reached)}
            aria-current={step.current ? 'step' : undefined}
            title={step.at === null ? undefined : dateTime(step.at)}
          >
            {step.label}
          </li>
        ))}
      </ol>
      {progress.outcome !== null && <p class="warning">{progress.outcome.label}</p>}
      <small>{t.release.sharedAt(dateTime(share.createdAt))}</small>
    </div>
  );
}

function Upload({
  api,
  patientId,
  onUploaded,
}: {
  api: ApiClient;
  patientId: string;
  onUploaded: () => void;
}) {
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [formKey, setFormKey] = useState(0);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (file === null || title.trim() === '') return;
    setBusy(true);
    setError(null);
    try {
      await api.uploadDocument(patientId, file, title.trim(), newKey());
      setFile(null);
      setTitle('');
      setFormKey((k) => k + 1);
      onUploaded();
    } catch (caught) {
      setError(errorText(caught, t.release.errors));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form key={formKey} class="upload" onSubmit={(event) => void submit(event)}>
      <h4>{t.release.upload}</h4>
      <label>
        {t.release.file}
        <input
          type="file"
          name="file"
          accept="application/pdf,image/png,image/jpeg,image/webp"
          required
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
        />
      </label>
      <label>
        {t.release.title}
        <input
          name="title"
          required
          maxLength={200}
          value={title}
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
      </label>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || file === null || title.trim() === ''}>
        {busy ? t.release.uploading : t.release.uploadButton}
      </button>
    </form>
  );
}
