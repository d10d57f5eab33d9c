import type { TechniciansStore } from '../../db/technicians.store';

/**
 * How the console names an audit actor: a technician of the MSP by their name, the end user and Latchkey itself in
 * words, anything else (an API key, the CLI) as recorded. Another MSP's technicians are not looked up.
 */
export async function actorNamer(
  technicians: Pick<TechniciansStore, 'list'>,
  mspId: string,
): Promise<(actor: string) => string> {
  const names = new Map<string, string>(
    (await technicians.list(mspId)).map((tech) => [`technician:${tech.id}`, tech.display_name]),
  );
  return (actor) => names.get(actor) ?? (actor === 'user' ? 'the user' : actor === 'system' ? 'Latchkey' : actor);
}
