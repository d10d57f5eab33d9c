export const say = (line: string) => console.log(`[latchkey] ${line}`);
