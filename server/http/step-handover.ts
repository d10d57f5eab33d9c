/**
 * The view a step's Update answered with, kept for the page load that the post's 303 sends the browser to: the
 * workflow has just said where the user is, and asking it again (a query through the Temporal server) is the
 * cost every step would pay twice. Taken once; a load that comes later, or to another replica, asks the workflow.
 */
export class StepHandover<View> {
  readonly #views = new Map<string, { view: View; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  put(enrollmentId: string, view: View): void {
    // Insertion order is age order: a full map drops its oldest entry, which a browser would not follow anyway.
    this.#views.delete(enrollmentId);
    if (this.#views.size >= this.maxEntries) this.#views.delete(this.#views.keys().next().value!);
    this.#views.set(enrollmentId, { view, expiresAt: this.now() + this.ttlMs });
  }

  take(enrollmentId: string): View | undefined {
    const entry = this.#views.get(enrollmentId);
    if (!entry) return undefined;
    this.#views.delete(enrollmentId);
    return entry.expiresAt > this.now() ? entry.view : undefined;
  }
}
