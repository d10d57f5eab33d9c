import { clientSettingsSchema, DEFAULT_CLIENT_POLICY, type ClientSettings } from '../../../common/domain/client-policy';

type SettingKey = keyof ClientSettings;
type Kind = 'text' | 'number' | 'boolean' | 'countries';

interface FieldSpec {
  key: SettingKey;
  kind: Kind;
  label: string;
  hint: string;
}

/** The policy editor's fields, in the order a technician reads them: the schema is the rule, this is the wording. */
const FIELDS: readonly FieldSpec[] = [
  {
    key: 'displayName',
    kind: 'text',
    label: 'Name shown to users',
    hint: "In emails and pages; blank: the client's name.",
  },
  { key: 'passwordLength', kind: 'number', label: 'Generated password length', hint: '8 to 64 characters.' },
  { key: 'mustChangeAtNextLogon', kind: 'boolean', label: 'User must change the password at next logon', hint: '' },
  { key: 'unlockOnReset', kind: 'boolean', label: 'A reset also unlocks the account', hint: '' },
  { key: 'resetsPerHour', kind: 'number', label: 'Resets per user per hour', hint: '1 to 100.' },
  {
    key: 'unlocksPerHour',
    kind: 'number',
    label: 'Unlocks per user per hour',
    hint: '1 to 100; past it, a reset is the way.',
  },
  {
    key: 'requireSmsPin',
    kind: 'boolean',
    label: 'SMS resets need the user’s PIN',
    hint: '"RESET 4821", chosen at SMS enrollment.',
  },
  { key: 'smsPinMaxFailures', kind: 'number', label: 'Wrong PINs before SMS reset locks', hint: '1 to 20 in a row.' },
  {
    key: 'smsPinLockMinutes',
    kind: 'number',
    label: 'SMS reset lock, minutes',
    hint: 'Up to 43200 (30 days); a technician may lift it sooner.',
  },
  {
    key: 'smsCountries',
    kind: 'countries',
    label: 'Countries numbers may be in',
    hint: 'Two-letter codes, e.g. "US, CA"; blank: the instance’s setting.',
  },
  {
    key: 'smsPerDay',
    kind: 'number',
    label: 'Texts per day for this client',
    hint: 'Blank: the instance’s SMS_DAILY_LIMIT_PER_CLIENT.',
  },
];

export interface PolicyFieldView extends FieldSpec {
  value: string;
  /** The value as a reader sees it (yes/no rather than true/false). */
  display: string;
  /** What applies when the field is left blank. */
  defaultText: string;
  isBoolean: boolean;
  isNumber: boolean;
  options?: Array<{ value: string; label: string; selected: boolean }>;
  error?: string;
}

const shown = (value: unknown): string =>
  value === undefined
    ? ''
    : Array.isArray(value)
      ? value.join(', ')
      : typeof value === 'boolean'
        ? String(value)
        : String(value);

const defaultOf = (key: SettingKey): string => {
  if (key === 'displayName') return "the client's name";
  const value = (DEFAULT_CLIENT_POLICY as unknown as Record<string, unknown>)[key];
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value === undefined ? 'instance setting' : String(value);
};

/**
 * The editor's fields filled from what was sent (after a refusal) or from the client's settings; a field the client
 * never set is blank, and its default is named beside it.
 */
export function policyFieldsOf(
  values: Partial<Record<SettingKey, string>>,
  errors: Partial<Record<SettingKey, string>> = {},
): PolicyFieldView[] {
  return FIELDS.map((field) => {
    const value = values[field.key] ?? '';
    const defaultText = defaultOf(field.key);
    return {
      ...field,
      value,
      display: field.kind === 'boolean' && value !== '' ? (value === 'true' ? 'yes' : 'no') : value,
      defaultText,
      isBoolean: field.kind === 'boolean',
      isNumber: field.kind === 'number',
      options:
        field.kind === 'boolean'
          ? [
              { value: '', label: `Default (${defaultText})`, selected: value === '' },
              { value: 'true', label: 'Yes', selected: value === 'true' },
              { value: 'false', label: 'No', selected: value === 'false' },
            ]
          : undefined,
      error: errors[field.key],
    };
  });
}

/** The client's stored settings as the editor's text values. */
export function policyValuesOf(settings: ClientSettings): Partial<Record<SettingKey, string>> {
  return Object.fromEntries(FIELDS.map((field) => [field.key, shown(settings[field.key])]));
}

/**
 * The whole new policy from the editor's form: a blank field is "not set" (the default applies), and the result is
 * checked by the API's own schema, so a value the API refuses is refused here with the same rule.
 */
export function policyFromForm(
  form: Record<string, unknown>,
):
  | { settings: ClientSettings }
  | { values: Partial<Record<SettingKey, string>>; errors: Partial<Record<SettingKey, string>> } {
  const values: Partial<Record<SettingKey, string>> = {};
  const errors: Partial<Record<SettingKey, string>> = {};
  const draft: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const raw = typeof form[field.key] === 'string' ? (form[field.key] as string).trim() : '';
    values[field.key] = raw;
    if (raw === '') continue;
    if (field.kind === 'number') {
      if (/^\d{1,9}$/.test(raw)) draft[field.key] = Number(raw);
      else errors[field.key] = 'must be a whole number';
    } else if (field.kind === 'boolean') {
      if (raw === 'true' || raw === 'false') draft[field.key] = raw === 'true';
      else errors[field.key] = 'choose Default, Yes or No';
    } else if (field.kind === 'countries') {
      draft[field.key] = raw
        .toUpperCase()
        .split(/[\s,;]+/)
        .filter(Boolean);
    } else draft[field.key] = raw;
  }
  const parsed = clientSettingsSchema.safeParse(draft);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[issue.path[0] as SettingKey] ??= issue.message;
  if (Object.keys(errors).length > 0 || !parsed.success) return { values, errors };
  return { settings: parsed.data };
}
