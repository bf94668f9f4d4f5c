// What scheduling writes to a patient inside the 24-hour window (interactive messages after they
// tapped a reminder button), in English and Spanish; other languages get English. Labels respect
// WhatsApp's limits: buttons 20 characters, list rows 24, descriptions 72.
export type ReplyKind =
  | 'confirmed'
  | 'cancelled'
  | 'rescheduled'
  | 'slot_offer'
  | 'no_slots'
  | 'stale_cancelled'
  | 'stale_moved'
  | 'slot_taken';

interface Texts {
  confirmed(when: string, withWhom: string): string;
  cancelled(when: string, withWhom: string): string;
  rescheduled(when: string, withWhom: string): string;
  slotOffer(withWhom: string): string;
  noSlots: string;
  staleCancelled: string;
  staleMoved(when: string): string;
  slotTaken: string;
  reschedule: string;
  cancel: string;
  confirm: string;
  pickSlot: string;
  staff: string;
}

const EN: Texts = {
  confirmed: (when, who) => `Thank you. Your appointment with ${who} on ${when} is confirmed.`,
  cancelled: (when, who) => `Your appointment with ${who} on ${when} is cancelled. Reply here if you need a new one.`,
  rescheduled: (when, who) => `Done. Your appointment with ${who} is now on ${when}.`,
  slotOffer: (who) => `Here are the next free times with ${who}. Pick one to move your appointment.`,
  noSlots: 'Sorry, there are no free times in the next two weeks. Our team will contact you; you can also reply here.',
  staleCancelled: 'This reminder is out of date: that appointment has already been cancelled. Reply here if you need a new one.',
  staleMoved: (when) => `This reminder is out of date: your appointment has been moved to ${when}.`,
  slotTaken: 'Sorry, that time was just taken. Here are the next free times.',
  reschedule: 'Reschedule',
  cancel: 'Cancel',
  confirm: 'Confirm',
  pickSlot: 'Choose a time',
  staff: 'Talk to the team',
};

const ES: Texts = {
  confirmed: (when, who) => `Gracias. Su cita con ${who} el ${when} está confirmada.`,
  cancelled: (when, who) => `Su cita con ${who} el ${when} ha sido cancelada. Responda aquí si necesita una nueva.`,
  rescheduled: (when, who) => `Listo. Su cita con ${who} es ahora el ${when}.`,
  slotOffer: (who) => `Estos son los próximos horarios libres con ${who}. Elija uno para cambiar su cita.`,
  noSlots: 'Lo sentimos, no hay horarios libres en las próximas dos semanas. Nuestro equipo le contactará; también puede responder aquí.',
  staleCancelled: 'Este recordatorio ya no es válido: esa cita ya fue cancelada. Responda aquí si necesita una nueva.',
  staleMoved: (when) => `Este recordatorio ya no es válido: su cita se cambió al ${when}.`,
  slotTaken: 'Lo sentimos, ese horario acaba de ocuparse. Estos son los próximos horarios libres.',
  reschedule: 'Cambiar fecha',
  cancel: 'Cancelar',
  confirm: 'Confirmar',
  pickSlot: 'Elegir horario',
  staff: 'Hablar con el equipo',
};

export function textsFor(language: string): Texts {
  return language.split('_')[0] === 'es' ? ES : EN;
}

/** BCP 47 locale for dates from a WhatsApp language code ("en_US" → "en-US"). */
export function localeOf(language: string): string {
  return language.replace('_', '-');
}

/** A date and time as the patient reads it, in the site's zone. */
export function formatWhen(instant: Date, language: string, timeZone: string): string {
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'full', timeStyle: 'short', timeZone }).format(instant);
}

/** A short list-row label (≤ 24 characters), e.g. "Tue 14 Jan 09:30". */
export function formatSlotTitle(instant: Date, language: string, timeZone: string): string {
  const text = new Intl.DateTimeFormat(localeOf(language), {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(instant);
  return text.slice(0, 24);
}
