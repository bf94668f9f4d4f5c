// What a Meta error code means for a care team: what happened and what to do, in plain words. One
// table for every service that shows a WhatsApp failure (the gateway for a refused send, messaging
// for a failed status webhook), so the same code reads the same everywhere. Never patient data;
// no interpolation beyond the code itself. Sources: the fact sheet and Meta's error-code page.
const EXPLANATIONS = new Map<number, string>([
  [0, 'The WhatsApp access token was refused. Contact your administrator.'],
  [190, 'The WhatsApp access token has expired. Contact your administrator.'],
  [4, 'The hospital reached Meta’s limit of API calls. Try again in a few minutes.'],
  [80007, 'The hospital’s WhatsApp account reached Meta’s rate limit. Try again in a few minutes.'],
  [10, 'The hospital’s WhatsApp app lacks permission to send. Contact your administrator.'],
  [100, 'WhatsApp refused the message as malformed. Contact support.'],
  [368, 'WhatsApp has temporarily blocked this number for policy violations. Contact your administrator.'],
  [130429, 'Too many messages were being sent from this WhatsApp number; the message could not be sent in time. Try again in a few minutes.'],
  [130472, 'The patient’s number is part of a WhatsApp experiment and cannot receive this message now.'],
  [130497, 'The hospital may not message WhatsApp users in the patient’s country.'],
  [131000, 'WhatsApp had a temporary problem and the retries did not get through. Try sending again.'],
  [131008, 'WhatsApp refused the message because a required part was missing. Contact support.'],
  [131009, 'WhatsApp refused a value in the message. Contact support.'],
  [131016, 'WhatsApp was temporarily unavailable and the retries did not get through. Try sending again.'],
  [131026, 'WhatsApp could not deliver to this number: it may not be on WhatsApp, use an outdated app, or have blocked the hospital.'],
  [131030, 'This number is not on the allowed list of the hospital’s WhatsApp test number.'],
  [131031, 'The hospital’s WhatsApp Business Account is locked. Contact your administrator.'],
  [131042, 'There is a payment problem with the hospital’s WhatsApp account. Contact your administrator.'],
  [131047, 'More than 24 hours have passed since the patient last wrote; only a template can be sent.'],
  [131048, 'WhatsApp is limiting this number because of spam reports or limits. Contact your administrator.'],
  [131049, 'WhatsApp held back this marketing message to avoid over-messaging the patient. Try later, or use a utility template.'],
  [131050, 'The patient has stopped marketing messages from the hospital.'],
  [131051, 'WhatsApp does not support this type of message.'],
  [131052, 'WhatsApp could not download the media the patient sent.'],
  [131053, 'WhatsApp could not use the attached file (link, type or size). Attach it again.'],
  [131056, 'Too many messages were sent to this patient in a short time. Wait a minute and send again.'],
  [131057, 'The hospital’s WhatsApp account is in maintenance. Try again in a few minutes.'],
  [132000, 'The template’s parameters do not match the approved template.'],
  [132001, 'The template does not exist in this language or is not approved.'],
  [132005, 'The filled-in template text is too long.'],
  [132007, 'The template text breaks WhatsApp’s formatting rules.'],
  [132012, 'A template parameter has the wrong format (for example an image where a document is expected).'],
  [132015, 'WhatsApp paused this template because of low quality. Use another template.'],
  [132016, 'WhatsApp disabled this template. Use another template.'],
  [133010, 'The hospital’s WhatsApp number is not registered with WhatsApp. Contact your administrator.'],
]);

/**
 * The plain explanation of a Meta error code: the table's, else a family rule (132xxx templates,
 * 2xx permissions), else a generic one naming the code.
 */
export function explainMetaError(code: number): string {
  const known = EXPLANATIONS.get(code);
  if (known !== undefined) return known;
  if (code >= 132000 && code <= 132999) return 'WhatsApp refused the template. Check it in the template manager.';
  if (code >= 200 && code <= 299) return EXPLANATIONS.get(10)!;
  return `WhatsApp could not send the message (error ${code}). Contact support if it happens again.`;
}

/** Whether the table knows the code itself (not a family rule or the generic text). */
export function isExplainedMetaError(code: number): boolean {
  return EXPLANATIONS.has(code);
}
