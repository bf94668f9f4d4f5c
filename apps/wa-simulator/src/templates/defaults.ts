// The templates a hospital demo needs, registered for every WABA unless `WA_SIM_DEFAULT_TEMPLATES`
// is false, in en_US and Spanish. They follow Careline's healthcare rule: no clinical content in
// WhatsApp, a link to the authenticated portal instead (fact sheet section 7).
//   appointment_reminder (UTILITY): body {{1}} name, {{2}} clinician or department, {{3}} date and
//     time; quick replies Confirm / Reschedule / Cancel (payloads are chosen per send).
//   result_ready (UTILITY): body {{1}} name; URL button with the share token as {{1}}.
//   otp (AUTHENTICATION): body {{1}} the code; copy-code button (its parameter is the code again).
//   welcome (MARKETING): header {{1}} hospital name, body {{1}} name; quick replies.
//   document_ready (UTILITY): DOCUMENT header (the released document itself), body {{1}} name.
import type { TemplateInput } from './schema';

interface Texts {
  reminderHeader: string;
  reminderBody: string;
  confirm: string;
  reschedule: string;
  cancel: string;
  resultBody: string;
  resultButton: string;
  otpBody: string;
  otpFooter: string;
  otpButton: string;
  welcomeHeader: string;
  welcomeBody: string;
  talk: string;
  noPromotions: string;
  documentBody: string;
  footer: string;
}

const EN: Texts = {
  reminderHeader: 'Appointment reminder',
  reminderBody:
    'Hello {{1}}, this is a reminder of your appointment with {{2}} on {{3}}. Please let us know whether you can make it.',
  confirm: 'Confirm',
  reschedule: 'Reschedule',
  cancel: 'Cancel',
  resultBody:
    'Hello {{1}}, a new document is available in your patient portal. For your privacy, open it through the secure link below.',
  resultButton: 'View securely',
  otpBody: '{{1}} is your verification code. For your security, do not share this code.',
  otpFooter: 'This code expires in 10 minutes.',
  otpButton: 'Copy code',
  welcomeHeader: 'Welcome to {{1}}',
  welcomeBody:
    'Hello {{1}}, thank you for choosing us. Here you will get appointment reminders and news from our hospital. Reply at any time to reach our team.',
  talk: 'Talk to the team',
  noPromotions: 'Stop promotions',
  documentBody: 'Hello {{1}}, here is the document you asked for. Keep it somewhere safe.',
  footer: 'Careline · never share card or ID numbers here',
};

const ES: Texts = {
  reminderHeader: 'Recordatorio de cita',
  reminderBody:
    'Hola {{1}}, le recordamos su cita con {{2}} el {{3}}. Por favor, indíquenos si podrá asistir.',
  confirm: 'Confirmar',
  reschedule: 'Cambiar fecha',
  cancel: 'Cancelar',
  resultBody:
    'Hola {{1}}, hay un nuevo documento disponible en su portal del paciente. Por su privacidad, ábralo con el enlace seguro.',
  resultButton: 'Ver de forma segura',
  otpBody: '{{1}} es su código de verificación. Por su seguridad, no comparta este código.',
  otpFooter: 'Este código caduca en 10 minutos.',
  otpButton: 'Copiar código',
  welcomeHeader: 'Bienvenido a {{1}}',
  welcomeBody:
    'Hola {{1}}, gracias por elegirnos. Aquí recibirá recordatorios de citas y noticias de nuestro hospital. Responda cuando quiera para hablar con nuestro equipo.',
  talk: 'Hablar con el equipo',
  noPromotions: 'No más promociones',
  documentBody: 'Hola {{1}}, aquí tiene el documento que solicitó. Guárdelo en un lugar seguro.',
  footer: 'Careline · nunca comparta aquí tarjetas ni DNI',
};

function templatesIn(language: string, t: Texts): TemplateInput[] {
  return [
    {
      name: 'appointment_reminder',
      language,
      category: 'UTILITY',
      status: 'APPROVED',
      components: [
        { type: 'HEADER', format: 'TEXT', text: t.reminderHeader },
        { type: 'BODY', text: t.reminderBody },
        { type: 'FOOTER', text: t.footer },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: t.confirm },
            { type: 'QUICK_REPLY', text: t.reschedule },
            { type: 'QUICK_REPLY', text: t.cancel },
          ],
        },
      ],
    },
    {
      name: 'result_ready',
      language,
      category: 'UTILITY',
      status: 'APPROVED',
      components: [
        { type: 'BODY', text: t.resultBody },
        { type: 'FOOTER', text: t.footer },
        {
          type: 'BUTTONS',
          buttons: [{ type: 'URL', text: t.resultButton, url: 'https://portal.careline.example/r/{{1}}' }],
        },
      ],
    },
    {
      name: 'otp',
      language,
      category: 'AUTHENTICATION',
      status: 'APPROVED',
      components: [
        { type: 'BODY', text: t.otpBody },
        { type: 'FOOTER', text: t.otpFooter },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: t.otpButton }] },
      ],
    },
    {
      name: 'welcome',
      language,
      category: 'MARKETING',
      status: 'APPROVED',
      components: [
        { type: 'HEADER', format: 'TEXT', text: t.welcomeHeader },
        { type: 'BODY', text: t.welcomeBody },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: t.talk },
            { type: 'QUICK_REPLY', text: t.noPromotions },
          ],
        },
      ],
    },
    {
      name: 'document_ready',
      language,
      category: 'UTILITY',
      status: 'APPROVED',
      components: [
        { type: 'HEADER', format: 'DOCUMENT' },
        { type: 'BODY', text: t.documentBody },
        { type: 'FOOTER', text: t.footer },
      ],
    },
  ];
}

export const DEFAULT_TEMPLATES: readonly TemplateInput[] = [
  ...templatesIn('en_US', EN),
  ...templatesIn('es', ES),
];
