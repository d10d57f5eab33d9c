const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** A TwiML document that texts `reply` back to the sender, or does nothing when it is null. */
export function messagingTwiml(reply: string | null): string {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
  if (reply === null) return `${declaration}<Response/>`;
  return `${declaration}<Response><Message>${reply.replace(/[&<>"']/g, (char) => XML_ESCAPES[char]!)}</Message></Response>`;
}
