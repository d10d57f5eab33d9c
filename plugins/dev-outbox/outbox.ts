import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

export interface OutboxMessage {
  id: string;
  channel: 'email' | 'sms' | 'push';
  to: string;
  from: string;
  subject?: string;
  text: string;
  html?: string;
  sentAt: Date;
}

/**
 * A message catcher for development and benchmarks, in the manner of Mailpit: email and SMS that would have
 * gone to a vendor land here and are shown on the /outbox page. It is deliberately memory-only and bounded:
 * these messages carry one-time codes and links, and the outbox stands in for the user's own inbox, so it must
 * never be written to the database or a log.
 */
export class Outbox {
  private readonly messages: OutboxMessage[] = [];
  private readonly events = new EventEmitter();

  constructor(private readonly capacity = 5_000) {
    this.events.setMaxListeners(0);
  }

  add(message: Omit<OutboxMessage, 'id' | 'sentAt'>): OutboxMessage {
    const stored = { ...message, id: randomUUID(), sentAt: new Date() };
    this.messages.push(stored);
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
    this.events.emit('message', stored);
    return stored;
  }

  /** Newest first, optionally only those for one recipient. */
  list(filter: { to?: string; channel?: OutboxMessage['channel'] } = {}): OutboxMessage[] {
    return this.messages
      .filter((m) => (!filter.to || m.to === filter.to) && (!filter.channel || m.channel === filter.channel))
      .reverse();
  }

  count(channel?: OutboxMessage['channel']): number {
    return channel ? this.messages.filter((m) => m.channel === channel).length : this.messages.length;
  }

  clear(): void {
    this.messages.length = 0;
  }

  /** Resolves with the first message, already here or still to come, that matches. */
  waitFor(predicate: (message: OutboxMessage) => boolean, timeoutMs = 10_000): Promise<OutboxMessage> {
    const existing = this.messages.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onMessage = (message: OutboxMessage) => {
        if (!predicate(message)) return;
        clearTimeout(timer);
        this.events.off('message', onMessage);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.events.off('message', onMessage);
        reject(new Error(`no matching outbox message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('message', onMessage);
    });
  }
}
