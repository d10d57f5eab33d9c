/** How the console writes a moment: UTC to the second, the same on every technician's screen and in every export. */
export function consoleTime(value: Date | string | null | undefined): string | undefined {
  if (!value) return undefined;
  return new Date(value)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
