// The no-show dashboard: GET /v1/reports/no-shows grouped by clinic, day, last reminder stage or
// confirmation, drawn as a table whose rows carry a CSS bar. The table is the chart: screen readers
// and copy-paste get the numbers, sighted users the bars (hidden from assistive technology, which
// reads the same numbers in the cells).
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api';
import { type Directory, calendarZone, nameOf } from '../model/calendar-directory';
import { noShowChart } from '../model/no-show-chart';
import { addDays, isTimeZone, localDate, startOfDay } from '../model/zoned-time';
import { type NoShowGroupBy, NoShowGroupBySchema, type NoShowReport } from '../schemas';
import { t } from '../messages';
import { errorText } from './errors';

export function NoShowDashboard({
  api,
  directory,
  fallbackZone,
}: {
  api: ApiClient;
  directory: Directory;
  fallbackZone: string;
}) {
  const zone = calendarZone(directory, { clinicId: '', clinicianId: '' }, fallbackZone);
  const timeZone = isTimeZone(zone) ? zone : 'UTC';
  const today = localDate(Date.now(), timeZone);
  const [from, setFrom] = useState(() => addDays(today, -30));
  const [to, setTo] = useState(() => addDays(today, 1));
  const [clinicId, setClinicId] = useState('');
  const [groupBy, setGroupBy] = useState<NoShowGroupBy>('clinic');
  const [report, setReport] = useState<NoShowReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      setReport(
        await api.noShows({
          from: new Date(startOfDay(from, timeZone)).toISOString(),
          to: new Date(startOfDay(to, timeZone)).toISOString(),
          groupBy,
          ...(clinicId === '' ? {} : { clinicId }),
        }),
      );
    } catch (caught) {
      setError(errorText(caught));
    }
  }, [api, from, to, groupBy, clinicId, timeZone]);

  useEffect(() => {
    void load();
  }, [load]);

  const chart = report === null ? null : noShowChart(report, (id) => nameOf(directory, 'clinics', id));

  return (
    <main class="no-shows" id="no-shows" aria-labelledby="no-shows-title">
      <h2 id="no-shows-title">{t.noShows.title}</h2>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void load();
        }}
      >
        <label>
          {t.noShows.groupBy}
          <select
            name="group-by"
            value={groupBy}
            onChange={(e) => {
              const parsed = NoShowGroupBySchema.safeParse(e.currentTarget.value);
              if (parsed.success) setGroupBy(parsed.data);
            }}
          >
            {NoShowGroupBySchema.options.map((g) => (
              <option key={g} value={g}>
                {t.noShows.groups[g]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.noShows.from}
          <input
            type="date"
            name="report-from"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value || from)}
          />
        </label>
        <label>
          {t.noShows.to}
          <input
            type="date"
            name="report-to"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value || to)}
          />
        </label>
        <label>
          {t.calendar.clinic}
          <select name="report-clinic" value={clinicId} onChange={(e) => setClinicId(e.currentTarget.value)}>
            <option value="">{t.calendar.anyClinic}</option>
            {directory.clinics.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t.noShows.show}</button>
      </form>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {chart === null ? (
        <p>{t.noShows.loading}</p>
      ) : (
        <>
          <p data-testid="no-show-overall">{chart.overall}</p>
          {chart.empty ? (
            <p class="hint">{t.noShows.empty}</p>
          ) : (
            <table class="chart" data-testid="no-show-chart">
              <caption>
                {t.noShows.chart} · {t.noShows.groups[chart.groupBy]}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t.noShows.key}</th>
                  <th scope="col">{t.noShows.rate}</th>
                  <th scope="col">{t.noShows.noShowsColumn}</th>
                  <th scope="col">{t.noShows.totalColumn}</th>
                </tr>
              </thead>
              <tbody>
                {chart.bars.map((bar) => (
                  <tr key={bar.key} data-key={bar.key}>
                    <th scope="row" title={bar.key}>
                      {bar.label}
                    </th>
                    <td class="bar-cell">
                      <span class="bar" aria-hidden="true">
                        <span class="bar-fill" style={{ width: `${bar.widthPercent}%` }} />
                      </span>
                      <span class="bar-value">{bar.rateLabel}</span>
                    </td>
                    <td>{bar.noShows}</td>
                    <td>{bar.total}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </main>
  );
}
