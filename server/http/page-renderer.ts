import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

export type RenderPage = (view: string, context: Record<string, unknown> & { title: string }) => string;

/** Server-rendered pages: every view is wrapped in layout.hbs. Handlebars escapes all values by default. */
export function loadPageRenderer(directory = join(__dirname, '..', 'views')): RenderPage {
  const engine = Handlebars.create();
  const views = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.hbs'))) {
    const source = readFileSync(join(directory, file), 'utf8');
    // `_name.hbs` is a piece that several views include as `{{> name}}` (the console's bar), not a page.
    if (file.startsWith('_')) engine.registerPartial(file.slice(1, -'.hbs'.length), source);
    else views.set(file.replace(/\.hbs$/, ''), engine.compile(source));
  }
  const layout = views.get('layout');
  if (!layout) throw new Error(`layout.hbs is missing from ${directory}`);
  return (view, context) => {
    const template = views.get(view);
    if (!template) throw new Error(`No view named ${view}`);
    return layout({ ...context, body: template(context) });
  };
}
