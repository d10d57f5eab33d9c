/** What an inbound text asks for. RESET and UNLOCK carry an argument (the PIN); the PIN is never kept after the check. */
export type SmsCommand =
  | { keyword: 'stop' }
  | { keyword: 'start' }
  | { keyword: 'help' }
  | { keyword: 'reset'; pin: string | null }
  | { keyword: 'unlock'; pin: string | null }
  | { keyword: 'pair' }
  | { keyword: 'other' };

// The carrier-standard opt-out and opt-in words, which Twilio also acts on itself: ours must agree with it, or a
// user Twilio has stopped texting would still look reachable here.
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const START_WORDS = new Set(['START', 'UNSTOP']);
const HELP_WORDS = new Set(['HELP', 'INFO']);

export function parseSmsCommand(body: string): SmsCommand {
  const words = body.trim().split(/\s+/).filter(Boolean);
  const keyword = (words[0] ?? '').toUpperCase();
  // Opt-out words count only as the whole message, as the carriers define them: "stop by at noon" is not one.
  if (words.length === 1 && STOP_WORDS.has(keyword)) return { keyword: 'stop' };
  if (words.length === 1 && START_WORDS.has(keyword)) return { keyword: 'start' };
  if (words.length === 1 && HELP_WORDS.has(keyword)) return { keyword: 'help' };
  if (words.length === 1 && keyword === 'PAIR') return { keyword: 'pair' };
  if (keyword === 'RESET') return { keyword: 'reset', pin: words.length > 1 ? words.slice(1).join(' ') : null };
  if (keyword === 'UNLOCK') return { keyword: 'unlock', pin: words.length > 1 ? words.slice(1).join(' ') : null };
  return { keyword: 'other' };
}
