import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Adds `.openapi()` to every zod schema (it patches zod's prototype), so a schema can carry its component name.
extendZodWithOpenApi(z);

export { z };
