// Booking in chat: which messages start it, and what the flow says. A request is recognised only
// when the WHOLE message (case, accents, punctuation and spacing aside) is one of the tenant's
// phrases: "book" starts the flow, "can I book for my mother next week?" is left to staff, who
// read messaging's inbox. The language of the phrase is the language of the flow.
import { z } from 'zod';

/** Phrases per base language (WhatsApp language code before "_"). */
export type BookingKeywords = Record<string, string[]>;

export const DEFAULT_BOOKING_KEYWORDS: BookingKeywords = {
  en: ['book', 'booking', 'appointment', 'new appointment', 'book an appointment', 'i need an appointment', 'i want an appointment', 'make an appointment'],
  es: ['cita', 'turno', 'reservar', 'pedir cita', 'nueva cita', 'quiero una cita', 'necesito una cita', 'quiero un turno', 'necesito un turno'],
};

export const bookingKeywordsSchema = z.record(z.string().regex(/^[a-z]{2,3}$/), z.array(z.string().min(1).max(100)).max(50));

/** Lower case, accents stripped, punctuation dropped, spaces collapsed. */
export function normalizePhrase(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The language whose phrase the whole message is, or undefined when it asks for no booking. */
export function bookingRequestLanguage(text: string, keywords: BookingKeywords): string | undefined {
  // long free text is never a bare request; do not spend effort normalising it
  if (text.length > 200) return undefined;
  const phrase = normalizePhrase(text);
  if (phrase === '') return undefined;
  for (const [language, phrases] of Object.entries(keywords)) {
    if (phrases.some((candidate) => normalizePhrase(candidate) === phrase)) return language;
  }
  return undefined;
}

interface BookingTexts {
  chooseType: string;
  chooseSlot(what: string): string;
  confirm(what: string, when: string, withWhom: string): string;
  booked(what: string, when: string, withWhom: string): string;
  noTypes: string;
  noSlots: string;
  slotTaken: string;
  expired: string;
  staff: string;
  pickType: string;
  pickSlot: string;
  confirmButton: string;
  otherTimes: string;
}

const EN: BookingTexts = {
  chooseType: 'Happy to help you book. What kind of appointment do you need?',
  chooseSlot: (what) => `Here are the next free times for ${what}. Pick one.`,
  confirm: (what, when, who) => `${what} with ${who} on ${when}. Shall we book it?`,
  booked: (what, when, who) => `Booked: ${what} with ${who} on ${when}. You will get a reminder before it.`,
  noTypes: 'Sorry, appointments cannot be booked here right now. Our team will help you.',
  noSlots: 'Sorry, there are no free times in the next two weeks. Our team will contact you; you can also reply here.',
  slotTaken: 'Sorry, that time was just taken. Here are the next free times.',
  expired: 'This booking has expired. Write "book" to start again.',
  staff: 'Talk to the team',
  pickType: 'Choose',
  pickSlot: 'Choose a time',
  confirmButton: 'Book it',
  otherTimes: 'Other times',
};

const ES: BookingTexts = {
  chooseType: 'Con gusto le ayudamos a pedir una cita. ¿Qué tipo de cita necesita?',
  chooseSlot: (what) => `Estos son los próximos horarios libres para ${what}. Elija uno.`,
  confirm: (what, when, who) => `${what} con ${who} el ${when}. ¿La reservamos?`,
  booked: (what, when, who) => `Reservada: ${what} con ${who} el ${when}. Recibirá un recordatorio antes.`,
  noTypes: 'Lo sentimos, ahora no se pueden pedir citas por aquí. Nuestro equipo le ayudará.',
  noSlots: 'Lo sentimos, no hay horarios libres en las próximas dos semanas. Nuestro equipo le contactará; también puede responder aquí.',
  slotTaken: 'Lo sentimos, ese horario acaba de ocuparse. Estos son los próximos horarios libres.',
  expired: 'Esta reserva ha caducado. Escriba "cita" para empezar de nuevo.',
  staff: 'Hablar con el equipo',
  pickType: 'Elegir',
  pickSlot: 'Elegir horario',
  confirmButton: 'Reservar',
  otherTimes: 'Otros horarios',
};

export function bookingTextsFor(language: string): BookingTexts {
  return language.split('_')[0] === 'es' ? ES : EN;
}
