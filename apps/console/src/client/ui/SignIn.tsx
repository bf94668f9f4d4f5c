// Sign-in. Development: a form that asks the api's local issuer (POST /dev/token) for a token.
// TODO(oidc): production sign-in is OIDC authorization code + PKCE against the hospital's identity
// provider; until it is built the console offers only the development issuer, and says so.
import { useState } from 'preact/hooks';
import type { ClientConfig } from '../schemas';
import { ApiError, createApiClient, requestDevToken } from '../api';
import type { Session } from '../model/session';
import { t } from '../messages';

const ROLES = ['nurse', 'clinician', 'front_desk', 'admin', 'auditor'] as const;

export function SignIn({
  config,
  notice,
  onSignedIn,
}: {
  config: ClientConfig;
  notice: string | null;
  onSignedIn: (session: Session) => void;
}) {
  const [subject, setSubject] = useState('');
  const [name, setName] = useState('');
  const [tenantId, setTenantId] = useState(config.devTenantId ?? '');
  const [roles, setRoles] = useState<string[]>(['nurse']);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const token = await requestDevToken(config.apiUrl, {
        subject: subject.trim(),
        tenantId: tenantId.trim(),
        roles,
        ...(name.trim() === '' ? {} : { name: name.trim() }),
      });
      const me = await createApiClient({
        apiUrl: config.apiUrl,
        token,
        onUnauthorized: () => undefined,
      }).me();
      onSignedIn({ token, expiresAt: me.expiresAt });
    } catch (caught) {
      setError(t.signIn.failed(caught instanceof ApiError ? caught.message : t.errors.network));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <h1>{t.appName}</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby="signin-notice">
        <h2>{t.signIn.title}</h2>
        {notice !== null && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {config.devSignIn ? (
          <>
            <p id="signin-notice" class="hint">
              {t.signIn.devNotice}
            </p>
            <label>
              {t.signIn.subject}
              <input
                name="subject"
                required
                autoComplete="username"
                value={subject}
                onInput={(e) => setSubject(e.currentTarget.value)}
              />
            </label>
            <label>
              {t.signIn.name}
              <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </label>
            <label>
              {t.signIn.tenant}
              <input
                name="tenant"
                required
                value={tenantId}
                onInput={(e) => setTenantId(e.currentTarget.value)}
              />
            </label>
            <fieldset>
              <legend>{t.signIn.roles}</legend>
              {ROLES.map((role) => (
                <label class="inline" key={role}>
                  <input
                    type="checkbox"
                    name="roles"
                    value={role}
                    checked={roles.includes(role)}
                    onChange={(e) =>
                      setRoles(e.currentTarget.checked ? [...roles, role] : roles.filter((r) => r !== role))
                    }
                  />
                  {role}
                </label>
              ))}
            </fieldset>
            {error !== null && (
              <p class="error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" disabled={busy || roles.length === 0}>
              {t.signIn.submit}
            </button>
          </>
        ) : (
          <p id="signin-notice">{t.signIn.oidcTodo}</p>
        )}
      </form>
    </main>
  );
}
