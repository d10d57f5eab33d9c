import twilio from 'twilio';

/** A TwiML document that texts `reply` back to the sender, or does nothing when it is null. */
export function messagingTwiml(reply: string | null): string {
  const response = new twilio.twiml.MessagingResponse();
  if (reply !== null) response.message(reply);
  return response.toString();
}
